// gateway-guardrails: every source read concurrently through one SystemView
// (the configured root). A collector that throws becomes a `failed` record for
// its source, so one broken source never hides the others.
import { collectAccounts, type AccountsEvidence } from '../accounts.js';
import { failed, type Observation } from '../evidence.js';
import { collectFileMode } from '../file-mode.js';
import { collectProcesses } from '../processes.js';
import { systemView, type SystemView } from '../system.js';
import type { CollectContext, Evidence } from '../types.js';
import { collectClock } from './clock.js';
import { collectDisk, DEFAULT_DISKS, type DiskEvidence } from './disk.js';
import {
  accountsEvidence,
  ACCOUNTS_RESOURCE,
  aptEvidence,
  clockEvidence,
  diskEvidence,
  fileModeEvidence,
  firewallEvidence,
  powerEvidence,
  processesEvidence,
  rootEvidence,
  socketsEvidence,
  sshdEvidence,
  thermalEvidence,
} from './evidence.js';
import { collectFirewall } from './firewall.js';
import { collectSockets } from './sockets.js';
import { collectSshd } from './sshd.js';
import { collectPower, collectThermal } from './thermal.js';
import { collectApt } from './updates.js';

/** One source's record: what it read, or `failed` with why it threw. */
async function source<T>(record: (data: Observation<T>) => Evidence, read: () => Promise<Observation<T>>): Promise<Evidence> {
  try {
    return record(await read());
  } catch (err) {
    return record(failed(err instanceof Error ? err.message : String(err)));
  }
}

export async function collectGuardrails(view: SystemView, config: CollectContext['config'], progress?: (step: string) => void): Promise<Evidence[]> {
  const g = config.guardrails ?? {};
  const step = <T>(name: string, p: () => Promise<T>) => () => {
    progress?.(name);
    return p();
  };
  const tasks: Array<Promise<Evidence>> = [
    source(sshdEvidence.of, step('sshd configuration', () => collectSshd(view))),
    source(socketsEvidence.of, step('listening sockets', () => collectSockets(view))),
    source(firewallEvidence.of, step('firewall ruleset', () => collectFirewall(view))),
    source(processesEvidence.of, step('broker and relay process owners', () => collectProcesses(view, g.process_names ?? {}))),
    source(aptEvidence.of, step('automatic updates', () => collectApt(view))),
    source(clockEvidence.of, step('clock synchronisation', () => collectClock(view))),
    source(powerEvidence.of, step('power and throttling', () => collectPower(view))),
    source(thermalEvidence.of, step('thermal zones', () => collectThermal(view))),
    ...(g.disk ?? DEFAULT_DISKS).map((d) => source((data: DiskEvidence) => diskEvidence.of(d.mount, data), step(`free space on ${d.mount}`, () => collectDisk(view, d.mount, d.min_free_percent)))),
    ...[...new Set(g.secret_files ?? [])].map((f) => source((data) => fileModeEvidence.of(f, data), () => collectFileMode(view, f))),
    // Who "group" is: a secret at 0640 is fine only when its group holds the one service that reads it.
    ...(g.secret_files?.length ? [source((data: AccountsEvidence) => accountsEvidence.of(ACCOUNTS_RESOURCE, data), step('local accounts', () => collectAccounts(view)))] : []),
  ];
  const evidence = await Promise.all(tasks);
  evidence.unshift(rootEvidence.of({ root: view.root, live: view.live }));
  return evidence;
}

export function collectGatewayGuardrails(ctx: CollectContext): Promise<Evidence[]> {
  const view = systemView(ctx.config.guardrails?.root, ctx.signal, ctx.stepTimeoutMs);
  return collectGuardrails(view, ctx.config, ctx.progress);
}
