// Schedules from the config: one node-cron task per entry. A bundle schedule
// starts a run through the run controller (one run at a time: a slot that
// fires while another run is in flight is skipped and logged, not queued) and
// waits for it, so node-cron's noOverlap holds for the whole run. A random
// delay (jitter_s) spreads a fleet's gateways that share the same cron line.
// The monthly snapshot schedule takes the retainer snapshot.
import cron, { type ScheduledTask } from 'node-cron';
import type { PathauditConfig } from '../../config/schema/index.js';
import { BusyError, StoppingError, type RunController } from '../daemon/runs.js';
import { reasonOf } from '../errors.js';
import { takeSnapshot } from '../evidence/snapshot.js';
import type { DecisionThresholds } from '../evidence/summary.js';
import type { Log } from '../log.js';
import type { Store } from '../store/index.js';

type Schedule = NonNullable<PathauditConfig['schedules']>[number];

export interface ScheduleDeps {
  runs: RunController;
  store: Store;
  log: Log;
  /** The config's decision thresholds, for the snapshot's next moves. */
  thresholds?: Partial<DecisionThresholds>;
}

/** How often a bundle's schedule runs it: what /metrics compares the age of its last run with. */
export interface BundleCadence {
  bundle: string;
  /** The longest gap between the next slots of its schedules (the shortest when a bundle has several), plus their jitter, in seconds. */
  intervalSeconds: number;
}

/** Slots looked ahead: enough to see a weekday schedule's weekend gap. */
const CADENCE_SLOTS = 10;

export interface Schedules {
  tasks: ScheduledTask[];
  /** Per scheduled bundle, how often it runs (computed once). */
  cadences(): BundleCadence[];
  /** What each task does, for the readiness line and tests. */
  describe(): Array<{ name: string; cron: string; timezone: string | null; next: string | null }>;
  stop(): Promise<void>;
}

export function scheduleName(s: Schedule, i: number): string {
  return 'bundle' in s ? `schedule[${i}] bundle ${s.bundle}` : `schedule[${i}] snapshot ${s.snapshot}`;
}

/** The job behind a schedule entry (exported so tests can fire it without waiting for the clock). */
export function jobOf(s: Schedule, deps: ScheduleDeps, name: string): () => Promise<void> {
  const log = deps.log.child({ schedule: name });
  if ('bundle' in s) {
    return async () => {
      try {
        deps.runs.start({ bundle: s.bundle, trigger: 'schedule' });
      } catch (err) {
        if (err instanceof BusyError) log.warn({ runningId: err.running.id }, 'schedule slot skipped: another run is in flight');
        else if (err instanceof StoppingError) log.info('schedule slot skipped: the daemon is stopping');
        else log.error({ err: reasonOf(err) }, 'scheduled run could not start');
        return;
      }
      await deps.runs.idle();
    };
  }
  // A snapshot is one synchronous store write: its job is done when it returns.
  return () => {
    try {
      const snap = takeSnapshot(deps.store, undefined, new Date(), { thresholds: deps.thresholds });
      log.info({ month: snap.month }, 'monthly snapshot taken');
    } catch (err) {
      log.error({ err: reasonOf(err) }, 'monthly snapshot failed');
    }
    return Promise.resolve();
  };
}

export function startSchedules(schedules: Schedule[] | undefined, deps: ScheduleDeps): Schedules {
  const logger = {
    info: (m: string) => deps.log.debug({ source: 'node-cron' }, m),
    warn: (m: string) => deps.log.warn({ source: 'node-cron' }, m),
    error: (m: string | Error) => deps.log.error({ source: 'node-cron', err: reasonOf(m) }, 'scheduler error'),
    debug: (m: string | Error) => deps.log.debug({ source: 'node-cron' }, String(m)),
  };
  const tasks = (schedules ?? []).map((s, i) => {
    const name = scheduleName(s, i);
    const jitterMs = 'jitter_s' in s && s.jitter_s ? s.jitter_s * 1000 : 0;
    return cron.schedule(s.cron, jobOf(s, deps, name), {
      name,
      timezone: s.timezone,
      noOverlap: true,
      maxRandomDelay: jitterMs,
      logger,
    });
  });
  let cadences: BundleCadence[] | undefined;
  return {
    tasks,
    cadences: () =>
      (cadences ??= (() => {
        const byBundle = new Map<string, number>();
        (schedules ?? []).forEach((s, i) => {
          if (!('bundle' in s)) return;
          const slots = tasks[i]!.getNextRuns(CADENCE_SLOTS).map((d) => d.getTime());
          let gap = 0;
          for (let k = 1; k < slots.length; k++) gap = Math.max(gap, slots[k]! - slots[k - 1]!);
          const seconds = gap / 1000 + (s.jitter_s ?? 0);
          if (gap > 0) byBundle.set(s.bundle, Math.min(byBundle.get(s.bundle) ?? Infinity, seconds));
        });
        return [...byBundle].map(([bundle, intervalSeconds]) => ({ bundle, intervalSeconds }));
      })()),
    describe: () =>
      tasks.map((t, i) => ({ name: t.name ?? `schedule[${i}]`, cron: t.getPattern(), timezone: schedules![i]!.timezone ?? null, next: t.getNextRun()?.toISOString() ?? null })),
    stop: async () => {
      for (const t of tasks) await t.destroy();
    },
  };
}
