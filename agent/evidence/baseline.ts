// The baseline: the run later runs are compared against (README: Using it).
// Its id lives in the meta table, so it survives restarts and is shared by the
// CLI, the daemon and schedules.
import { notFound, usageError } from '../errors.js';
import type { RunDocument } from '../runner/document.js';
import type { Store } from '../store/index.js';

export const BASELINE_KEY = 'baseline.run_id';
/** The bundle whose first completed run becomes the baseline when none is set. */
export const BASELINE_BUNDLE = 'audit-baseline';

export function getBaseline(store: Store): string | null {
  return store.meta.get(BASELINE_KEY);
}

/** Marks a completed run as the baseline. Unknown run → NOT_FOUND; a run that did not complete → USAGE. */
export function setBaseline(store: Store, runId: string): void {
  const doc = store.runs.get(runId);
  if (!doc) throw notFound(`baseline: no run ${runId} in the store`);
  markBaseline(store, doc);
}

/** setBaseline for a caller that holds the run's document already (the API, the CLI, a run just stored): the document is not read again. */
export function markBaseline(store: Store, doc: RunDocument): void {
  if (doc.run.status !== 'completed') throw usageError(`baseline: run ${doc.run.id} is ${doc.run.status}; only a completed run can be the baseline`);
  store.meta.set(BASELINE_KEY, doc.run.id);
}

/**
 * The first completed audit-baseline run becomes the baseline when none is set
 * (the engagement's "Audit" stage). Returns true when it set it, so callers can
 * say so. Later runs never move an existing baseline: only `baseline set` does.
 */
export function ensureBaseline(store: Store, doc: RunDocument): boolean {
  if (doc.run.bundle !== BASELINE_BUNDLE || doc.run.status !== 'completed') return false;
  if (getBaseline(store) !== null) return false;
  markBaseline(store, doc);
  return true;
}
