import type { PathauditConfig } from '../../config/schema/index.js';
import { BUILTIN_BUNDLES, CHECK_IDS } from '../../probes/catalogue.js';
import type { LoadedConfig } from '../config/load.js';
import { usageError } from '../errors.js';

// Built-in bundles derive from the catalogue (each check names the bundles
// that run it); operators add their own under `bundles:`.
export { BUILTIN_BUNDLES };

export function bundleNames(config?: PathauditConfig): string[] {
  return [...Object.keys(BUILTIN_BUNDLES), ...Object.keys(config?.bundles ?? {})];
}

/** The check ids a bundle runs, in order; throws a usage error naming the unknown bundle or check. */
export function resolveBundle(name: string, config: PathauditConfig): string[] {
  const checks = config.bundles?.[name] ?? (BUILTIN_BUNDLES as Record<string, readonly string[] | undefined>)[name];
  if (!checks) throw usageError(`unknown bundle "${name}" (known: ${bundleNames(config).join(', ')})`);
  const missing = checks.filter((c) => !CHECK_IDS.has(c));
  if (missing.length) throw usageError(`bundle "${name}" names check(s) not in this build: ${missing.join(', ')}`);
  return [...checks];
}

export function resolveCheckList(list: string): string[] {
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (!ids.length) throw usageError('--check needs at least one check id');
  for (const id of ids) if (!CHECK_IDS.has(id)) throw usageError(`unknown check "${id}" (known: ${[...CHECK_IDS].join(', ')})`);
  return [...new Set(ids)];
}

/** Which checks a run executes, and the bundle name it is recorded under. */
export function planRun(req: { loaded: LoadedConfig; bundle?: string | null; checks?: string | null }): { bundle: string; checks: string[] } {
  if (req.checks) {
    const checks = resolveCheckList(req.checks);
    return { bundle: `checks:${checks.join(',')}`, checks };
  }
  const bundle = req.bundle ?? 'audit-baseline';
  return { bundle, checks: resolveBundle(bundle, req.loaded.config) };
}
