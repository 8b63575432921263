// SPDX-License-Identifier: MIT
// The MovieLens replay harness (scripts/lib/replay-movielens.mjs,
// scripts/replay.mjs) on small synthetic logs written here (no MovieLens data
// in the repository): parsing both file formats, the per-person time split,
// the event mapping, the SVD, the candidate sampling, the metrics, the replay
// loop and the smoke run's sanity checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPersonalizer } from 'localrank';
import {
  parseCsvLine, loadMovieLens, splitByUser, eventType, bucketOf, truncatedSvd, symmetricEigen,
  buildReplay, ndcgAt, hitAt, genreDistance, intraListDiversity, randomNdcg, runReplay, PROTOCOL,
} from '../../scripts/lib/replay-movielens.mjs';
import { defaultPolicies, localrankPolicy, SHIFT_MS } from '../../scripts/lib/replay-policies.mjs';
import { smokeProblems } from '../../scripts/replay.mjs';
import { rng } from '../../scripts/lib/prng.mjs';

const GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi'];

/** A synthetic log: people with a favourite genre rate movies over time. */
function synthetic({ people = 30, movies = 400, seed = 5 } = {}) {
  const r = rng(seed);
  const movieList = Array.from({ length: movies }, (_, i) => {
    const g = [GENRES[i % GENRES.length]];
    if (r() < 0.3) g.push(GENRES[(i + 2) % GENRES.length]);
    return { id: i + 1, title: i % 7 === 0 ? `Movie, "the" ${i} (1999)` : `Movie ${i} (2001)`, genres: i === 3 ? [] : g };
  });
  const ratings = [];
  for (let u = 1; u <= people; u++) {
    const fav = GENRES[u % GENRES.length];
    const n = 20 + Math.floor(r() * 60);
    const seen = new Set();
    let t = 1e9 + u * 1000;
    while (seen.size < n) {
      const m = movieList[Math.floor(Math.pow(r(), 3) * movies)];
      if (seen.has(m.id) || (!m.genres.includes(fav) && r() < 0.6)) continue; // mostly their favourite genre
      seen.add(m.id);
      const base = m.genres.includes(fav) ? 4 : 2.5;
      const rating = Math.max(0.5, Math.min(5, Math.round((base + (r() - 0.5) * 2.5) * 2) / 2));
      t += r() < 0.3 ? 0 : Math.floor(r() * 5000); // some ratings share a second
      ratings.push({ user: u, item: m.id, rating, t });
    }
  }
  return { movieList, ratings };
}

function writeCsv(dir, { movieList, ratings }) {
  const q = (s) => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  writeFileSync(join(dir, 'movies.csv'), `movieId,title,genres\n${movieList.map((m) => `${m.id},${q(m.title)},${m.genres.length ? m.genres.join('|') : '(no genres listed)'}`).join('\n')}\n`);
  writeFileSync(join(dir, 'ratings.csv'), `userId,movieId,rating,timestamp\n${ratings.map((x) => `${x.user},${x.item},${x.rating.toFixed(1)},${x.t}`).join('\n')}\n`);
}

function writeDat(dir, { movieList, ratings }) {
  // ml-1m's movies.dat is Latin-1.
  writeFileSync(join(dir, 'movies.dat'), Buffer.from(movieList.map((m) => `${m.id}::${m.title}${m.id === 2 ? ' Amélie' : ''}::${m.genres.length ? m.genres.join('|') : '(no genres listed)'}`).join('\n') + '\n', 'latin1'));
  writeFileSync(join(dir, 'ratings.dat'), ratings.map((x) => `${x.user}::${x.item}::${x.rating}::${x.t}`).join('\n') + '\n');
}

const tmp = () => mkdtempSync(join(tmpdir(), 'localrank-replay-test-'));

test('CSV lines: quoted fields with commas and doubled quotes', () => {
  assert.deepEqual(parseCsvLine('7789,"11\'09""01 - September 11 (2002)",Drama'), ['7789', '11\'09"01 - September 11 (2002)', 'Drama']);
  assert.deepEqual(parseCsvLine('11,"American President, The (1995)",Comedy|Drama|Romance'), ['11', 'American President, The (1995)', 'Comedy|Drama|Romance']);
  assert.deepEqual(parseCsvLine('1,,x'), ['1', '', 'x']);
  assert.throws(() => parseCsvLine('1,"open,x'), /unterminated/);
});

test('both MovieLens formats load to the same log; the CSV pair wins when both are present', () => {
  const log = synthetic();
  const a = tmp(), b = tmp();
  try {
    writeCsv(a, log);
    writeDat(b, log);
    const csv = loadMovieLens(a), dat = loadMovieLens(b);
    assert.equal(csv.format, 'csv');
    assert.equal(dat.format, 'dat');
    assert.deepEqual(csv.ratings, log.ratings);
    assert.deepEqual(dat.ratings, log.ratings);
    assert.equal(csv.movies.get(8).title, 'Movie, "the" 7 (1999)');
    assert.deepEqual(csv.movies.get(4).genres, [], '(no genres listed) is no genre');
    assert.equal(dat.movies.get(2).title, 'Movie 1 (2001) Amélie', 'Latin-1 .dat text is decoded');
    for (const [id, m] of csv.movies) assert.deepEqual(dat.movies.get(id).genres, m.genres);
    writeDat(a, log);
    assert.equal(loadMovieLens(a).format, 'csv');
    assert.match(Object.keys(loadMovieLens(a).files).join(), /ratings\.csv/);
    assert.throws(() => loadMovieLens(tmpdir()), /no MovieLens log/);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('split: per person in time order, ties by movie id, the first floor(4n/5) train', () => {
  const ratings = [
    { user: 2, item: 9, rating: 4, t: 5 }, { user: 2, item: 3, rating: 4, t: 5 }, { user: 2, item: 1, rating: 2, t: 1 },
    { user: 1, item: 1, rating: 5, t: 3 }, { user: 2, item: 7, rating: 3, t: 9 }, { user: 2, item: 8, rating: 1, t: 7 },
    { user: 2, item: 5, rating: 5, t: 8 }, { user: 2, item: 4, rating: 5, t: 2 },
  ];
  const [one, two] = splitByUser(ratings);
  assert.equal(one.user, 1);
  assert.deepEqual([one.train.length, one.test.length], [0, 1], 'floor(4/5) = 0');
  assert.deepEqual(two.train.map((r) => r.item), [1, 4, 3, 9, 8], '7 ratings: floor(5.6) = 5 in training, the tie at t=5 by movie id');
  assert.deepEqual(two.test.map((r) => r.item), [5, 7]);
  assert.deepEqual([5, 4.5, 4, 3.5, 3, 2.5, 0.5].map(eventType), ['like', 'like', 'like', 'click', 'click', 'hide', 'hide']);
  assert.deepEqual([0, 9, 10, 50, 51].map(bucketOf), ['< 10', '< 10', '10-50', '10-50', '> 50']);
});

test('truncated SVD matches the exact singular values of a small matrix, and is deterministic', () => {
  const r = rng(9);
  const m = 120, n = 40;
  const rows = Array.from({ length: m }, () => {
    const s = new Set();
    for (let k = 0; k < 1 + Math.floor(r() * 10); k++) s.add(Math.floor(r() * n));
    return Int32Array.from([...s].sort((a, b) => a - b));
  });
  const C = Array.from({ length: n }, () => new Float64Array(n));
  for (const row of rows) for (const a of row) for (const b of row) C[a][b]++;
  const exact = symmetricEigen(C).values.map((v) => Math.sqrt(Math.max(0, v)));
  const o = { k: 8, oversample: 10, powerIterations: 20, seed: 3 };
  const { U, S } = truncatedSvd(rows, n, o);
  for (let j = 0; j < 8; j++) assert.ok(Math.abs(S[j] - exact[j]) < 1e-4 * exact[0], `singular value ${j}: ${S[j]} vs ${exact[j]}`);
  for (let a = 0; a < 8; a++) {
    for (let b = 0; b <= a; b++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += U[a][i] * U[b][i];
      assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-9, `U columns ${a}, ${b} orthonormal`);
    }
  }
  assert.deepEqual(truncatedSvd(rows, n, o), { U, S });
});

test('replay tasks: 99 unrated candidates + the held-out item, every later rating recorded in time order, seeded', () => {
  const log = synthetic();
  const dir = tmp();
  try {
    writeCsv(dir, log);
    const data = loadMovieLens(dir);
    const replay = buildReplay(data, { seed: 1 });
    const split = splitByUser(data.ratings);
    assert.equal(replay.tasks.length, split.length);
    const trainIds = new Set(split.flatMap((p) => p.train.map((x) => String(x.item))));
    let ranks = 0;
    replay.tasks.forEach((task, u) => {
      const person = split[u];
      const rated = new Set([...person.train, ...person.test].map((x) => String(x.item)));
      assert.equal(task.train.length, person.train.length);
      assert.equal(task.bucket, bucketOf(person.train.length));
      const records = task.steps.filter((s) => s.kind === 'record').map((s) => s.event);
      assert.deepEqual(records.map((e) => [e.itemId, e.at, e.type]), person.test.map((x) => [String(x.item), x.t * 1000, eventType(x.rating)]));
      task.steps.forEach((s, i) => {
        if (s.kind !== 'rank') return;
        ranks++;
        const next = task.steps[i + 1];
        assert.equal(next.kind, 'record', 'a ranked list is followed by the engagement with its held-out item');
        assert.deepEqual([next.event.itemId, next.event.type, next.event.at], [s.heldOut, 'like', s.at]);
        assert.equal(s.candidates.length, 100);
        assert.equal(new Set(s.candidates).size, 100);
        assert.equal(s.candidates.filter((c) => c === s.heldOut).length, 1);
        for (const c of s.candidates) if (c !== s.heldOut) assert.ok(!rated.has(c) && trainIds.has(c), `negative ${c}: unrated, in the training part`);
      });
    });
    assert.equal(ranks, split.reduce((s, p) => s + p.test.filter((x) => x.rating >= 4).length, 0));
    const positions = replay.tasks.flatMap((t) => t.steps.filter((s) => s.kind === 'rank').map((s) => s.candidates.indexOf(s.heldOut)));
    assert.ok(new Set(positions).size > 10, 'the held-out item sits at varying positions');
    // Same seed, same tasks; a short run gives the first people the same tasks; another seed other candidates.
    const strip = (r) => JSON.stringify(r.tasks, (k, v) => (v instanceof Float32Array ? [...v] : v));
    assert.equal(strip(buildReplay(data, { seed: 1 })), strip(replay));
    assert.equal(strip(buildReplay(data, { seed: 1, users: 5 })), JSON.stringify(JSON.parse(strip(replay)).slice(0, 5)));
    assert.notEqual(strip(buildReplay(data, { seed: 2 })), strip(replay));
    // Server signals: popularity in [0, 1], the most rated training movie at 1; embeddings of dim 32.
    const scores = [...replay.items.values()].map((it) => it.serverScore);
    assert.equal(Math.max(...scores), 1);
    assert.ok(scores.every((x) => x >= 0 && x <= 1));
    assert.equal(replay.items.get([...trainIds][0]).embedding.length, PROTOCOL.dim);
    // The cold-start variant keeps the last N training events and the same steps.
    const capped = buildReplay(data, { seed: 1, trainCap: 3 });
    capped.tasks.forEach((t, u) => {
      assert.deepEqual(t.train.map((e) => e.itemId), replay.tasks[u].train.slice(-3).map((e) => e.itemId));
      assert.equal(t.bucket, '< 10');
    });
    assert.equal(strip({ tasks: capped.tasks.map((t) => t.steps) }), strip({ tasks: replay.tasks.map((t) => t.steps) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('metrics: NDCG and HR of one relevant item, ILD as 1 - Jaccard of genre sets', () => {
  assert.equal(ndcgAt(0), 1);
  assert.equal(ndcgAt(9), 1 / Math.log2(11));
  assert.equal(ndcgAt(10), 0);
  assert.equal(ndcgAt(-1), 0);
  assert.deepEqual([0, 9, 10].map((r) => hitAt(r)), [1, 1, 0]);
  assert.equal(genreDistance(['A', 'B'], ['B', 'C']), 1 - 1 / 3);
  assert.equal(genreDistance(['A'], ['A']), 0);
  assert.equal(genreDistance([], []), 0);
  assert.equal(genreDistance([], ['A']), 1);
  assert.equal(intraListDiversity([['A'], ['A'], ['B']]), 2 / 3);
  assert.ok(Math.abs(randomNdcg(100) - 0.045436) < 1e-5);
});

test('the replay loop scores what each policy ranks, and rejects a policy that drops the held-out item', async () => {
  const log = synthetic({ people: 12 });
  const dir = tmp();
  try {
    writeCsv(dir, log);
    const replay = buildReplay(loadMovieLens(dir), { seed: 1 });
    const seenRecords = [];
    const fixed = (name, place) => ({
      name, startUser() {}, record(e) { if (name === 'best') seenRecords.push(e.itemId); },
      rank: (s) => { const rest = s.candidates.filter((c) => c !== s.heldOut); rest.splice(place, 0, s.heldOut); return rest; },
    });
    const rows = await runReplay(replay, [fixed('best', 0), fixed('third', 2), fixed('worst', 99)]);
    assert.deepEqual(rows.map((r) => [r.ndcg10, r.hr10]), [[1, 1], [0.5, 1], [0, 0]]);
    assert.equal(rows[0].cases, replay.tasks.reduce((s, t) => s + t.steps.filter((x) => x.kind === 'rank').length, 0));
    assert.equal(seenRecords.length, replay.tasks.reduce((s, t) => s + t.steps.filter((x) => x.kind === 'record').length, 0));
    const byBucket = Object.values(rows[1].buckets).reduce((s, b) => s + b.cases, 0);
    assert.equal(byBucket, rows[1].cases);
    assert.equal(Object.values(rows[1].atRank).reduce((s, b) => s + b.cases, 0), rows[1].cases);
    const drop = { name: 'drop', startUser() {}, record() {}, rank: (s) => s.candidates.map((c) => (c === s.heldOut ? 'x' : c)) };
    await assert.rejects(runReplay(replay, [drop]), /dropped the held-out item/);
    const swap = { name: 'swap', startUser() {}, record() {}, rank: (s) => s.candidates.map((c, i) => (i === (s.candidates[0] === s.heldOut ? 1 : 0) ? 'other' : c)) };
    await assert.rejects(runReplay(replay, [swap]), /returned other, not a candidate/);
    const twice = { name: 'twice', startUser() {}, record() {}, rank: (s) => s.candidates.map((c) => (c === s.heldOut ? c : s.candidates.find((x) => x !== s.heldOut))) };
    await assert.rejects(runReplay(replay, [twice]), /not a candidate \(or twice\)/);
    const short = { name: 'short', startUser() {}, record() {}, rank: (s) => s.candidates.slice(1) };
    await assert.rejects(runReplay(replay, [short]), /returned 99 ids for 100 candidates/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the built-in policies run on a synthetic log; the smoke checks pass there and catch a broken baseline', async () => {
  const log = synthetic({ people: 120, movies: 1500 });
  const dir = tmp();
  try {
    writeCsv(dir, log);
    const replay = buildReplay(loadMovieLens(dir), { seed: 1 });
    const policies = defaultPolicies(replay, { seed: 1, createPersonalizer });
    const rows = await runReplay(replay, policies);
    for (const p of policies) p.dispose();
    assert.deepEqual(rows.map((r) => r.policy).slice(0, 2), ['localrank defaults, genres only', 'localrank defaults, genres + embeddings'], 'defaults first');
    assert.deepEqual(smokeProblems(rows), []);
    // People here mostly watch and like one genre: every policy that reads the person's
    // likes (wired to the events) beats popularity; a policy that ignored them would not.
    const ndcg = Object.fromEntries(rows.map((r) => [r.policy, r.ndcg10]));
    for (const name of ['plain-JS user vector', 'server item-kNN (sees everyone\'s data)', 'localrank defaults, genres only', 'localrank defaults, genres + embeddings']) {
      assert.ok(ndcg[name] > ndcg['server order (popularity)'], `${name} ${ndcg[name]} vs server order ${ndcg['server order (popularity)']}`);
    }
    // A random row far from 0.045, or a server order no better than it, fails the smoke.
    const random = rows.find((r) => r.policy === 'random');
    assert.ok(smokeProblems(rows.map((r) => (r === random ? { ...r, ndcg10: 0.2 } : r))).some((p) => /random NDCG/.test(p)));
    assert.ok(smokeProblems(rows.map((r) => (r.policy === 'server order (popularity)' ? { ...r, ndcg10: random.ndcg10 } : r))).some((p) => /does not beat random/.test(p)));
    assert.ok(smokeProblems(rows.map((r, k) => (k === 0 ? { ...r, hr10: 1.5 } : r))).some((p) => /hr10 = 1.5 is not in \[0, 1\]/.test(p)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a localrank replay policy: a fresh profile per person, the replay clock, default rerank options', async () => {
  const log = synthetic({ people: 6 });
  const dir = tmp();
  try {
    writeCsv(dir, log);
    const replay = buildReplay(loadMovieLens(dir), { seed: 1 });
    const ranks = (t) => t.steps.filter((s) => s.kind === 'rank').length;
    const last = replay.tasks.reduce((a, t) => (ranks(t) > ranks(a) ? t : a));
    // The orders the policy gives the last person, after replaying `tasks` before them.
    const ordersOfLast = async (before) => {
      const pol = localrankPolicy({ name: 'lr', createPersonalizer, seed: 1, items: replay.items, embeddings: true });
      const orders = [];
      const spy = { ...pol, rank: (s) => { const o = pol.rank(s); if (current === last) orders.push(o); return o; }, startUser: (t) => { current = t; return pol.startUser(t); } };
      let current = null;
      await runReplay({ ...replay, tasks: [...before.filter((t) => t !== last), last] }, [spy]);
      pol.dispose();
      return orders;
    };
    const alone = await ordersOfLast([]);
    assert.ok(alone.length > 0);
    assert.deepEqual(await ordersOfLast(replay.tasks), alone, 'nothing of the people before carries over');
    // How it calls the package: the options of issue 17, the replay's clock at every
    // call, and rerank(items) with no options at all (the defaults are what is evaluated).
    const calls = [];
    let created = null;
    const spyCreate = async (opts) => {
      created = opts;
      const p = await createPersonalizer(opts);
      return {
        record: (e) => { calls.push(['record', opts.now(), e.at]); return p.record(e); },
        rerank: (...args) => { calls.push(['rerank', opts.now(), args.length]); return p.rerank(...args); },
        dispose: () => p.dispose(),
      };
    };
    const pol = localrankPolicy({ name: 'lr', createPersonalizer: spyCreate, seed: 7, items: replay.items, embeddings: true });
    await runReplay({ ...replay, tasks: [last] }, [pol]);
    pol.dispose();
    assert.deepEqual({ ...created, now: undefined }, { seed: 7, now: undefined, dim: 32, consent: { personalization: true }, storage: 'memory', autosaveMs: 0 });
    const expected = [
      // Every time moved by SHIFT_MS (localrank refuses times before 2001).
      ...last.train.map((e) => ['record', e.at + SHIFT_MS, e.at + SHIFT_MS]),
      ...last.steps.map((s) => (s.kind === 'rank' ? ['rerank', s.at + SHIFT_MS, 1] : ['record', s.event.at + SHIFT_MS, s.event.at + SHIFT_MS])),
    ];
    assert.deepEqual(calls, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
