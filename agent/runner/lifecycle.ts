// One run, from request to its place in the chain, the same for the CLI, the
// API and schedules:
//
//   runSteps = [plan, record as running, run windows, execute, store into
//               the chain | mark aborted, mark the baseline]
//
// Callers differ only in what they hand in: the executor (the CLI executes in
// its own process; the daemon in a run process, a thread or its main thread)
// and the store writer (the daemon's StoreHealth, which /healthz and /metrics
// read; by default storeWrite, whose errors name the store). startRun
// returns as soon as the run is recorded as `running`, with its id — the API
// answers 202 with it while the run executes — and `ended` settles when the
// run is stored or marked aborted.
import type { LoadedConfig } from '../config/load.js';
import { PathauditError, reasonOf } from '../errors.js';
import { ensureBaseline } from '../evidence/baseline.js';
import type { Log } from '../log.js';
import { storeWrite, type Store } from '../store/index.js';
import { planRun } from './bundles.js';
import type { RunDocument, Trigger } from './document.js';
import type { Execution, Executor } from './executor.js';
import { newRunId, startedRunHeader } from './header.js';
import { runWindowsBefore } from './windows.js';

export interface RunRequest {
  loaded: LoadedConfig;
  /** A bundle name, or null when `checks` is given (null and no checks: audit-baseline). */
  bundle: string | null;
  /** Comma-separated check ids (CLI --check, the API's `checks`). */
  checks?: string | null;
  trigger: Trigger;
}

/** Every write the lifecycle makes goes through it, named by what it writes. */
export interface StoreWriter {
  write<T>(operation: string, fn: () => T): T;
}

export interface RunDeps {
  store: Store;
  executor: Executor;
  log: Log;
  /** Default: storeWrite, a failure a PATHAUDIT_ERR_STORE naming the store. */
  writer?: StoreWriter;
  /** When the run starts (its id and startedAt). */
  now?: () => Date;
}

export interface StartedRun {
  id: string;
  bundle: string;
  trigger: Trigger;
  startedAt: string;
  execution: Execution;
  /** The stored run; rejects with a RunNotStored once the run is marked aborted (or could not be). */
  ended: Promise<EndedRun>;
}

export interface EndedRun {
  /** As stored: finished, linked into the chain. */
  doc: RunDocument;
  durationMs: number;
  /** This run became the baseline (the first completed audit-baseline run while none is set). */
  baselineSet: boolean;
  /** Why it could not be marked as the baseline when it should have been (the run itself is stored). */
  baselineError: string | null;
}

/** A run that found no place in the chain: its execution failed, or the store refused the finished run. */
export class RunNotStored extends PathauditError {
  constructor(
    readonly runId: string,
    /** Why, in words. */
    readonly reason: string,
    /** Whether its row now reads `aborted` (false: the store refused that too; it still reads `running`). */
    readonly marked: boolean,
    failure: unknown,
  ) {
    // A store failure is reported as itself (it names the store); anything else as the run's.
    const store = failure instanceof PathauditError && failure.code === 'PATHAUDIT_ERR_STORE';
    super(store ? 'PATHAUDIT_ERR_STORE' : 'PATHAUDIT_ERR_RUN', store ? reason : `run ${runId} failed: ${reason}`, [], { cause: failure });
  }
}

/**
 * Starts a run: records it as `running` (a store that cannot take the row
 * refuses the run with PATHAUDIT_ERR_STORE), hands it to the executor with
 * the windows of the store's runs, and — when the executor gives its document
 * back — stores it into the chain and marks the baseline; on any failure
 * marks the run aborted. Throws a usage error for an unknown bundle or check.
 */
export function startRun(req: RunRequest, deps: RunDeps): StartedRun {
  const { store } = deps;
  const writer = deps.writer ?? { write: <T>(operation: string, fn: () => T) => storeWrite(store.file, operation, fn) };
  const plan = planRun(req);
  const started = (deps.now ?? (() => new Date()))();
  const id = newRunId(started);
  const t0 = performance.now();
  writer.write('record the run', () => store.runs.begin(startedRunHeader({ runId: id, bundle: plan.bundle, trigger: req.trigger, loaded: req.loaded, startedAt: started })));
  const log = deps.log.child({ runId: id });
  log.info({ bundle: plan.bundle, trigger: req.trigger }, 'run accepted');
  // Windows are read after the run's own row exists: the run is among them, open-ended.
  const runWindows = runWindowsBefore(store, started);
  const execution = deps.executor({ loaded: req.loaded, bundle: plan.bundle, checks: plan.checks, trigger: req.trigger, runId: id, log: deps.log, runWindows });

  const abort = (failure: unknown): never => {
    const reason = reasonOf(failure);
    let marked = false;
    try {
      writer.write('mark the run aborted', () => store.runs.abort(id));
      marked = true;
      log.warn({ reason }, 'run aborted');
    } catch (err) {
      log.error({ runId: id, err: reasonOf(err) }, 'could not mark the run aborted (retried before the next run, and at the next start)');
    }
    throw new RunNotStored(id, reason, marked, failure);
  };
  const ended = execution.done.then((doc) => {
    doc.run.startedAt = started.toISOString();
    const stored = writer.write('store the finished run', () => store.runs.finish(doc));
    const durationMs = Math.round(performance.now() - t0);
    log.info({ status: stored.run.status, durationMs, headline: stored.summary.headline }, 'run stored');
    return { doc: stored, durationMs, ...markBaseline(stored, writer, store, log) };
  }, abort);
  // A failure to store the finished run aborts it too (the execution itself had succeeded).
  const settled = ended.catch((err: unknown) => (err instanceof RunNotStored ? Promise.reject(err) : abort(err)));
  return { id, bundle: plan.bundle, trigger: req.trigger, startedAt: started.toISOString(), execution, ended: settled };
}

/** The first completed audit-baseline run becomes the baseline when none is set. A stored run stays stored if this write fails. */
function markBaseline(doc: RunDocument, writer: StoreWriter, store: Store, log: Log): Pick<EndedRun, 'baselineSet' | 'baselineError'> {
  try {
    const set = writer.write('mark the baseline', () => ensureBaseline(store, doc));
    if (set) log.info('first completed audit-baseline run marked as baseline');
    return { baselineSet: set, baselineError: null };
  } catch (err) {
    log.error({ err: reasonOf(err) }, 'could not mark the baseline');
    return { baselineSet: false, baselineError: reasonOf(err) };
  }
}
