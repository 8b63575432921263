// SPDX-License-Identifier: MIT
// Replay of real rating logs (MovieLens) as a feed, for scripts/replay.mjs.
// Everything here is plain JavaScript with no dependency on the package, so
// research code can reuse it: the loader (latest-small CSV or the older `::`
// .dat format), the per-person time split, the server-side signals a site
// could compute from aggregate data (popularity, a truncated SVD of the
// "liked" matrix, item-item co-occurrence), the candidate sampling that turns
// each person into a replay task, the metrics, and the loop that drives any
// set of policies through the tasks. The protocol is described in
// EVALUATION.md, "Replay on real logs (MovieLens)".
import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { rng } from './prng.mjs';

/** What the protocol fixes (EVALUATION.md); stored with every result. */
export const PROTOCOL = Object.freeze({
  /** Training share per person: the first floor(n * 4 / 5) ratings in time order. */
  trainShare: '4/5, floored',
  /** rating >= 4 -> like, 3..3.5 -> click, < 3 -> hide. */
  likeAt: 4,
  clickAt: 3,
  /** Held-out item + this many sampled items the person never rated. */
  negatives: 99,
  /** Cut-off of NDCG, HR and ILD. */
  k: 10,
  /** Embedding dimension of the truncated SVD. */
  dim: 32,
  /** Randomized SVD: oversampling columns and power (subspace) iterations. */
  svdOversample: 16,
  svdPowerIterations: 6,
  /** Item embedding = U * S (rows of the rank-32 approximation's item side). */
  embedding: 'U*S',
  /** Candidates are sampled uniformly from the movies rated (any rating) in anyone's training part. */
  candidatePool: 'movies in the training part',
  /** ILD: mean pairwise 1 - Jaccard of the genre sets of the top 10. */
  ild: '1 - Jaccard of genre sets',
  /** History buckets by the person's number of training events: < 10, 10-50, > 50. */
  buckets: ['< 10', '10-50', '> 50'],
});

const NO_GENRES = '(no genres listed)';

// ---- loading -----------------------------------------------------------------

/**
 * Splits one CSV line (RFC 4180: quoted fields, "" inside quotes).
 * @param {string} line
 * @returns {string[]}
 */
export function parseCsvLine(line) {
  const out = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`unterminated quoted field in CSV line: ${line.slice(0, 80)}`);
        v += line.slice(i, q);
        if (line[q + 1] === '"') { v += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      out.push(v);
      if (i >= n) return out;
      if (line[i] !== ',') throw new Error(`text after a quoted field in CSV line: ${line.slice(0, 80)}`);
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) { out.push(line.slice(i)); return out; }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/** Text of a file as UTF-8, or as Latin-1 when it is not valid UTF-8 (ml-1m's movies.dat). */
function readText(file) {
  const bytes = readFileSync(file);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return text.includes('\uFFFD') ? bytes.toString('latin1') : text;
}

const lines = (text) => text.split(/\r?\n/).filter((l) => l.length > 0);

/**
 * Reads a MovieLens log: `ratings.csv` + `movies.csv` (latest-small and later,
 * with a header row), or else `ratings.dat` + `movies.dat` (ml-1m / ml-10m,
 * `::`-separated, no header).
 * @param {string} dir
 * @returns {{ format: 'csv' | 'dat', files: Record<string, string>,
 *   ratings: { user: number, item: number, rating: number, t: number }[],
 *   movies: Map<number, { title: string, genres: string[] }> }}
 *   `t` in seconds as in the files; `files` maps each file read to its sha256.
 */
export function loadMovieLens(dir) {
  const csv = existsSync(join(dir, 'ratings.csv')) && existsSync(join(dir, 'movies.csv'));
  const dat = existsSync(join(dir, 'ratings.dat')) && existsSync(join(dir, 'movies.dat'));
  if (!csv && !dat) throw new Error(`no MovieLens log in ${dir}: expected ratings.csv + movies.csv or ratings.dat + movies.dat`);
  const names = csv ? ['ratings.csv', 'movies.csv'] : ['ratings.dat', 'movies.dat'];
  const files = {};
  for (const f of names) files[f] = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
  const movies = new Map();
  const ratings = [];
  const genresOf = (s) => (s === NO_GENRES || s === '' ? [] : s.split('|').filter((g) => g && g !== NO_GENRES));
  const num = (s, what, line) => {
    const x = Number(s);
    if (s === '' || !Number.isFinite(x)) throw new Error(`${what} is not a number in: ${line.slice(0, 80)}`);
    return x;
  };
  if (csv) {
    const m = lines(readText(join(dir, 'movies.csv')));
    if (!/^movieId,title,genres$/.test(m[0])) throw new Error(`movies.csv: unexpected header ${m[0]}`);
    for (let k = 1; k < m.length; k++) {
      const f = parseCsvLine(m[k]);
      if (f.length !== 3) throw new Error(`movies.csv line ${k + 1}: expected 3 fields, got ${f.length}`);
      movies.set(num(f[0], 'movieId', m[k]), { title: f[1], genres: genresOf(f[2]) });
    }
    const r = lines(readText(join(dir, 'ratings.csv')));
    if (!/^userId,movieId,rating,timestamp$/.test(r[0])) throw new Error(`ratings.csv: unexpected header ${r[0]}`);
    for (let k = 1; k < r.length; k++) {
      const f = r[k].split(',');
      if (f.length !== 4) throw new Error(`ratings.csv line ${k + 1}: expected 4 fields, got ${f.length}`);
      ratings.push({ user: num(f[0], 'userId', r[k]), item: num(f[1], 'movieId', r[k]), rating: num(f[2], 'rating', r[k]), t: num(f[3], 'timestamp', r[k]) });
    }
  } else {
    for (const l of lines(readText(join(dir, 'movies.dat')))) {
      const f = l.split('::');
      if (f.length !== 3) throw new Error(`movies.dat: expected 3 '::'-separated fields in: ${l.slice(0, 80)}`);
      movies.set(num(f[0], 'MovieID', l), { title: f[1], genres: genresOf(f[2]) });
    }
    for (const l of lines(readText(join(dir, 'ratings.dat')))) {
      const f = l.split('::');
      if (f.length !== 4) throw new Error(`ratings.dat: expected 4 '::'-separated fields in: ${l.slice(0, 80)}`);
      ratings.push({ user: num(f[0], 'UserID', l), item: num(f[1], 'MovieID', l), rating: num(f[2], 'Rating', l), t: num(f[3], 'Timestamp', l) });
    }
  }
  return { format: csv ? 'csv' : 'dat', files, ratings, movies };
}

// ---- the split ---------------------------------------------------------------

/** The event a rating becomes: >= 4 like, 3..3.5 click, below 3 hide. */
export const eventType = (rating) => (rating >= PROTOCOL.likeAt ? 'like' : rating >= PROTOCOL.clickAt ? 'click' : 'hide');

/** History bucket of a person with `n` training events. */
export const bucketOf = (n) => (n < 10 ? '< 10' : n <= 50 ? '10-50' : '> 50');

/**
 * Per person (sorted by id), ratings in time order, ties by movie id; the
 * first floor(n * 4 / 5) are the training part, the rest the test part.
 * @param {{ user: number, item: number, rating: number, t: number }[]} ratings
 * @returns {{ user: number, train: typeof ratings, test: typeof ratings }[]}
 */
export function splitByUser(ratings) {
  const by = new Map();
  for (const r of ratings) {
    let a = by.get(r.user);
    if (!a) by.set(r.user, (a = []));
    a.push(r);
  }
  return [...by.keys()].sort((a, b) => a - b).map((user) => {
    const a = by.get(user).slice().sort((x, y) => x.t - y.t || x.item - y.item);
    const nTrain = Math.floor((a.length * 4) / 5);
    return { user, train: a.slice(0, nTrain), test: a.slice(nTrain) };
  });
}

// ---- server-side signals ------------------------------------------------------

/** A standard normal draw (Box-Muller) from a [0,1) generator. */
const gauss = (r) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/** Orthonormalizes the columns in place (modified Gram-Schmidt, twice for stability). */
function orthonormalize(cols) {
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < cols.length; c++) {
      const v = cols[c];
      for (let d = 0; d < c; d++) {
        const w = cols[d];
        let dot = 0;
        for (let i = 0; i < v.length; i++) dot += v[i] * w[i];
        for (let i = 0; i < v.length; i++) v[i] -= dot * w[i];
      }
      let norm = 0;
      for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
      norm = Math.sqrt(norm);
      if (norm < 1e-12) v.fill(0);
      else for (let i = 0; i < v.length; i++) v[i] /= norm;
    }
  }
}

/**
 * Eigen-decomposition of a small symmetric matrix (cyclic Jacobi).
 * @param {Float64Array[]} a  rows; destroyed
 * @returns {{ values: number[], vectors: Float64Array[] }} vectors[j] = eigenvector j, sorted by value, largest first
 */
export function symmetricEigen(a) {
  const n = a.length;
  const v = Array.from({ length: n }, (_, i) => { const r = new Float64Array(n); r[i] = 1; return r; });
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p][q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y][y] - a[x][x] || x - y);
  return {
    values: order.map((i) => a[i][i]),
    vectors: order.map((j) => Float64Array.from({ length: n }, (_, k) => v[k][j])),
  };
}

/**
 * Truncated SVD of a sparse binary matrix (rows x cols, given as the column
 * indices of each row's ones) by randomized subspace iteration (Halko,
 * Martinsson, Tropp 2011) with a seeded Gaussian start.
 * @param {Int32Array[]} rowsToCols  the ones of each row
 * @param {number} nCols
 * @param {{ k: number, oversample: number, powerIterations: number, seed: number }} o
 * @returns {{ U: Float64Array[], S: number[] }} U[j] = j-th left singular vector (length rows), S descending
 */
export function truncatedSvd(rowsToCols, nCols, { k, oversample, powerIterations, seed }) {
  const m = rowsToCols.length;
  const l = Math.min(k + oversample, m, nCols);
  const r = rng(seed);
  const colsToRows = Array.from({ length: nCols }, () => []);
  rowsToCols.forEach((cs, i) => { for (const c of cs) colsToRows[c].push(i); });
  const timesA = (z) => { // (m) = A (nCols)
    const y = new Float64Array(m);
    for (let i = 0; i < m; i++) { let s = 0; for (const c of rowsToCols[i]) s += z[c]; y[i] = s; }
    return y;
  };
  const timesAt = (q) => { // (nCols) = A^T (m)
    const z = new Float64Array(nCols);
    for (let c = 0; c < nCols; c++) { let s = 0; for (const i of colsToRows[c]) s += q[i]; z[c] = s; }
    return z;
  };
  let Q = Array.from({ length: l }, () => timesA(Float64Array.from({ length: nCols }, () => gauss(r))));
  orthonormalize(Q);
  for (let it = 0; it < powerIterations; it++) {
    const Z = Q.map(timesAt);
    orthonormalize(Z);
    Q = Z.map(timesA);
    orthonormalize(Q);
  }
  // B = Q^T A (l x nCols), its rows are (A^T q_j)^T; B B^T = W diag(s^2) W^T; U = Q W.
  const Bt = Q.map(timesAt);
  const C = Array.from({ length: l }, (_, a) => Float64Array.from({ length: l }, (_, b) => {
    let s = 0;
    for (let c = 0; c < nCols; c++) s += Bt[a][c] * Bt[b][c];
    return s;
  }));
  const { values, vectors } = symmetricEigen(C);
  const U = [], S = [];
  for (let j = 0; j < Math.min(k, l); j++) {
    const u = new Float64Array(m);
    for (let a = 0; a < l; a++) { const w = vectors[j][a]; if (w !== 0) for (let i = 0; i < m; i++) u[i] += w * Q[a][i]; }
    // Sign convention: the entry of largest magnitude is positive.
    let big = 0;
    for (let i = 1; i < m; i++) if (Math.abs(u[i]) > Math.abs(u[big])) big = i;
    if (u[big] < 0) for (let i = 0; i < m; i++) u[i] = -u[i];
    U.push(u);
    S.push(Math.sqrt(Math.max(0, values[j])));
  }
  return { U, S };
}

/** Mixes two 32-bit integers into a seed (for per-person generators independent of who else is replayed). */
export const mixSeed = (a, b) => {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
};

/**
 * Builds the replay: the item table with the server-side signals, and one
 * task per person. Everything the server knows comes from the training part
 * of all people (never from anyone's test part).
 *
 * Item table (`items`, by movie id): `{ id: string, movieId, genres: string[],
 * serverScore, embedding: Float32Array | null (null: not in the training part,
 * the server has no factor for it), likers: Int32Array (indexes of people who
 * liked it in training) }`.
 *
 * A task: `{ user, bucket, train: Event[], steps: Step[] }`; an Event is
 * `{ type, itemId, movieId, rating, at, topics, embedding }` (at in ms); a
 * Step is `{ kind: 'rank', at, heldOut: itemId, candidates: itemId[] }` or
 * `{ kind: 'record', event }`. `steps` replay every test rating in time
 * order; a rating >= 4 is first a `rank` step (the held-out item among 99
 * sampled items the person never rated, in a seeded random order) and then a
 * `record` step of its `like`.
 *
 * @param {ReturnType<typeof loadMovieLens>} data
 * @param {{ seed: number, users?: number, trainCap?: number }} o
 *   users: only the first N people by id (the server-side signals still come
 *   from everyone's training part, so a person's task is the same in a short
 *   run as in the full one). trainCap: a cold-start variant, not the issue's
 *   protocol: the device sees only the last N events of each person's training
 *   part (as if installed just before the test period); the split, the
 *   server-side signals, the candidates and the test steps stay the same, and
 *   the history bucket is that of the N events.
 */
export function buildReplay(data, { seed, users = Infinity, trainCap = Infinity }) {
  const people = splitByUser(data.ratings);
  // The server's catalog: every movie rated in anyone's training part, in id order.
  const trainCount = new Map();
  for (const p of people) for (const r of p.train) trainCount.set(r.item, (trainCount.get(r.item) ?? 0) + 1);
  const catalog = [...trainCount.keys()].sort((a, b) => a - b);
  const row = new Map(catalog.map((id, i) => [id, i]));
  let maxCount = 0;
  for (const c of trainCount.values()) maxCount = Math.max(maxCount, c);
  // The "liked" matrix (rating >= 4 in training), item x person, binary.
  const likedBy = catalog.map(() => []);
  people.forEach((p, u) => {
    const seen = new Set();
    for (const r of p.train) if (r.rating >= PROTOCOL.likeAt && !seen.has(r.item)) { seen.add(r.item); likedBy[row.get(r.item)].push(u); }
  });
  const likers = likedBy.map((a) => Int32Array.from(a));
  const svd = truncatedSvd(likers, people.length, {
    k: PROTOCOL.dim, oversample: PROTOCOL.svdOversample, powerIterations: PROTOCOL.svdPowerIterations, seed: mixSeed(seed, 0x5bd),
  });
  const items = new Map();
  const itemOf = (movieId) => {
    let it = items.get(movieId);
    if (it) return it;
    const i = row.get(movieId);
    let embedding = null;
    if (i !== undefined) {
      embedding = new Float32Array(PROTOCOL.dim);
      for (let j = 0; j < svd.U.length; j++) embedding[j] = svd.U[j][i] * svd.S[j];
    }
    const count = trainCount.get(movieId) ?? 0;
    it = {
      id: String(movieId), movieId,
      genres: data.movies.get(movieId)?.genres ?? [],
      serverScore: maxCount > 0 ? Math.log1p(count) / Math.log1p(maxCount) : 0,
      embedding,
      likers: i === undefined ? new Int32Array(0) : likers[i],
    };
    items.set(movieId, it);
    return it;
  };
  for (const id of catalog) itemOf(id);

  const toEvent = (r) => {
    const it = itemOf(r.item);
    return { type: eventType(r.rating), itemId: it.id, movieId: r.item, rating: r.rating, at: r.t * 1000, topics: it.genres, embedding: it.embedding };
  };
  const tasks = [];
  let heldOutOutsideCatalog = 0;
  for (const p of people.slice(0, users)) {
    const r = rng(mixSeed(seed, p.user));
    const rated = new Set([...p.train, ...p.test].map((x) => x.item));
    const steps = [];
    let free = catalog.length;
    for (const id of rated) if (row.has(id)) free--;
    for (const t of p.test) {
      const ev = toEvent(t);
      if (ev.type === 'like') {
        if (!row.has(t.item)) heldOutOutsideCatalog++;
        const negatives = new Set();
        const want = Math.min(PROTOCOL.negatives, free);
        while (negatives.size < want) {
          const id = catalog[Math.floor(r() * catalog.length)];
          if (!rated.has(id)) negatives.add(id);
        }
        const candidates = [...negatives].map((id) => String(id));
        // The held-out item at a random position: ties in a policy's scores
        // (a stable sort) then cannot favour it.
        candidates.splice(Math.floor(r() * (candidates.length + 1)), 0, ev.itemId);
        steps.push({ kind: 'rank', at: ev.at, heldOut: ev.itemId, candidates });
      }
      steps.push({ kind: 'record', event: ev });
    }
    const train = p.train.slice(Math.max(0, p.train.length - trainCap)).map(toEvent);
    tasks.push({ user: p.user, bucket: bucketOf(train.length), train, steps });
  }
  const byId = new Map([...items.values()].map((it) => [it.id, it]));
  return {
    items: byId, tasks, people: people.length, catalogSize: catalog.length, maxCount,
    singularValues: svd.S, heldOutOutsideCatalog,
    trainRatings: people.reduce((s, p) => s + p.train.length, 0),
    testRatings: people.reduce((s, p) => s + p.test.length, 0),
  };
}

// ---- metrics -----------------------------------------------------------------

/** NDCG@k of a single relevant item at 0-based `rank` (-1 = not ranked). */
export const ndcgAt = (rank, k = PROTOCOL.k) => (rank >= 0 && rank < k ? 1 / Math.log2(rank + 2) : 0);

/** HR@k: 1 when the relevant item is in the top k. */
export const hitAt = (rank, k = PROTOCOL.k) => (rank >= 0 && rank < k ? 1 : 0);

/** 1 - Jaccard similarity of two genre sets (two empty sets: 0, nothing tells them apart). */
export function genreDistance(a, b) {
  if (a.length === 0 && b.length === 0) return 0;
  let inter = 0;
  for (const g of a) if (b.includes(g)) inter++;
  return 1 - inter / (a.length + b.length - inter);
}

/** ILD: mean pairwise genre distance of a list of genre sets. */
export function intraListDiversity(genreSets) {
  let s = 0, n = 0;
  for (let i = 0; i < genreSets.length; i++) for (let j = i + 1; j < genreSets.length; j++) { s += genreDistance(genreSets[i], genreSets[j]); n++; }
  return n ? s / n : 0;
}

/** Expected NDCG@k of a uniformly random order of n candidates with one relevant item. */
export const randomNdcg = (n, k = PROTOCOL.k) => {
  let s = 0;
  for (let r = 0; r < Math.min(k, n); r++) s += 1 / Math.log2(r + 2);
  return s / n;
};

// ---- the replay loop ---------------------------------------------------------

/**
 * A policy: `{ name, startUser(task) (may be async; sees task.train, the
 * events to learn from), rank(step) -> item ids best first (a permutation of
 * step.candidates), record(event) (after every test rating, in time order),
 * dispose?() }`. `rank` and `record` may return promises.
 *
 * Runs every task through every policy; returns per-policy aggregates
 * overall (means over ranked lists), per history bucket of the person
 * (`buckets`: training events), and per bucket of the device's history when
 * the list was ranked (`atRank`: training events plus the test events
 * recorded before it; `users` there counts the people with a list in it).
 * @param {ReturnType<typeof buildReplay>} replay
 * @param {object[]} policies
 * @param {{ onUser?: (done: number, total: number) => void }} [o]
 */
export async function runReplay(replay, policies, { onUser } = {}) {
  const k = PROTOCOL.k;
  const blank = () => ({ users: 0, cases: 0, ndcg: 0, ndcgSq: 0, hr: 0, ild: 0 });
  const perBucket = () => Object.fromEntries(PROTOCOL.buckets.map((b) => [b, blank()]));
  const acc = policies.map(() => ({ all: blank(), buckets: perBucket(), atRank: perBucket() }));
  const genresOf = (id) => replay.items.get(id).genres;
  let done = 0;
  for (const task of replay.tasks) {
    for (let p = 0; p < policies.length; p++) {
      const policy = policies[p];
      await policy.startUser(task);
      const cells = [acc[p].all, acc[p].buckets[task.bucket]];
      for (const c of cells) c.users++;
      let history = task.train.length;
      const counted = new Set();
      for (const step of task.steps) {
        if (step.kind === 'record') { await policy.record(step.event); history++; continue; }
        const order = await policy.rank(step);
        if (!Array.isArray(order) || order.length !== step.candidates.length) {
          throw new Error(`policy "${policy.name}" returned ${Array.isArray(order) ? order.length : typeof order} ids for ${step.candidates.length} candidates`);
        }
        const rank = order.indexOf(step.heldOut);
        if (rank < 0) throw new Error(`policy "${policy.name}" dropped the held-out item ${step.heldOut}`);
        const given = new Set(step.candidates);
        for (const id of order) if (!given.delete(id)) throw new Error(`policy "${policy.name}" returned ${id}, not a candidate (or twice)`);
        const nd = ndcgAt(rank), hr = hitAt(rank);
        const ild = intraListDiversity(order.slice(0, k).map(genresOf));
        const at = acc[p].atRank[bucketOf(history)];
        if (!counted.has(at)) { counted.add(at); at.users++; }
        for (const c of [...cells, at]) { c.cases++; c.ndcg += nd; c.ndcgSq += nd * nd; c.hr += hr; c.ild += ild; }
      }
    }
    onUser?.(++done, replay.tasks.length);
  }
  const summary = (c) => {
    if (!c.cases) return { users: c.users, cases: 0, ndcg10: null, ndcg10Se: null, hr10: null, ild10: null };
    const mean = c.ndcg / c.cases;
    const variance = c.cases > 1 ? Math.max(0, (c.ndcgSq - c.cases * mean * mean) / (c.cases - 1)) : 0;
    return { users: c.users, cases: c.cases, ndcg10: mean, ndcg10Se: Math.sqrt(variance / c.cases), hr10: c.hr / c.cases, ild10: c.ild / c.cases };
  };
  return policies.map((pol, p) => ({
    policy: pol.name,
    ...summary(acc[p].all),
    buckets: Object.fromEntries(PROTOCOL.buckets.map((b) => [b, summary(acc[p].buckets[b])])),
    atRank: Object.fromEntries(PROTOCOL.buckets.map((b) => [b, summary(acc[p].atRank[b])])),
  }));
}
