// gateway-guardrails: every source read concurrently through one SystemView
// (the configured root). A collector that throws becomes a `failed` record for
// its source, so one broken source never hides the others.
import type { CollectContext, Evidence } from '../types.js';
import { collectAccounts } from './accounts.js';
import { collectClock } from './clock.js';
import { collectDisk, DEFAULT_DISKS, diskResource } from './disk.js';
import { collectFileMode, fileResource } from './files.js';
import { collectFirewall } from './firewall.js';
import { collectProcesses } from './processes.js';
import { collectSockets } from './sockets.js';
import { collectSshd } from './sshd.js';
import { failed, systemView, type SystemView } from './system.js';
import { collectPower, collectThermal } from './thermal.js';
import { collectApt } from './updates.js';

export interface RootFacts {
  root: string;
  live: boolean;
}

async function source(key: string, kind: string, resource: string, read: () => Promise<unknown>): Promise<Evidence> {
  try {
    return { key, kind, resource, data: await read() };
  } catch (err) {
    return { key, kind, resource, data: failed(err instanceof Error ? err.message : String(err)) };
  }
}

export async function collectGuardrails(view: SystemView, config: CollectContext['config'], progress?: (step: string) => void): Promise<Evidence[]> {
  const g = config.guardrails ?? {};
  const step = <T>(name: string, p: () => Promise<T>) => () => {
    progress?.(name);
    return p();
  };
  const tasks: Array<Promise<Evidence>> = [
    source('sshd', 'sshd-config', 'sshd', step('sshd configuration', () => collectSshd(view))),
    source('sockets', 'listening-sockets', 'sockets', step('listening sockets', () => collectSockets(view))),
    source('firewall', 'firewall-ruleset', 'firewall', step('firewall ruleset', () => collectFirewall(view))),
    source('processes', 'process-owners', 'processes', step('broker and relay process owners', () => collectProcesses(view, g.process_names ?? {}))),
    source('apt', 'apt-updates', 'apt', step('automatic updates', () => collectApt(view))),
    source('clock', 'clock-sync', 'clock', step('clock synchronisation', () => collectClock(view))),
    source('power', 'pi-throttled', 'power', step('power and throttling', () => collectPower(view))),
    source('thermal', 'thermal-zones', 'thermal', step('thermal zones', () => collectThermal(view))),
    ...(g.disk ?? DEFAULT_DISKS).map((d) =>
      source(diskResource(d.mount), 'disk-free', diskResource(d.mount), step(`free space on ${d.mount}`, () => collectDisk(view, d.mount, d.min_free_percent))),
    ),
    ...[...new Set(g.secret_files ?? [])].map((f) => source(fileResource(f), 'file-mode', fileResource(f), () => collectFileMode(view, f))),
    // Who "group" is: a secret at 0640 is fine only when its group holds the one service that reads it.
    ...(g.secret_files?.length ? [source('accounts', 'local-accounts', 'accounts', step('local accounts', () => collectAccounts(view)))] : []),
  ];
  const evidence = await Promise.all(tasks);
  evidence.unshift({ key: 'root', kind: 'audit-root', resource: 'gateway', data: { root: view.root, live: view.live } satisfies RootFacts });
  return evidence;
}

export function collectGatewayGuardrails(ctx: CollectContext): Promise<Evidence[]> {
  const view = systemView(ctx.config.guardrails?.root, ctx.signal, ctx.stepTimeoutMs);
  return collectGuardrails(view, ctx.config, ctx.progress);
}
