// Helpers for the device-link tests: the fixture trees (sysfs with its
// symlinks, /dev nodes as plain files, by-id links) copied into a temp folder,
// given the modes git cannot keep, and an etc/group naming the test process's
// own group (every copied file belongs to it; chown would need root).
import { chmodSync, cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { buildTree as buildTreeIn, type TreeEntry } from '../../helpers/tree.js';
import type { PathauditConfig } from '../../../config/schema/index.js';
import { code as deviceLink } from '../../../probes/device-link/index.js';
import type { ControlResult, Evidence } from '../../../probes/types.js';
import { tempDir } from '../../helpers/lab.js';
import { standaloneContext } from '../../../agent/runner/standalone.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

/** Node modes each tree means (git keeps none), and the name its etc/group gives the files' group. */
export const TREES = {
  'device-link-weak': { group: 'plugdev', modes: { ttyACM0: 0o666, ttyACM1: 0o660, ttyACM2: 0o660, ttyUSB0: 0o660, ttyAMA10: 0o620, tty1: 0o620, null: 0o666 } },
  'device-link-hardened': { group: 'dialout', modes: { ttyACM0: 0o660, ttyACM1: 0o660, ttyUSB0: 0o660, ttyUSB1: 0o660, ttyAMA10: 0o660, tty1: 0o620, null: 0o666 } },
} as const;

export const gid = () => process.getgid?.() ?? 0;

export function layTree(t: Test, name: keyof typeof TREES): string {
  const root = join(tempDir(t, 'pathaudit-dl-'), name);
  cpSync(join(FIXTURES, name), root, { recursive: true, verbatimSymlinks: true });
  const tree = TREES[name];
  for (const [node, mode] of Object.entries(tree.modes)) chmodSync(join(root, 'dev', node), mode);
  // The tree's group first: getgrgid(3) takes the first entry, and a test run as root has gid 0.
  writeFileSync(join(root, 'etc', 'group'), `${tree.group}:x:${gid()}:pi\nroot:x:0:\ntty:x:5:\n`);
  return root;
}

/** Builds a tree under a temp folder (test/helpers/tree.ts). */
export const buildTree = (t: Test, files: Record<string, TreeEntry>): string => buildTreeIn(t, files, 'pathaudit-dl-');

/** Collects and evaluates through the check's own entry points (no runner). */
export async function audit(devices: NonNullable<PathauditConfig['devices']>, root: string): Promise<{ results: ControlResult[]; evidence: Evidence[] }> {
  const config: PathauditConfig = { devices, guardrails: { root } };
  const evidence = await deviceLink.collect(standaloneContext(config));
  return { evidence, results: deviceLink.evaluate({ config, evidence, runEvidence: evidence, now: new Date() }) };
}

export function resultsOf(results: ControlResult[], control: string): ControlResult[] {
  return results.filter((r) => r.control === control);
}

export function only(results: ControlResult[], control: string, resource: string): ControlResult {
  const r = results.filter((x) => x.control === control && x.resource === resource);
  if (r.length !== 1) throw new Error(`expected one ${control} result on ${resource}, got ${r.length}: ${results.filter((x) => x.control === control).map((x) => `${x.resource} ${x.status}`).join('; ')}`);
  return r[0] as ControlResult;
}
