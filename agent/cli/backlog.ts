// `pathaudit backlog [--run R] [--format text|json|csv|md]`: the ranked
// backlog of the posture — the path as run R (default: the latest completed
// run) left it, every check's latest completed results — as GET /v1/backlog
// gives it (json is that route's document).
import { backlogViewOf, pathAsOf } from '../evidence/backlog.js';
import { thresholdsFrom } from '../evidence/summary.js';
import { usageError } from '../errors.js';
import { renderCsv } from '../reports/csv.js';
import { RANKING_RULE, renderBacklogMd } from '../reports/md.js';
import { mdText, terminalLine } from '../reports/escape.js';
import { loadForCli, withStore } from './context.js';
import type { Io } from './io.js';
import { checkOut, writeOutput } from './output.js';
import { resolveRun } from './runref.js';

export const BACKLOG_FORMATS = ['text', 'json', 'csv', 'md'] as const;

export async function backlogCommand(flags: { run?: string; format: string; out?: string; config?: string }, io: Io): Promise<number> {
  if (!(BACKLOG_FORMATS as readonly string[]).includes(flags.format)) throw usageError(`--format: expected one of ${BACKLOG_FORMATS.join(', ')} (got "${flags.format}")`);
  await checkOut(flags.out);
  const loaded = loadForCli(flags.config);
  const { asOf, path } = await withStore(loaded, (store) => {
    const asOf = resolveRun(store, flags.run ?? 'latest', 'backlog --run');
    return { asOf, path: pathAsOf(store, asOf, thresholdsFrom(loaded.config)) };
  });
  const view = backlogViewOf(asOf, path);
  const { drawsOn, items } = view;
  let body: string;
  if (flags.format === 'json') body = `${JSON.stringify(view, null, 2)}\n`;
  else if (flags.format === 'csv') body = renderCsv(path);
  else if (flags.format === 'md')
    body = `${[`# Backlog — the path as run ${asOf.run.id} left it`, '', `Ranking: ${mdText(RANKING_RULE)}.`, '', ...renderBacklogMd(items, asOf.run.id)].join('\n')}\n`;
  else {
    const L = [`backlog: the path as run ${asOf.run.id} left it · ${items.length} open finding${items.length === 1 ? '' : 's'}`];
    for (const d of drawsOn) L.push(`  ${d.check}: run ${d.runId} (${d.outcome})`);
    L.push('');
    if (!items.length) L.push('nothing to fix: no open finding');
    for (const b of items) {
      L.push(`${String(b.rank).padStart(3)}. ${String(b.score).padStart(5)}  ${b.severity.padEnd(8)} ${b.control} ${b.title} — ${b.resource}${b.notRetested ? ` (not re-tested since ${b.notRetested.since})` : ''}`);
      L.push(`       ${b.exposure} · effort ${b.effort} · ${b.owner} · verify: ${b.verification.command}`);
    }
    body = `${L.map(terminalLine).join('\n')}\n`;
  }
  await writeOutput(body, flags.out, io);
  return 0;
}
