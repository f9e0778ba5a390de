// Where a run's checks execute: an executor takes a run that is recorded as
// `running` and gives back its run document. The lifecycle (lifecycle.ts)
// does not mind which: the CLI executes in its own process, the daemon in a
// child process, a worker thread or its main thread (agent/daemon/worker.ts).
import type { RunWindow } from '../../probes/types.js';
import type { LoadedConfig } from '../config/load.js';
import type { Log } from '../log.js';
import type { RunDocument, Trigger } from './document.js';
import type { ExecuteOptions } from './execute.js';

export interface ExecutionRequest {
  loaded: LoadedConfig;
  bundle: string;
  checks: string[];
  trigger: Trigger;
  runId: string;
  log: Log;
  runWindows: RunWindow[];
}

/** A run being executed: its document when done, and a way to stop it early. */
export interface Execution {
  done: Promise<RunDocument>;
  /** Stops the run now; `done` rejects. */
  cancel(reason: string): Promise<void>;
  /** The run process, when the run has one. */
  pid?: number;
}

export type Executor = (req: ExecutionRequest) => Execution;

/**
 * Executes the checks on this thread. `now` (the evaluation clock) and
 * `onProgress` reach executeRun only here: they cannot cross to a run
 * process or thread.
 */
export function inProcess(opts: Pick<ExecuteOptions, 'now' | 'onProgress'> = {}): Executor {
  return (req) => {
    let rejectEarly: (err: Error) => void = () => {};
    const early = new Promise<never>((_, reject) => {
      rejectEarly = reject;
    });
    // The probes load with the first in-process run, not with the daemon.
    const run = import('./execute.js').then(({ executeRun }) =>
      executeRun({ loaded: req.loaded, bundle: req.bundle, checks: req.checks, trigger: req.trigger, runId: req.runId, log: req.log, runWindows: req.runWindows, ...opts }),
    );
    run.catch(() => {}); // an abandoned run may still fail later: nobody is waiting for it
    // Checks cannot be interrupted on the main thread: cancel abandons the
    // result (its sockets close on their own step timeouts).
    return {
      done: Promise.race([run, early]),
      cancel: (reason) => Promise.resolve(rejectEarly(new Error(reason))),
    };
  };
}

export const inProcessExecutor: Executor = inProcess();
