// One run at a time, across schedules and API requests.
//
// Choice: a request while a run is in flight is refused — the API
// answers 409 with the id of the running run, a schedule that fires logs and
// skips its slot — rather than queueing. A queue would make a POST's 202 mean
// "some time later", hide a stuck run behind a growing line, and let a burst
// of requests pin the gateway's CPU; a refusal tells the caller exactly what
// is happening and the run it can poll instead.
//
// The run itself — record, execute, store or abort, mark the baseline — is
// the one lifecycle of agent/runner/lifecycle.ts, which the CLI runs too; this
// controller adds what only the daemon needs: one run at a time, the
// executor the daemon runs checks in, its store health, events for the API
// and a bounded stop.
import { EventEmitter } from 'node:events';
import type { LoadedConfig } from '../config/load.js';
import { PathauditError, reasonOf } from '../errors.js';
import type { Log } from '../log.js';
import type { RunDocument, Trigger } from '../runner/document.js';
import type { Executor } from '../runner/executor.js';
import { RunNotStored, startRun, type StartedRun } from '../runner/lifecycle.js';
import type { Store } from '../store/index.js';
import { StoreHealth } from './store-health.js';

export interface RunInFlight {
  id: string;
  bundle: string;
  trigger: Trigger;
  startedAt: string;
}

export interface RunRequestOptions {
  bundle?: string | null;
  checks?: string | null;
  trigger: Trigger;
}

export interface RunControllerEvents {
  finished: [doc: RunDocument, durationMs: number];
  aborted: [id: string, reason: string, trigger: Trigger];
}

export class BusyError extends PathauditError {
  constructor(readonly running: RunInFlight) {
    super('PATHAUDIT_ERR_BUSY', `run ${running.id} (${running.bundle}) is in flight: one run at a time; poll it and retry when it ends`);
  }
}

export class StoppingError extends PathauditError {
  constructor() {
    super('PATHAUDIT_ERR_BUSY', 'the daemon is shutting down and accepts no new run');
  }
}

export class RunController extends EventEmitter<RunControllerEvents> {
  #current: (StartedRun & { settled: Promise<void> }) | null = null;
  #accepting = true;
  /** Runs whose `aborted` mark could not be written (store full or read-only): retried before the next run. */
  #unmarked = new Set<string>();
  /** Whether the last write to the store succeeded (read by /healthz and /metrics). */
  readonly storeHealth: StoreHealth;

  constructor(
    private readonly deps: {
      store: Store;
      config: () => LoadedConfig;
      executor: Executor;
      log: Log;
      now?: () => Date;
      storeHealth?: StoreHealth;
    },
  ) {
    super();
    this.storeHealth = deps.storeHealth ?? new StoreHealth(deps.store.file, deps.now);
  }

  get running(): RunInFlight | null {
    if (!this.#current) return null;
    const { id, bundle, trigger, startedAt } = this.#current;
    return { id, bundle, trigger, startedAt };
  }

  /** Starts a run; returns once it is recorded as `running`. Throws BusyError, StoppingError, a usage error (unknown bundle) or PATHAUDIT_ERR_STORE (API: 503). */
  start(opts: RunRequestOptions): RunInFlight {
    if (!this.#accepting) throw new StoppingError();
    if (this.#current) throw new BusyError(this.running!);
    this.#markUnmarked();
    const { store, executor, log, now } = this.deps;
    const run = startRun({ loaded: this.deps.config(), bundle: opts.bundle ?? null, checks: opts.checks ?? null, trigger: opts.trigger }, { store, executor, log, now, writer: this.storeHealth });
    const settled = run.ended.then(
      ({ doc, durationMs }) => {
        this.#current = null;
        this.#notify(() => this.emit('finished', doc, durationMs));
      },
      (err: unknown) => {
        const notStored = err instanceof RunNotStored ? err : null;
        if (notStored && !notStored.marked) this.#unmarked.add(run.id);
        this.#current = null;
        this.#notify(() => this.emit('aborted', run.id, notStored?.reason ?? reasonOf(err), opts.trigger));
      },
    );
    this.#current = { ...run, settled };
    return this.running!;
  }

  /** A listener's failure is logged, never mistaken for the run's. */
  #notify(emit: () => void): void {
    try {
      emit();
    } catch (err) {
      this.deps.log.error({ err: reasonOf(err) }, 'a run listener failed');
    }
  }

  /** A run cut short while the store could not be written still reads `running`: mark it once the store takes writes. */
  #markUnmarked(): void {
    for (const id of this.#unmarked) {
      try {
        this.storeHealth.write('mark the run aborted', () => this.deps.store.runs.abort(id));
        this.#unmarked.delete(id);
        this.deps.log.warn({ runId: id }, 'run cut short while the store could not be written: marked aborted');
      } catch {
        return; // still failing: the run row below will say so (503)
      }
    }
  }

  /** Resolves when no run is in flight (at once when idle). */
  async idle(): Promise<void> {
    while (this.#current) await this.#current.settled;
  }

  /**
   * Stops accepting runs; lets the run in flight finish within graceMs, else
   * cancels it and records it `aborted`. Resolves when nothing is running.
   */
  async stop(graceMs: number): Promise<void> {
    this.#accepting = false;
    const current = this.#current;
    if (!current) return;
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      current.settled.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      this.deps.log.warn({ runId: current.id, graceMs }, 'run did not finish within the stop bound: aborting it');
      await current.execution.cancel(`aborted: the daemon stopped before the run finished (bound ${graceMs} ms)`);
      await current.settled;
    }
  }
}
