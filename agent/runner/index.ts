// A run in this process, start to end: the lifecycle (lifecycle.ts) with the
// checks executed here. The CLI's `run` and the demo, and tests, go this way;
// the daemon starts the same lifecycle with its own executor (daemon/runs.ts).
import type { Log } from '../log.js';
import type { Store } from '../store/index.js';
import type { ExecuteOptions } from './execute.js';
import { inProcess } from './executor.js';
import { startRun, type EndedRun, type RunRequest } from './lifecycle.js';
import type { RunDocument } from './document.js';

export interface InProcessRunRequest extends RunRequest {
  store: Store;
  log: Log;
  onProgress?: ExecuteOptions['onProgress'];
  /** The run's clock: its start, and the time its checks judge at. */
  now?: () => Date;
}

/** Runs the checks here and stores the run; rejects (a RunNotStored, the run marked aborted) when it failed. */
export async function runInProcess(req: InProcessRunRequest): Promise<EndedRun> {
  return startRun(req, { store: req.store, log: req.log, now: req.now, executor: inProcess({ now: req.now, onProgress: req.onProgress }) }).ended;
}

/** The stored run document of a run executed here (runInProcess, for callers that need only the document). */
export async function runAndStore(req: InProcessRunRequest): Promise<RunDocument> {
  return (await runInProcess(req)).doc;
}
