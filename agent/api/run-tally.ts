import type { RunController } from '../daemon/runs.js';

/**
 * Runs this process finished, by status and trigger. Counted from the start
 * of the daemon, so that the registry (and prom-client) can wait for the
 * first scrape without losing the runs before it.
 */
export class RunTally {
  readonly counts = new Map<string, { status: string; trigger: string; n: number }>();
  constructor(runs: RunController | null) {
    runs?.on('finished', (doc) => this.add(doc.run.status, doc.run.trigger));
    runs?.on('aborted', (_id, _reason, trigger) => this.add('aborted', trigger));
  }
  private add(status: string, trigger: string): void {
    const key = `${status}\u0000${trigger}`;
    const c = this.counts.get(key) ?? { status, trigger, n: 0 };
    c.n++;
    this.counts.set(key, c);
  }
}
