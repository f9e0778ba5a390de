// `pathaudit snapshot [--month YYYY-MM] [--format text|json]`: the monthly retainer record.
import { takeSnapshot, type Snapshot } from '../evidence/snapshot.js';
import { thresholdsFrom } from '../evidence/summary.js';
import { usageError } from '../errors.js';
import { terminalLine } from '../reports/escape.js';
import { deltaLines } from '../reports/text.js';
import { loadForCli, withStore } from './context.js';
import type { Io } from './io.js';
import { checkOut, writeOutput } from './output.js';

export function renderSnapshotText(s: Snapshot): string {
  const L: string[] = [s.headline, ''];
  L.push(s.regressions.length ? `regressions (${s.regressions.length}):` : 'regressions: none');
  for (const r of s.regressions) L.push(`  ${r.control} ${r.resource} — ${r.reason} (against the ${r.against === 'baseline' ? 'baseline' : `${s.previous?.month} snapshot`})`);
  L.push('');
  if (s.latest) L.push(`latest posture: run ${s.latest.runId} (${s.latest.bundle}, ${s.latest.startedAt}) · ${s.latest.summary.headline} · next move: ${s.latest.summary.decision}`);
  else L.push('latest posture: no completed run');
  L.push('');
  if (s.deltaToBaseline) L.push(...deltaLines(s.deltaToBaseline).map((l, i) => (i === 0 ? `to baseline: ${l}` : l)));
  else L.push(s.baselineId ? `to baseline: the latest run is the baseline (${s.baselineId})` : 'to baseline: no baseline set');
  L.push('');
  if (s.drift) L.push(...deltaLines(s.drift).map((l, i) => (i === 0 ? `drift since the ${s.previous!.month} snapshot: ${l}` : l)));
  else L.push(s.previous ? `drift: the ${s.previous.month} snapshot's posture can no longer be read (its runs were pruned)` : 'drift: first snapshot, nothing to compare with');
  if (s.backlog.length) {
    L.push('', 'priorities:');
    for (const b of s.backlog) L.push(`  ${b.rank}. [${b.severity}] ${b.control} ${b.title} — ${b.resource} (score ${b.score}, effort ${b.effort})`);
  }
  return `${L.map(terminalLine).join('\n')}\n`;
}

export async function snapshotCommand(flags: { month?: string; format: string; config?: string; out?: string }, io: Io): Promise<number> {
  if (flags.format !== 'text' && flags.format !== 'json') throw usageError(`--format: expected text or json (got "${flags.format}")`);
  const loaded = loadForCli(flags.config);
  await checkOut(flags.out);
  const snap = await withStore(loaded, (store) => takeSnapshot(store, flags.month, new Date(), { thresholds: thresholdsFrom(loaded.config) }));
  await writeOutput(flags.format === 'json' ? `${JSON.stringify(snap, null, 2)}\n` : renderSnapshotText(snap), flags.out, io);
  return 0;
}
