// SPDX-License-Identifier: MIT
// The one seeded generator of the scripts and tests (mulberry32): small,
// fast, and the same sequence on every machine, so the demo feed, the
// benchmark workload, the evaluation and the property inputs are reproducible.

/**
 * Deterministic pseudo-random numbers in [0, 1).
 * @param {number} seed  any 32-bit integer
 * @returns {() => number}
 */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
