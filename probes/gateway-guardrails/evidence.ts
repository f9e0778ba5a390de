// gateway-guardrails' evidence, declared once: one record per source read
// through the root, keyed and placed on a resource of the same name. The root
// itself, the accounts and the file modes are shared collectors' records
// (probes/root.ts, probes/accounts.ts, probes/file-mode.ts).
import { declareEvidence, declareEvidenceFamily } from '../evidence.js';
import { FILE_MODE_KIND, type FileModeEvidence } from '../file-mode.js';
import { PROCESS_OWNERS_KIND, type ProcessesEvidence } from '../processes.js';
import type { ClockEvidence } from './clock.js';
import type { DiskEvidence } from './disk.js';
import type { FirewallEvidence } from './firewall.js';
import type { SocketsEvidence } from './sockets.js';
import type { SshdEvidence } from './sshd.js';
import type { PowerEvidence, ThermalEvidence } from './thermal.js';
import type { AptEvidence } from './updates.js';

export { accountsEvidence } from '../accounts.js';
export { rootEvidence } from '../root.js';

/** A source whose key and resource are its name. */
const source = <D>(name: string, kind: string) => declareEvidence<D>({ key: name, kind, resource: name });

export const sshdEvidence = source<SshdEvidence>('sshd', 'sshd-config');
export const socketsEvidence = source<SocketsEvidence>('sockets', 'listening-sockets');
export const firewallEvidence = source<FirewallEvidence>('firewall', 'firewall-ruleset');
export const processesEvidence = source<ProcessesEvidence>('processes', PROCESS_OWNERS_KIND);
export const aptEvidence = source<AptEvidence>('apt', 'apt-updates');
export const clockEvidence = source<ClockEvidence>('clock', 'clock-sync');
export const powerEvidence = source<PowerEvidence>('power', 'pi-throttled');
export const thermalEvidence = source<ThermalEvidence>('thermal', 'thermal-zones');

/** The accounts' resource here (broker-cert reads them for its key file's resource). */
export const ACCOUNTS_RESOURCE = 'accounts';

export const diskResource = (mount: string) => `disk ${mount}`;
export const fileResource = (path: string) => `file ${path}`;
export const socketResource = (s: { family: number; address: string; port: number }) => `socket ${s.family === 6 ? `[${s.address}]` : s.address}:${s.port}`;
export const processResource = (name: string) => `process ${name}`;

/** Free space on one mount (GG-08), keyed by its resource. */
export const diskEvidence = declareEvidenceFamily<string, DiskEvidence>({ kind: 'disk-free', key: diskResource, resource: diskResource });
/** One secret file's mode (GG-10), keyed by its resource. */
export const fileModeEvidence = declareEvidenceFamily<string, FileModeEvidence>({ kind: FILE_MODE_KIND, key: fileResource, resource: fileResource });
