// SPDX-License-Identifier: MIT
// Property tests (fast-check) on the built package: invariants that must hold
// for any history, any valid batch and any options, and for hostile calls.
// Run counts are bounded so the file takes seconds; a failure prints the
// shrunk counterexample and the seed to replay it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LocalrankError, EVENT_TYPES } from 'localrank';
import { make, T0 } from './helpers.mjs';
import { mapStorage } from './privacy-helpers.mjs';

const DIM = 3;
// LOCALRANK_PROPERTY_RUNS=1000 for a deeper run.
const RUNS = { numRuns: Number(process.env.LOCALRANK_PROPERTY_RUNS ?? 60) };

// ---- arbitraries -----------------------------------------------------------
const topicName = fc.constantFrom('sports', 'cooking', 'travel', 'politics', 'music', 'science', 'a', 'ü-topic');
const creatorName = fc.constantFrom('c1', 'c2', 'c3', 'c4', 'c5');
const topics = fc.oneof(
  fc.dictionary(topicName, fc.double({ min: 0, max: 5, noNaN: true }), { maxKeys: 4 }),
  fc.uniqueArray(topicName, { maxLength: 4 }),
);
const embedding = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: DIM, maxLength: DIM });
const context = fc.record({
  hour: fc.integer({ min: 0, max: 23 }),
  weekday: fc.integer({ min: 0, max: 6 }),
  device: fc.constantFrom('mobile', 'desktop'),
  intent: fc.constantFrom('commute', 'workout', 'wind-down'),
}, { requiredKeys: [] });

const item = fc.record({
  topics,
  creatorId: creatorName,
  serverScore: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  publishedAt: fc.integer({ min: T0 - 30 * 86400e3, max: T0 }),
  pinned: fc.boolean(),
  embedding,
}, { requiredKeys: [] });
/** Items with ids unique in the batch (the contract of rerank). */
const items = fc.array(item, { maxLength: 25 }).map((list) => list.map((it, i) => ({ id: `item-${i}`, ...it })));

const event = fc.record({
  type: fc.constantFrom(...EVENT_TYPES),
  itemId: fc.string({ minLength: 1, maxLength: 10 }),
  topics,
  creatorId: creatorName,
  at: fc.integer({ min: T0 - 60 * 86400e3, max: T0 }),
  dwellMs: fc.integer({ min: 0, max: 120000 }),
  expectedMs: fc.integer({ min: 1, max: 120000 }),
  context,
  embedding,
}, { requiredKeys: ['type', 'creatorId', 'dwellMs'] });
const history = fc.array(event, { maxLength: 30 });
const adjustment = fc.record({
  topic: topicName,
  preference: fc.constantFrom('more', 'less', 'never', 'none'),
});

const options = fc.record({
  strength: fc.double({ min: 0, max: 1, noNaN: true }),
  diversity: fc.double({ min: 0, max: 1, noNaN: true }),
  exploration: fc.double({ min: 0, max: 0.5, noNaN: true }),
  context,
}, { requiredKeys: [] });

/** A fixed feed the lived-through choices are made in (so the learnt model is part of every property). */
const CHOICE_FEED = Array.from({ length: 12 }, (_, i) => ({
  id: `choice-${i}`, topics: { [`t${i % 3}`]: 1 }, creatorId: `c${i % 4}`, serverScore: (i * 7) % 12,
  publishedAt: T0 - i * 3600e3, embedding: Array.from({ length: DIM }, (_, k) => Math.sin(i + k)),
}));

/**
 * A personalizer that has lived through `events` and `adjustments`, and then
 * through a choice in CHOICE_FEED for each engagement or hide among the
 * events (at a rank the event's position picks), which the model learns from.
 */
async function lived(events, adjustments = [], extra = {}) {
  const p = await make({ dim: DIM, ...extra });
  if (events.length) p.record(events);
  for (const a of adjustments) p.adjust(a);
  events.forEach((e, k) => {
    if (!['click', 'like', 'share', 'hide', 'notInterested'].includes(e.type)) return;
    const ranked = p.rerank(CHOICE_FEED);
    const chosen = CHOICE_FEED[ranked[(k * 7) % ranked.length].originalIndex];
    p.record({ type: e.type, itemId: chosen.id, topics: chosen.topics, creatorId: chosen.creatorId, embedding: chosen.embedding, at: T0 });
  });
  return p;
}

const exported = (p) => JSON.stringify(p.exportProfile());

// ---- properties ------------------------------------------------------------
test('the output is always a permutation of the input, each reason list adds up to its score', async () => {
  await fc.assert(fc.asyncProperty(history, fc.array(adjustment, { maxLength: 3 }), items, options,
    async (events, adjustments, batch, opts) => {
      const p = await lived(events, adjustments);
      try {
        const ranked = p.rerank(batch, opts);
        assert.deepEqual(ranked.map((r) => r.id).sort(), batch.map((it) => it.id).sort());
        for (const [rank, r] of ranked.entries()) {
          assert.equal(batch[r.originalIndex].id, r.id);
          if (batch[r.originalIndex].pinned) assert.equal(r.originalIndex, rank, 'a pinned item keeps its slot');
          assert.ok(Number.isFinite(r.score));
          const sum = r.reasons.reduce((s, x) => s + x.contribution, 0);
          assert.ok(Math.abs(sum - r.score) <= 1e-9 * (1 + Math.abs(r.score)), `${r.id}: ${sum} vs ${r.score}`);
        }
      } finally {
        p.dispose();
      }
    }), RUNS);
});

test('strength 0 returns the input order, whatever the profile', async () => {
  await fc.assert(fc.asyncProperty(history, fc.array(adjustment, { maxLength: 3 }), items, context,
    async (events, adjustments, batch, ctx) => {
      const p = await lived(events, adjustments);
      try {
        const ranked = p.rerank(batch, { strength: 0, context: ctx });
        assert.deepEqual(ranked.map((r) => r.id), batch.map((it) => it.id));
      } finally {
        p.dispose();
      }
    }), RUNS);
});

test('the same seed, clock and calls give the same output', async () => {
  await fc.assert(fc.asyncProperty(fc.nat(2 ** 31), history, items, options, async (seed, events, batch, opts) => {
    const a = await lived(events, [], { seed });
    const b = await lived(events, [], { seed });
    try {
      assert.deepEqual(a.rerank(batch, opts), b.rerank(batch, opts));
      assert.deepEqual(a.rerank(batch, opts), b.rerank(batch, opts), 'and again, after the first call');
    } finally {
      a.dispose();
      b.dispose();
    }
  }), RUNS);
});

test('export -> import is lossless: same export, same ranking', async () => {
  await fc.assert(fc.asyncProperty(history, fc.array(adjustment, { maxLength: 3 }), items,
    async (events, adjustments, batch) => {
      const a = await lived(events, adjustments);
      const b = await make({ dim: DIM });
      try {
        b.importProfile(a.exportProfile());
        assert.equal(exported(b), exported(a));
        assert.deepEqual(b.rerank(batch), a.rerank(batch));
        const c = await make({ dim: DIM });
        c.importProfile(exported(b));  // the JSON text form too
        assert.equal(exported(c), exported(a));
        c.dispose();
      } finally {
        a.dispose();
        b.dispose();
      }
    }), RUNS);
});

// A valid call, and a way to break it. Each breaker returns the bad call.
const NON_FINITE = fc.constantFrom(NaN, Infinity, -Infinity);
const breakers = fc.oneof(
  fc.record({ kind: fc.constant('item-field'), field: fc.constantFrom('serverScore', 'publishedAt'), value: NON_FINITE }),
  fc.record({ kind: fc.constant('item-field'), field: fc.constant('id'), value: fc.constantFrom('', 42, null, 'x'.repeat(300)) }),
  fc.record({ kind: fc.constant('item-field'), field: fc.constant('creatorId'), value: fc.constantFrom('', 42, 'x'.repeat(300)) }),
  fc.record({ kind: fc.constant('item-field'), field: fc.constant('embedding'), value: fc.constantFrom([1, 2], [NaN, 0, 0], [0, 1e39, 0], 'abc') }),
  fc.record({ kind: fc.constant('item-field'), field: fc.constant('topics'), value: fc.constantFrom({ a: -1 }, { a: NaN }, 'a', ['a\0'], Array.from({ length: 33 }, (_, i) => `t${i}`)) }),
  fc.record({ kind: fc.constant('duplicate') }),
  fc.record({ kind: fc.constant('event-field'), field: fc.constantFrom('at', 'dwellMs', 'expectedMs'), value: fc.oneof(NON_FINITE, fc.constant(-5)) }),
  fc.record({ kind: fc.constant('event-field'), field: fc.constant('type'), value: fc.constantFrom('wink', '', 3, null) }),
  fc.record({ kind: fc.constant('event-field'), field: fc.constant('context'), value: fc.constantFrom({ hour: 24 }, { weekday: 1.5 }, 'x', { intent: '' }) }),
  fc.record({ kind: fc.constant('option'), field: fc.constantFrom('strength', 'diversity', 'exploration'), value: fc.constantFrom(NaN, -0.1, 1.5, '1') }),
  fc.record({ kind: fc.constant('import'), edit: fc.constantFrom('version', 'topics', 'name', 'nan', 'truncate') }),
);

function badCall(p, breaker, batch, events, at) {
  const pos = Math.min(at, Math.max(0, batch.length - 1));
  switch (breaker.kind) {
    case 'item-field': {
      const list = batch.length ? batch.map((it) => ({ ...it })) : [{ id: 'only' }];
      list[pos] = { ...list[pos], [breaker.field]: breaker.value };
      return () => p.rerank(list);
    }
    case 'duplicate': {
      const list = [...batch, { id: 'dup' }, { id: 'dup' }];
      return () => p.rerank(list);
    }
    case 'event-field': {
      const list = (events.length ? events : [{ type: 'click', creatorId: 'c1', dwellMs: 5 }]).map((e) => ({ ...e }));
      const i = Math.min(at, list.length - 1);
      list[i] = { ...list[i], type: breaker.field === 'dwellMs' ? 'dwell' : list[i].type, [breaker.field]: breaker.value };
      return () => p.record(list);
    }
    case 'option':
      return () => p.rerank(batch, { [breaker.field]: breaker.value });
    case 'import': {
      const j = p.exportProfile();
      if (breaker.edit === 'version') j.version = 99;
      if (breaker.edit === 'topics') j.topics = 'many';
      if (breaker.edit === 'name') j.topics = [{ name: '', long: 1, longAt: T0, short: 1, shortAt: T0, events: 1, lastAt: T0 }];
      if (breaker.edit === 'nan') j.creators = [{ name: 'c', long: 'NaN', longAt: T0, short: 1, shortAt: T0, events: 1, lastAt: T0 }];
      return breaker.edit === 'truncate' ? () => p.importProfile(JSON.stringify(j).slice(0, -3)) : () => p.importProfile(j);
    }
    default:
      throw new Error(`unknown breaker ${breaker.kind}`);
  }
}

test('a rejected call changes nothing: same export, and later calls behave as if it never happened', async () => {
  await fc.assert(fc.asyncProperty(history, items, history, breakers, fc.nat(40),
    async (events, batch, moreEvents, breaker, at) => {
      const p = await lived(events);
      const twin = await lived(events);
      try {
        const before = exported(p);
        assert.throws(badCall(p, breaker, batch, moreEvents, at), (e) => e instanceof LocalrankError || e instanceof TypeError);
        assert.equal(exported(p), before);
        assert.deepEqual(p.rerank(batch), twin.rerank(batch));
        if (moreEvents.length) {
          p.record(moreEvents);
          twin.record(moreEvents);
          assert.equal(exported(p), exported(twin));
        }
      } finally {
        p.dispose();
        twin.dispose();
      }
    }), RUNS);
});

const content = (p) => { const { exportedAt, ...rest } = p.exportProfile(); return JSON.stringify(rest); };

test('forget leaves nothing: an empty profile, no stored key, and a reload starts empty', async () => {
  await fc.assert(fc.asyncProperty(history, fc.array(adjustment, { maxLength: 3 }), fc.boolean(),
    async (events, adjustments, saved) => {
      const storage = mapStorage();
      const p = await lived(events, adjustments, { storage });
      const fresh = await make({ dim: DIM });
      try {
        if (saved) await p.flush();
        await p.forget();
        assert.equal(content(p), content(fresh));
        assert.equal(p.profile().totalEvents, 0);
        assert.deepEqual([...storage.map.keys()], [], 'no stored key remains');
        const reloaded = await make({ dim: DIM, storage });
        assert.equal(content(reloaded), content(fresh));
        reloaded.dispose();
      } finally {
        p.dispose();
        fresh.dispose();
      }
    }), { numRuns: 30 });
});

// ---- memory ----------------------------------------------------------------
// One round of calls; every name in it is new in each round (`tag`), the way a
// long session keeps meeting new topics, creators and items.
const action = fc.oneof(
  fc.record({ kind: fc.constant('rerank'), n: fc.integer({ min: 1, max: 150 }), topics: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('record'), n: fc.integer({ min: 1, max: 40 }), topics: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('adjust'), n: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('roundtrip') }),
  fc.record({ kind: fc.constant('rejected'), n: fc.integer({ min: 1, max: 100 }) }),
);

function play(p, act, tag) {
  const names = (prefix, i, k) => Array.from({ length: k }, (_, j) => `${prefix}-${tag}-${i}-${j}`);
  switch (act.kind) {
    case 'rerank':
      p.rerank(Array.from({ length: act.n }, (_, i) => ({
        id: `it-${tag}-${i}`, topics: names('t', i, act.topics), creatorId: `cr-${tag}-${i}`, serverScore: i,
        embedding: [i % 3, 1, 0],
      })), { context: { intent: `intent-${tag}` } });
      break;
    case 'record':
      p.record(Array.from({ length: act.n }, (_, i) => ({
        type: i % 5 === 0 ? 'hide' : 'like', itemId: `it-${tag}-${i}`, topics: names('t', i, act.topics),
        creatorId: `cr-${tag}-${i}`, context: { intent: `intent-${tag}-${i % 3}` }, embedding: [1, i % 2, 0],
      })));
      break;
    case 'adjust':
      for (let i = 0; i < act.n; i++) p.adjust({ topic: `adj-${tag}-${i}`, preference: i % 2 ? 'more' : 'less' });
      break;
    case 'roundtrip':
      p.importProfile(p.exportProfile());
      break;
    case 'rejected':
      assert.throws(() => p.rerank([...Array.from({ length: act.n }, (_, i) => ({ id: `r-${tag}-${i}`, topics: names('rt', i, 2) })), { id: `r-${tag}-0` }]),
        (e) => e.code === 'DUPLICATE_ID');
      break;
    default:
      throw new Error(act.kind);
  }
}

/** Names a round of `actions` adds to the core's tables. */
function namesPerRound(actions) {
  let n = 0;
  for (const a of actions) {
    if (a.kind === 'rerank') n += a.n * (a.topics + 1) + 1;
    if (a.kind === 'record') n += a.n * (a.topics + 1) + 3;
    if (a.kind === 'adjust') n += a.n;
  }
  return n;
}

// The facade compacts the name tables past 4,096 names (MIN_NAMES_BEFORE_COMPACTION
// in personalizer.js); enough rounds to pass that several times, so the first
// half already holds full cycles. Every round also reranks a small fresh feed.
const BACKGROUND = { kind: 'rerank', n: 40, topics: 1 };
const COMPACT_AT = 4096;
const roundsFor = (actions) => 2 * Math.ceil(Math.max(60, (4 * COMPACT_AT) / namesPerRound(actions)) / 2);

test('no call sequence grows wasm memory without bound, even with ever-new names', async () => {
  await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 2, maxLength: 4 }), async (actions) => {
    const p = await make({ dim: DIM, config: { maxTopics: 100, maxCreators: 100, maxEvents: 300, maxContexts: 8, maxContextTopics: 20 } });
    actions = [BACKGROUND, ...actions];
    const rounds = roundsFor(actions);
    try {
      const heap = [];
      let memoryAtHalf = 0;
      for (let round = 0; round < rounds; round++) {
        for (const [k, act] of actions.entries()) play(p, act, `${round}.${k}`);
        heap.push(p._memoryStats().heapUsedBytes);
        if (round === rounds / 2) memoryAtHalf = p._memoryStats().memoryBytes;
      }
      const firstHalfPeak = Math.max(...heap.slice(0, rounds / 2));
      const secondHalfPeak = Math.max(...heap.slice(rounds / 2));
      // Steady state: the second half never needs more heap than the first did (plus allocator slack).
      assert.ok(secondHalfPeak <= firstHalfPeak * 1.1 + 512 * 1024,
        `heap peak grew from ${firstHalfPeak} to ${secondHalfPeak} bytes over ${rounds} rounds`);
      assert.ok(p._memoryStats().memoryBytes <= memoryAtHalf * 1.25,
        `wasm memory grew from ${memoryAtHalf} to ${p._memoryStats().memoryBytes} bytes`);
      assert.ok(p._memoryStats().names <= 2 * COMPACT_AT + 2 * namesPerRound(actions), 'the name tables stay bounded');
    } finally {
      p.dispose();
    }
  }), { numRuns: 5 });
});
