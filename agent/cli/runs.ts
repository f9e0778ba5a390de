// `pathaudit runs [--limit N] [--offset N] [--bundle B] [--status S] [--format text|json]`:
// the run history, newest first — the same page GET /v1/runs gives.
import { getBaseline } from '../evidence/baseline.js';
import { usageError } from '../errors.js';
import { RUN_STATUSES, type RunStatus } from '../contracts/vocabulary.js';
import { loadForCli, withStore } from './context.js';
import type { Io } from './io.js';

/** The same bounds as GET /v1/runs. */
export const MAX_LIMIT = 500;

function count(flag: string, value: string | undefined, def: number, min: number, max: number): number {
  if (value === undefined) return def;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw usageError(`${flag}: expected a whole number from ${min} to ${max} (got "${value}")`);
  return Number(value);
}

const duration = (start: string, end: string | null) => (end ? `${((Date.parse(end) - Date.parse(start)) / 1000).toFixed(1)} s` : '…');

export async function runsCommand(flags: { limit?: string; offset?: string; bundle?: string; status?: string; format: string; config?: string }, io: Io): Promise<number> {
  const limit = count('--limit', flags.limit, 20, 1, MAX_LIMIT);
  const offset = count('--offset', flags.offset, 0, 0, 1_000_000_000);
  if (flags.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(flags.status)) throw usageError(`--status: expected one of ${RUN_STATUSES.join(', ')} (got "${flags.status}")`);
  if (flags.bundle !== undefined && !flags.bundle.trim()) throw usageError('--bundle: expected a bundle name (or checks:<ids> for a --check run)');
  const loaded = loadForCli(flags.config);
  const { page, baseline } = await withStore(loaded, (store) => ({
    page: store.runs.list({ limit, offset, bundle: flags.bundle, status: flags.status as RunStatus | undefined }),
    baseline: getBaseline(store),
  }));
  if (flags.format === 'json') {
    io.stdout(`${JSON.stringify({ total: page.total, limit, offset, items: page.items }, null, 2)}\n`);
    return 0;
  }
  if (!page.items.length) {
    io.stdout(page.total ? `no runs at offset ${offset} (${page.total} in all)\n` : 'no runs recorded yet: start one with `pathaudit run`\n');
    return 0;
  }
  const width = Math.max(...page.items.map((r) => r.bundle.length));
  for (const r of page.items) {
    const mark = r.id === baseline ? ' [baseline]' : '';
    io.stdout(`${r.id}  ${r.status.padEnd(9)}  ${r.startedAt}  ${duration(r.startedAt, r.finishedAt).padStart(7)}  ${r.bundle.padEnd(width)}  ${r.trigger.padEnd(8)}  ${r.summary?.headline ?? '—'}${mark}\n`);
  }
  io.stdout(`${offset + 1}–${offset + page.items.length} of ${page.total} run${page.total === 1 ? '' : 's'}, newest first${offset + page.items.length < page.total ? ` (more: --offset ${offset + page.items.length})` : ''}\n`);
  return 0;
}
