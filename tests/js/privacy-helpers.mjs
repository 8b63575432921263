// SPDX-License-Identifier: MIT
// Shared by the privacy tests: a seeded word source (tests only: the library
// uses crypto.getRandomValues) and a storage adapter the test can read.

/**
 * xoshiro128** seeded by splitmix32: deterministic uniform 32-bit words for
 * reproducible tests (the library itself uses crypto.getRandomValues).
 * @param {number} seed
 */
export function seededWords(seed) {
  let z = seed >>> 0;
  const next = () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
    t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
  const s = new Uint32Array([next(), next(), next(), next()]);
  const rotl = (x, k) => ((x << k) | (x >>> (32 - k))) >>> 0;
  return (/** @type {Uint32Array} */ w) => {
    for (let i = 0; i < w.length; i++) {
      w[i] = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
      const t = (s[1] << 9) >>> 0;
      s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
      s[2] ^= t; s[3] = rotl(s[3], 11);
    }
  };
}

/** A Map-backed storage adapter whose contents the test inspects. */
export function mapStorage(map = new Map()) {
  return {
    map,
    get: async (k) => (map.has(k) ? map.get(k) : null),
    set: async (k, v) => { map.set(k, v); },
    delete: async (k) => { map.delete(k); },
    keys: () => map.keys(),
  };
}

export const TAXONOMY = ['cooking', 'fitness', 'travel', 'music', 'politics', 'sports'];
// Segments span >= 3 topics, none holding more than half the weight (issue 22's bounds).
export const SEGMENTS = [
  { id: 'home-cooks', topics: { cooking: 1, music: 0.5, travel: 0.5 } },
  { id: 'active', topics: { fitness: 1, sports: 0.7, travel: 0.5 } },
];

/** Runs `fn` while the global navigator sends Global Privacy Control. */
export async function withGpc(fn) {
  const before = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { value: { globalPrivacyControl: true }, configurable: true, writable: true });
  try {
    return await fn();
  } finally {
    if (before) Object.defineProperty(globalThis, 'navigator', before);
    else delete globalThis.navigator;
  }
}
