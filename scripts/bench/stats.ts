// Small helpers for benchmarks: medians and percentiles over repeated runs
// (the machines are shared and noisy: never trust a single figure).
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

export function machine(): string {
  return `node ${process.version}, ${process.platform}/${process.arch}`;
}
