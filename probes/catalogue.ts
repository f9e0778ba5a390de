// The catalogue: every check's metadata (id, title, controls, bundles, owner,
// plain words), without the code that probes. The daemon, the CLI's views,
// reports and the backlog need only this; a check's probing code loads where
// runs execute (CheckInfo.load). Everything here derives from probes/checks.ts.
import { BUILTIN_BUNDLE_PURPOSES, FULL_BUNDLE, type BundleName } from './bundles.js';
import * as checks from './checks.js';
import { compareText } from './compare.js';
import type { Check, CheckInfo, ControlMeta } from './types.js';

/** Every check, in check-id order: the order runs list them and reports show them. */
export const CHECK_INFOS: readonly CheckInfo[] = Object.values(checks as Record<string, CheckInfo>).sort((a, b) => compareText(a.id, b.id));

export const CHECK_IDS: ReadonlySet<string> = new Set(CHECK_INFOS.map((c) => c.id));

export function checkInfo(id: string): CheckInfo | undefined {
  return CHECK_INFOS.find((c) => c.id === id);
}

/** Every control of every check, by id. */
export const CONTROLS: ReadonlyMap<string, ControlMeta & { check: string }> = new Map(
  CHECK_INFOS.flatMap((c) => c.controls.map((m) => [m.id, { ...m, check: c.id }] as const)),
);

/** The built-in bundles and the checks each runs, in catalogue order; `full` runs them all. */
export const BUILTIN_BUNDLES: Readonly<Record<BundleName | typeof FULL_BUNDLE, readonly string[]>> = {
  ...(Object.fromEntries(
    (Object.keys(BUILTIN_BUNDLE_PURPOSES) as BundleName[]).map((b) => [b, CHECK_INFOS.filter((c) => c.bundles.includes(b)).map((c) => c.id)]),
  ) as Record<BundleName, string[]>),
  [FULL_BUNDLE]: CHECK_INFOS.map((c) => c.id),
};

/** A check with its probing code loaded (where runs execute). */
export async function loadCheck(id: string): Promise<Check> {
  const info = checkInfo(id);
  if (!info) throw new Error(`check ${id} is not in the catalogue`);
  return { ...info, ...(await info.load()) };
}
