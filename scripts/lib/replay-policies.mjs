// SPDX-License-Identifier: MIT
// The policies of the MovieLens replay (scripts/replay.mjs): localrank at its
// default options (through the built package, as a site would call it) and
// four baselines. Each follows the policy interface of
// scripts/lib/replay-movielens.mjs (`runReplay`): { name, startUser(task),
// rank(step) -> ids best first, record(event), dispose() }.
import { rng } from './prng.mjs';
import { PROTOCOL, mixSeed } from './replay-movielens.mjs';

/** Stable sort of candidate ids by a score, best first (ties keep the candidates' random order). */
const byScore = (ids, score) => ids.map((id, i) => ({ id, i, s: score(id) }))
  .sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.id);

/**
 * localrank at its defaults: `rerank(items)` with no options. Each person gets
 * a fresh personalizer, as on a new device (`createPersonalizer` with the
 * injected clock, seed, `dim`, consent, in-memory storage, no autosave); its
 * clock is set to each event's time while replaying and to the test rating's
 * time while ranking. (A fresh one costs about as much as importing an empty
 * profile, and no state can leak from one person to the next.)
 * @param {object} o
 * @param {string} o.name
 * @param {(options: object) => Promise<any>} o.createPersonalizer  from the built package
 * @param {number} o.seed
 * @param {Map<string, any>} o.items  the replay's item table
 * @param {boolean} o.embeddings  send the SVD embeddings (dim 32) with items and events
 */
export function localrankPolicy({ name, createPersonalizer, seed, items, embeddings }) {
  // MovieLens times start in 1996; localrank refuses times before 2001 (they
  // are most often seconds given for ms), so the replay moves every time by
  // the same whole number of weeks: ranking depends on time differences only.
  const shift = (/** @type {number} */ t) => t + SHIFT_MS;
  let clock = 0;
  let p = null;
  const dim = embeddings ? PROTOCOL.dim : 0;
  // The candidates as a site would send them, built once per item.
  const objects = new Map();
  for (const it of items.values()) {
    const o = { id: it.id, topics: it.genres, serverScore: it.serverScore };
    if (embeddings && it.embedding) o.embedding = it.embedding;
    objects.set(it.id, o);
  }
  const event = (e) => {
    const o = { type: e.type, itemId: e.itemId, topics: e.topics, at: shift(e.at) };
    if (embeddings && e.embedding) o.embedding = e.embedding;
    return o;
  };
  return {
    name,
    async startUser(task) {
      p?.dispose();
      clock = shift(task.train.length ? task.train[0].at : 0);
      p = await createPersonalizer({ seed, now: () => clock, dim, consent: { personalization: true }, storage: 'memory', autosaveMs: 0 });
      for (const e of task.train) { clock = shift(e.at); p.record(event(e)); }
    },
    rank(step) {
      clock = shift(step.at);
      return p.rerank(step.candidates.map((id) => objects.get(id))).map((r) => r.id);
    },
    record(e) { clock = shift(e.at); p.record(event(e)); },
    dispose() { p?.dispose(); p = null; },
  };
}

/** 1,600 weeks (about 31 years) in ms: see localrankPolicy. */
export const SHIFT_MS = 1600 * 7 * 24 * 3600 * 1000;

/** Uniformly random order (a seeded shuffle per person). */
export function randomPolicy({ seed }) {
  let r = rng(seed);
  return {
    name: 'random',
    startUser(task) { r = rng(mixSeed(seed ^ 0x2545f491, task.user)); },
    rank(step) {
      const a = step.candidates.slice();
      for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; }
      return a;
    },
    record() {},
    dispose() {},
  };
}

/** The site's order: popularity in the training part (`serverScore`). */
export function serverOrderPolicy({ items }) {
  return {
    name: 'server order (popularity)',
    startUser() {},
    rank: (step) => byScore(step.candidates, (id) => items.get(id).serverScore),
    record() {},
    dispose() {},
  };
}

/**
 * Item-item collaborative filtering on the server, which sees everyone's
 * training data: sim(i, j) = cosine of the two items' columns of the binary
 * training "liked" matrix = |likers(i) ∩ likers(j)| / sqrt(|likers(i)| |likers(j)|);
 * score(c) = sum of sim(c, j) over the items j the person liked (training
 * likes and the test likes recorded so far; the similarities stay those of the
 * training part). Computed as sum over likers(c) of w[person] / sqrt(|likers(c)|),
 * with w[v] = sum over liked j that v also liked of 1 / sqrt(|likers(j)|).
 */
export function itemKnnPolicy({ items, people }) {
  const w = new Float64Array(people);
  const like = (itemId) => {
    const l = items.get(itemId)?.likers;
    if (!l || l.length === 0) return;
    const x = 1 / Math.sqrt(l.length);
    for (const v of l) w[v] += x;
  };
  return {
    name: 'server item-kNN (sees everyone\'s data)',
    startUser(task) {
      w.fill(0);
      for (const e of task.train) if (e.type === 'like') like(e.itemId);
    },
    rank: (step) => byScore(step.candidates, (id) => {
      const l = items.get(id).likers;
      if (l.length === 0) return 0;
      let s = 0;
      for (const v of l) s += w[v];
      return s / Math.sqrt(l.length);
    }),
    record(e) { if (e.type === 'like') like(e.itemId); },
    dispose() {},
  };
}

/**
 * The 20-line baseline a site could write itself: the user vector is the mean
 * of the embeddings of the last 50 liked items (training likes, then the test
 * likes recorded so far; liked items without an embedding are skipped);
 * score = cosine(user, item) + 0.5 x serverScore (cosine 0 without likes or
 * without an item embedding).
 */
export function plainJsPolicy({ items }) {
  const dim = PROTOCOL.dim;
  let liked = [];
  const cosine = (u, e) => {
    let d = 0, nu = 0, ne = 0;
    for (let k = 0; k < dim; k++) { d += u[k] * e[k]; nu += u[k] * u[k]; ne += e[k] * e[k]; }
    return nu > 0 && ne > 0 ? d / Math.sqrt(nu * ne) : 0;
  };
  const onEvent = (e) => { if (e.type === 'like' && e.embedding) liked.push(e.embedding); };
  return {
    name: 'plain-JS user vector',
    startUser(task) { liked = []; for (const e of task.train) onEvent(e); },
    rank(step) {
      const last = liked.slice(-50);
      const u = new Float64Array(dim);
      for (const e of last) for (let k = 0; k < dim; k++) u[k] += e[k] / last.length;
      return byScore(step.candidates, (id) => {
        const it = items.get(id);
        return (it.embedding ? cosine(u, it.embedding) : 0) + 0.5 * it.serverScore;
      });
    },
    record: onEvent,
    dispose() {},
  };
}

/**
 * Every policy of the replay, localrank first ("defaults first").
 * @param {ReturnType<import('./replay-movielens.mjs').buildReplay>} replay
 * @param {{ seed: number, createPersonalizer: Function }} o
 */
export function defaultPolicies(replay, { seed, createPersonalizer }) {
  const { items, people } = replay;
  return [
    localrankPolicy({ name: 'localrank defaults, genres only', createPersonalizer, seed, items, embeddings: false }),
    localrankPolicy({ name: 'localrank defaults, genres + embeddings', createPersonalizer, seed, items, embeddings: true }),
    randomPolicy({ seed }),
    serverOrderPolicy({ items }),
    itemKnnPolicy({ items, people }),
    plainJsPolicy({ items }),
  ];
}
