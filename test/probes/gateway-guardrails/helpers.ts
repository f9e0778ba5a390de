// Helpers for the gateway-guardrails tests: fixture roots copied into temp
// folders (git keeps no file modes but +x, so secret-file modes are set here),
// temp trees built file by file, and the check run either through the runner
// (config file → executeRun, as the CLI does) or collector → evaluate directly.
import { chmodSync, cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { buildTree as buildTreeIn, type TreeEntry } from '../../helpers/tree.js';
import { stringify } from 'yaml';
import type { PathauditConfig } from '../../../config/schema/index.js';
import { collectGuardrails } from '../../../probes/gateway-guardrails/collect.js';
import { evaluateGatewayGuardrails } from '../../../probes/gateway-guardrails/evaluate.js';
import { systemView } from '../../../probes/system.js';
import type { ControlResult, Evidence } from '../../../probes/types.js';
import { load, runChecks, tempDir } from '../../helpers/lab.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

/** Secret files both fixture trees carry, and the mode each tree means them to have. */
export const FIXTURE_SECRET_FILES = ['/etc/pathaudit/secrets/broker-password', '/etc/mosquitto/certs/server.key'];
export const FIXTURE_SECRET_MODES = { 'gateway-weak': 0o644, 'gateway-hardened': 0o600 } as const;

/** The path's declared exposure, as the lab gateway config declares it. */
export const LAB_ALLOWED_LISTENERS = [22, 8883, 8443];

/** Copies a fixture tree into `dir` and gives its secret files the tree's intended mode. */
export function copyFixtureRoot(name: keyof typeof FIXTURE_SECRET_MODES, dir: string): string {
  const root = join(dir, name);
  cpSync(join(FIXTURES, name), root, { recursive: true, verbatimSymlinks: true });
  for (const f of FIXTURE_SECRET_FILES) chmodSync(join(root, f), FIXTURE_SECRET_MODES[name]);
  return root;
}

/** Builds a tree under a temp folder (test/helpers/tree.ts). */
export const buildTree = (t: Test, files: Record<string, TreeEntry>): string => buildTreeIn(t, files, 'pathaudit-gg-');

export type Guardrails = NonNullable<PathauditConfig['guardrails']>;

/** Collects and evaluates straight through the check's modules (no runner). */
export async function audit(guardrails: Guardrails, commandTimeoutMs = 3000): Promise<{ results: ControlResult[]; evidence: Evidence[] }> {
  const config: PathauditConfig = { guardrails };
  const view = systemView(guardrails.root, new AbortController().signal, commandTimeoutMs);
  const evidence = await collectGuardrails(view, config);
  return { evidence, results: evaluateGatewayGuardrails({ config, evidence, runEvidence: evidence, now: new Date() }) };
}

export function only(results: ControlResult[], control: string, resource?: string): ControlResult {
  const r = results.filter((x) => x.control === control && (resource === undefined || x.resource === resource));
  if (r.length !== 1) throw new Error(`expected one ${control}${resource ? ` on ${resource}` : ''}, got ${r.length}: ${JSON.stringify(r)}`);
  return r[0]!;
}

/** Runs the check the way the CLI does: a YAML config file, loaded and validated, then the runner. */
export async function runFromConfigFile(t: Test, guardrails: Guardrails, runner?: PathauditConfig['runner']) {
  const dir = tempDir(t);
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, stringify({ gateway: { id: 'gw-test' }, guardrails, ...(runner ? { runner } : {}) }));
  return runChecks(load(file), ['gateway-guardrails']);
}
