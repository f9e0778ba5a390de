// Test helpers: temporary folders, lab gateways and in-process runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import type { Test } from 'tap';
import { loadConfigFile, type LoadedConfig } from '../../agent/config/load.js';
import { silentLogger } from '../../agent/log.js';
import type { RunDocument } from '../../agent/runner/document.js';
import { executeRun } from '../../agent/runner/execute.js';
import { startLabGateway, type LabGateway, type LabGatewayOptions } from '../../agent/lab/gateway.js';

export function tempDir(t: Test, prefix = 'pathaudit-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function labGateway(t: Test, opts: Omit<LabGatewayOptions, 'dir'> & { dir?: string }): Promise<LabGateway> {
  const gw = await startLabGateway({ ...opts, dir: opts.dir ?? tempDir(t) });
  t.teardown(() => gw.close());
  return gw;
}

export function load(file: string): LoadedConfig {
  return loadConfigFile(file);
}

export function runChecks(loaded: LoadedConfig, checks: string[]): Promise<RunDocument> {
  return executeRun({ loaded, bundle: `checks:${checks.join(',')}`, checks, trigger: 'cli', log: silentLogger() });
}

/** The result of one control on one resource (resource matched by prefix, e.g. "mqtts "). */
export function resultOf(doc: RunDocument, control: string, resourcePrefix = '') {
  const r = doc.results.filter((x) => x.control === control && x.resource.startsWith(resourcePrefix));
  if (r.length !== 1) throw new Error(`expected one ${control} result for "${resourcePrefix}", got ${r.length}: ${r.map((x) => x.resource).join(', ')}`);
  return r[0]!;
}

export function evidenceOf(doc: RunDocument, id: string) {
  const e = doc.evidence.find((x) => x.id === id);
  if (!e) throw new Error(`no evidence ${id}`);
  return e;
}

/** A loopback port that was free a moment ago (and is closed now: nothing listens on it). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
