// One run at a time, across schedules and API requests.
//
// Choice: a request while a run is in flight is refused — the API
// answers 409 with the id of the running run, a schedule that fires logs and
// skips its slot — rather than queueing. A queue would make a POST's 202 mean
// "some time later", hide a stuck run behind a growing line, and let a burst
// of requests pin the gateway's CPU; a refusal tells the caller exactly what
// is happening and the run it can poll instead.
//
// The steps mirror runAndStore (agent/runner/index.ts): record the run as
// `running`, execute, persist into the chain. They are spelled out here
// because the checks execute in a worker thread and the caller needs the run
// id before the run ends (202 + id).
import { EventEmitter } from 'node:events';
import type { LoadedConfig } from '../config/load.js';
import { PathauditError, reasonOf } from '../errors.js';
import type { Log } from '../log.js';
import type { RunDocument, Trigger } from '../runner/document.js';
import { planRun } from '../runner/bundles.js';
import { newRunId, startedRunHeader } from '../runner/header.js';
import { runWindowsBefore } from '../runner/windows.js';
import type { Store } from '../store/index.js';
import { StoreHealth } from './store-health.js';
import type { Execution, Executor } from './worker.js';

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
  #current: (RunInFlight & { execution: Execution; settled: Promise<void> }) | null = null;
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

  /** Starts a run; returns once it is recorded as `running`. Throws BusyError, StoppingError or a usage error (unknown bundle). */
  start(opts: RunRequestOptions): RunInFlight {
    if (!this.#accepting) throw new StoppingError();
    if (this.#current) throw new BusyError(this.running!);
    const loaded = this.deps.config();
    const plan = planRun({ loaded, bundle: opts.bundle ?? null, checks: opts.checks ?? null });
    this.#markUnmarked();
    const started = (this.deps.now ?? (() => new Date()))();
    const id = newRunId(started);
    const t0 = performance.now();
    // A store that cannot take the run row (disk full, read-only) refuses the run: PATHAUDIT_ERR_STORE (API: 503).
    this.storeHealth.write('record the run', () =>
      this.deps.store.runs.begin(startedRunHeader({ runId: id, bundle: plan.bundle, trigger: opts.trigger, loaded, startedAt: started })),
    );
    const log = this.deps.log.child({ runId: id });
    log.info({ bundle: plan.bundle, trigger: opts.trigger }, 'run accepted');
    const runWindows = runWindowsBefore(this.deps.store, started);
    const execution = this.deps.executor({ loaded, bundle: plan.bundle, checks: plan.checks, trigger: opts.trigger, runId: id, log: this.deps.log, runWindows });
    const settled = execution.done
      .then(
        (doc) => {
          doc.run.startedAt = started.toISOString();
          const stored = this.storeHealth.write('store the finished run', () => this.deps.store.runs.finish(doc));
          const durationMs = Math.round(performance.now() - t0);
          log.info({ status: stored.run.status, durationMs, headline: stored.summary.headline }, 'run stored');
          return { stored, durationMs };
        },
      )
      .then(
        ({ stored, durationMs }) => {
          this.#current = null;
          this.#notify(() => this.emit('finished', stored, durationMs));
        },
        (err: unknown) => {
          const reason = reasonOf(err);
          this.abortRow(id, reason, log);
          this.#current = null;
          this.#notify(() => this.emit('aborted', id, reason, opts.trigger));
        },
      );
    this.#current = { id, bundle: plan.bundle, trigger: opts.trigger, startedAt: started.toISOString(), execution, settled };
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

  private abortRow(id: string, reason: string, log: Log): void {
    try {
      this.storeHealth.write('mark the run aborted', () => this.deps.store.runs.abort(id));
      log.warn({ reason }, 'run aborted');
    } catch (err) {
      this.#unmarked.add(id);
      log.error({ runId: id, err: reasonOf(err) }, 'could not mark the run aborted (retried before the next run, and at the next start)');
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
