// `pathaudit baseline set RUN` / `pathaudit baseline show`
import { getBaseline, markBaseline } from '../evidence/baseline.js';
import { loadForCli, withStore } from './context.js';
import type { Io } from './io.js';
import { resolveRun } from './runref.js';

export async function baselineSetCommand(runRef: string, flags: { config?: string }, io: Io): Promise<number> {
  const loaded = loadForCli(flags.config);
  return withStore(loaded, (store) => {
    const doc = resolveRun(store, runRef, 'baseline set');
    const previous = getBaseline(store);
    markBaseline(store, doc);
    io.stdout(`baseline: run ${doc.run.id} (${doc.run.bundle}, ${doc.run.startedAt}) · ${doc.summary.headline}${previous && previous !== doc.run.id ? ` (was ${previous})` : ''}\n`);
    return 0;
  });
}

export async function baselineShowCommand(flags: { config?: string; format: string }, io: Io): Promise<number> {
  const loaded = loadForCli(flags.config);
  return withStore(loaded, (store) => {
    const id = getBaseline(store);
    const doc = id ? store.runs.get(id) : null;
    if (flags.format === 'json') {
      io.stdout(`${JSON.stringify({ baseline: id, run: doc ? { id: doc.run.id, bundle: doc.run.bundle, startedAt: doc.run.startedAt, hash: doc.run.hash, summary: doc.summary } : null }, null, 2)}\n`);
      return 0;
    }
    if (!id) io.stdout('baseline: none set (the first completed audit-baseline run becomes it; or `pathaudit baseline set RUN`)\n');
    else if (!doc) io.stdout(`baseline: ${id} (no longer in the store)\n`);
    else io.stdout(`baseline: run ${doc.run.id} (${doc.run.bundle}, ${doc.run.startedAt}) · ${doc.summary.headline}\n`);
    return 0;
  });
}
