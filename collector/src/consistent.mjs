// SPDX-License-Identifier: MIT
// Consistent shares beside the unbiased estimates: Norm-Sub (Wang, Lopuhaä-Zwakenberg,
// Li, Škorić, Li, "Locally Differentially Private Frequency Estimation with
// Consistency", NDSS 2020) makes every share >= 0 and their sum 1, at the price
// of a bias; the intervals come from a parametric bootstrap that applies the
// same post-processing to every resample, widened to the unbiased interval
// (clipped to [0, 1]) where that reaches further, so the bias cannot hide the truth.

/**
 * Norm-Sub: negative estimates become 0 and one common amount is subtracted
 * from (or added to) the positive ones until they sum to 1; repeated until
 * none is negative.
 * @param {number[]} f estimated frequencies (any sign, any sum)
 * @returns {number[]}
 */
export function normSub(f) {
  const out = f.map((x) => (Number.isFinite(x) ? x : 0));
  for (;;) {
    let sum = 0;
    let positive = 0;
    for (let i = 0; i < out.length; i++) {
      if (out[i] > 0) {
        sum += out[i];
        positive++;
      } else out[i] = 0;
    }
    if (positive === 0) return out.map(() => 1 / out.length);
    const delta = (sum - 1) / positive;
    let negative = false;
    for (let i = 0; i < out.length; i++) {
      if (out[i] > 0) {
        out[i] -= delta;
        if (out[i] < 0) negative = true;
      }
    }
    if (!negative) return out;
  }
}

/**
 * Seeded uniform [0, 1) (mulberry32): the intervals depend only on the sums,
 * so every collector process answers the same for the same totals.
 * @param {number} seed
 */
function uniform(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @param {() => number} u */
function normal(u) {
  const a = Math.max(u(), 1e-300);
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
}

/**
 * @param {number[]} sorted ascending
 * @param {number} x in [0, 1]
 */
function quantile(sorted, x) {
  const i = (sorted.length - 1) * x;
  const lo = Math.floor(i);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

/**
 * Consistent shares of one attribute with 95% parametric-bootstrap intervals.
 * The model: each of the n reports supports value v independently with
 * probability r_v = pi_v p + (1 - pi_v) q, where pi = Norm-Sub of the
 * unbiased shares; each resample draws the support counts (normal
 * approximation of the binomial), estimates without bias, applies Norm-Sub;
 * the interval spans the 2.5 and 97.5 percentiles and the unbiased share's
 * 95% interval clipped to [0, 1].
 * @param {{shares: number[], n: number, p: number, q: number, resamples?: number, seed?: number}} o
 * @returns {{shares: number[], ci95: [number, number][]}}
 */
export function consistentShares(o) {
  const pi = normSub(o.shares);
  const B = o.resamples ?? 1000;
  const u = uniform(o.seed ?? 1);
  const draws = pi.map(() => new Float64Array(B));
  const r = pi.map((x) => x * o.p + (1 - x) * o.q);
  const f = new Array(pi.length);
  for (let b = 0; b < B; b++) {
    for (let v = 0; v < pi.length; v++) {
      const mean = o.n * r[v];
      const sd = Math.sqrt(o.n * r[v] * (1 - r[v]));
      const c = Math.min(o.n, Math.max(0, Math.round(mean + sd * normal(u))));
      f[v] = (c / o.n - o.q) / (o.p - o.q);
    }
    const s = normSub(f);
    for (let v = 0; v < pi.length; v++) draws[v][b] = s[v];
  }
  return {
    shares: pi,
    ci95: draws.map((d, v) => {
      d.sort();
      const sorted = Array.from(d);
      // Norm-Sub shifts mid-sized shares down (it subtracts what the noise of
      // the many small ones adds), so the percentiles alone can miss the truth
      // (78% coverage at a true 12% of 25 values, n = 1,000). Widened to hold the
      // unbiased estimate's 95% interval clipped to [0, 1] as well: the coverage
      // is then at least that one's, and the interval still holds the share.
      const r = Math.min(1, Math.max(0, o.shares[v] * (o.p - o.q) + o.q));
      const half = (1.96 * Math.sqrt((r * (1 - r)) / o.n)) / (o.p - o.q);
      const lo = Math.max(0, Math.min(quantile(sorted, 0.025), o.shares[v] - half, pi[v]));
      const hi = Math.min(1, Math.max(quantile(sorted, 0.975), o.shares[v] + half, pi[v]));
      return /** @type {[number, number]} */ ([lo, hi]);
    }),
  };
}

/**
 * A 32-bit seed from integers (the sums behind an estimate).
 * @param {number[]} values
 */
export function seedOf(values) {
  let h = 0x811c9dc5;
  for (const v of values) {
    let x = Math.floor(v);
    for (let k = 0; k < 7; k++) {
      h = Math.imul(h ^ (x & 0xff), 0x01000193) >>> 0;
      x = Math.floor(x / 256);
    }
  }
  return h;
}
