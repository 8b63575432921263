// SPDX-License-Identifier: MIT
// Shared by the Node tests. They import `localrank` by name: the built package.
import { createPersonalizer } from 'localrank';

export const T0 = 1700000000000;

/** A personalizer with consent, a fixed clock and seed. */
export async function make({ start, ...options } = {}) {
  let now = start ?? T0;
  const p = await createPersonalizer({
    storage: 'memory', seed: 42, now: () => now, consent: { personalization: true }, autosaveMs: 0, ...options,
  });
  return Object.assign(p, { setNow: (t) => { now = t; } });
}

export const FEED = [
  { id: 'a', topics: { sports: 1 }, creatorId: 'c1', serverScore: 0.9 },
  { id: 'b', topics: { politics: 1 }, creatorId: 'c2', serverScore: 0.8 },
  { id: 'c', topics: { cooking: 1 }, creatorId: 'c3', serverScore: 0.7 },
  { id: 'd', topics: ['travel'], creatorId: 'c4', serverScore: 0.6 },
  { id: 'e', topics: { cooking: 0.5, travel: 0.5 }, creatorId: 'c5', serverScore: 0.5 },
];

export const ids = (ranked) => ranked.map((r) => r.id);
