// SPDX-License-Identifier: MIT
// Shared by the privacy tests: a seeded word source (tests only: the library
// uses crypto.getRandomValues) and a storage adapter the test can read.

/**
 * mulberry32: deterministic uniform 32-bit words for reproducible tests.
 * @param {number} seed
 */
export function seededWords(seed) {
  let s = seed >>> 0;
  return (/** @type {Uint32Array} */ w) => {
    for (let i = 0; i < w.length; i++) {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      w[i] = (t ^ (t >>> 14)) >>> 0;
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
export const SEGMENTS = [
  { id: 'home-cooks', topics: { cooking: 1 } },
  { id: 'active', topics: { fitness: 1, sports: 0.5, travel: 0.3 } },
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
