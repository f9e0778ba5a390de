// Memory sampling for the reliability suite: a forced GC before the baseline
// (so garbage from earlier tests does not count) and the peak RSS sampled
// every 20 ms while the work runs.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
// The flag exposes `gc` to contexts created after it: take it from a fresh one.
const gc = runInNewContext('gc') as () => void;

export interface Measured<T> {
  value: T;
  elapsedMs: number;
  /** Peak RSS during the work minus the RSS after a GC just before it, in MiB. */
  rssGrowthMiB: number;
}

export async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  gc();
  const base = process.memoryUsage.rss();
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const started = performance.now();
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, elapsedMs: Math.round(performance.now() - started), rssGrowthMiB: (peak - base) / 1024 / 1024 };
  } finally {
    clearInterval(sampler);
  }
}
