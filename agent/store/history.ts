// One control on one resource across the finished runs that observed it:
// what `pathaudit finding` shows as the history of a finding.
import type { Severity, Status } from '../../probes/types.js';
import type { Store } from './index.js';

export interface ResultHistoryItem {
  runId: string;
  bundle: string;
  startedAt: string;
  status: Status;
  severity: Severity;
  detail: string;
}

/** Newest first, at most `limit` runs (the results_control index makes it one seek). */
export function resultHistory(store: Store, control: string, resource: string, limit = 50): ResultHistoryItem[] {
  return store.db
    .prepare(
      `SELECT r.run_id AS runId, x.bundle, x.started_at AS startedAt, r.status, r.severity, r.detail
         FROM results r JOIN runs x ON x.id = r.run_id
        WHERE r.control = ? AND r.resource = ? AND x.status IN ('completed', 'failed')
        ORDER BY x.started_at DESC, r.rowid DESC LIMIT ?`,
    )
    .all(control, resource, limit) as ResultHistoryItem[];
}
