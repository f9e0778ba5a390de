// The run windows a run hands its checks: every run of this store that may
// have left lines in the logs a check reads (broker-sessions reads at most
// MAX_LOG_WINDOW_H hours of the broker's log), the run itself included.
import { MAX_LOG_WINDOW_H } from '../../config/schema/defaults.js';
import type { RunWindow } from '../../probes/types.js';
import type { Store } from '../store/index.js';

const HOUR_MS = 3_600_000;

export function runWindowsBefore(store: Store, at: Date): RunWindow[] {
  return store.runs.windowsSince(new Date(at.getTime() - MAX_LOG_WINDOW_H * HOUR_MS).toISOString());
}
