// runAndStore: the one way a run happens, for the CLI, the API, schedules and
// the demo: record it as running, execute, then persist it into the chain.
import type { LoadedConfig } from '../config/load.js';
import { PathauditError, reasonOf } from '../errors.js';
import type { Log } from '../log.js';
import { storeWrite, type Store } from '../store/index.js';
import { planRun } from './bundles.js';
import type { RunDocument, Trigger } from './document.js';
import { executeRun, type ExecuteOptions } from './execute.js';
import { newRunId, startedRunHeader } from './header.js';
import { runWindowsBefore } from './windows.js';

export interface RunRequest {
  loaded: LoadedConfig;
  store: Store;
  /** A bundle name, or null when `checks` is given. */
  bundle: string | null;
  /** Comma-separated check ids (CLI --check). */
  checks?: string | null;
  trigger: Trigger;
  log: Log;
  onProgress?: ExecuteOptions['onProgress'];
  now?: () => Date;
}

export async function runAndStore(req: RunRequest): Promise<RunDocument> {
  const plan = planRun(req);
  const startedAt = (req.now ?? (() => new Date()))();
  const runId = newRunId(startedAt);
  storeWrite(req.store.file, 'record the run', () =>
    req.store.runs.begin(startedRunHeader({ runId, bundle: plan.bundle, trigger: req.trigger, loaded: req.loaded, startedAt })),
  );
  let doc: RunDocument;
  try {
    const runWindows = runWindowsBefore(req.store, startedAt);
    doc = await executeRun({ loaded: req.loaded, bundle: plan.bundle, checks: plan.checks, trigger: req.trigger, log: req.log, runId, now: req.now, onProgress: req.onProgress, runWindows });
  } catch (err) {
    req.store.runs.abort(runId);
    throw new PathauditError('PATHAUDIT_ERR_RUN', `run ${runId} failed: ${reasonOf(err)}`, [], { cause: err });
  }
  doc.run.startedAt = startedAt.toISOString();
  return storeWrite(req.store.file, 'store the finished run', () => req.store.runs.finish(doc));
}
