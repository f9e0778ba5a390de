// Run references on the command line: a run id, `latest` (the latest
// completed run) or `baseline`, wherever a command takes a run (as the API does).
import { getBaseline } from '../evidence/baseline.js';
import { notFound, usageError } from '../errors.js';
import type { RunDocument } from '../runner/document.js';
import type { Store } from '../store/index.js';

export function resolveRun(store: Store, ref: string, what: string): RunDocument {
  if (!ref.trim()) throw usageError(`${what}: expected a run id, latest or baseline`);
  if (ref === 'latest') {
    const doc = store.runs.latest({ status: 'completed' });
    if (!doc) throw notFound(`${what} latest: no completed run in the store ${store.file}`);
    return doc;
  }
  if (ref === 'baseline') {
    const id = getBaseline(store);
    if (!id) throw notFound(`${what} baseline: no baseline is set; run \`pathaudit baseline set RUN\` (the first completed audit-baseline run becomes it automatically)`);
    const doc = store.runs.get(id);
    if (!doc) throw notFound(`${what} baseline: the baseline run ${id} is no longer in the store`);
    return doc;
  }
  const doc = store.runs.get(ref);
  if (!doc) throw notFound(`${what}: no run ${ref} in the store ${store.file}`);
  return doc;
}
