// Streaming median in constant memory: the P² algorithm (Jain & Chlamtac,
// "The P² algorithm for dynamic calculation of quantiles and histograms
// without storing observations", CACM 28(10), 1985). Five markers track the
// minimum, the quartile midpoints, the median and the maximum; each new
// observation moves them by at most one position with a parabolic fit.
export class P2Median {
  #n = 0;
  readonly #q = new Float64Array(5); // marker heights
  readonly #pos = new Float64Array([1, 2, 3, 4, 5]); // actual marker positions
  readonly #want = new Float64Array([1, 2, 3, 4, 5]); // desired positions
  static readonly #step = [0, 0.25, 0.5, 0.75, 1];

  get count(): number {
    return this.#n;
  }

  add(x: number): void {
    const q = this.#q;
    if (this.#n < 5) {
      q[this.#n++] = x;
      if (this.#n === 5) q.sort();
      return;
    }
    let k: number;
    if (x < q[0]!) {
      q[0] = x;
      k = 0;
    } else if (x >= q[4]!) {
      q[4] = x;
      k = 3;
    } else {
      k = 0;
      while (k < 3 && x >= q[k + 1]!) k++;
    }
    const pos = this.#pos;
    const want = this.#want;
    for (let i = k + 1; i < 5; i++) pos[i]!++;
    for (let i = 0; i < 5; i++) want[i]! += P2Median.#step[i]!;
    for (let i = 1; i <= 3; i++) {
      const d = want[i]! - pos[i]!;
      if ((d >= 1 && pos[i + 1]! - pos[i]! > 1) || (d <= -1 && pos[i - 1]! - pos[i]! < -1)) {
        const s = d > 0 ? 1 : -1;
        const parabolic =
          q[i]! +
          (s / (pos[i + 1]! - pos[i - 1]!)) *
            ((pos[i]! - pos[i - 1]! + s) * ((q[i + 1]! - q[i]!) / (pos[i + 1]! - pos[i]!)) +
              (pos[i + 1]! - pos[i]! - s) * ((q[i]! - q[i - 1]!) / (pos[i]! - pos[i - 1]!)));
        q[i] = q[i - 1]! < parabolic && parabolic < q[i + 1]! ? parabolic : q[i]! + (s * (q[i + s]! - q[i]!)) / (pos[i + s]! - pos[i]!);
        pos[i]! += s;
      }
    }
    this.#n++;
  }

  /** The median estimate (exact below 5 observations); NaN when empty. */
  value(): number {
    const n = this.#n;
    if (n === 0) return NaN;
    if (n >= 5) return this.#q[2]!;
    const sorted = Array.from(this.#q.subarray(0, n)).sort((a, b) => a - b);
    return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  }
}
