// SPDX-License-Identifier: MIT
// Hostile input at the public API: huge strings and batches, NaN and Infinity
// in every numeric field, sparse arrays, hand-edited and oversized profiles.
// Every case must throw a typed error quickly (a hang fails the test's
// timeout), and leave the exported profile byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalrankError, ErrorCode, LIMITS, createPersonalizer } from 'localrank';
import { make, FEED, T0 } from './helpers.mjs';

const MB50 = 'x'.repeat(50 * 1024 * 1024);
const TIMEOUT = { timeout: 60_000 };

/** A personalizer with some history and dim 3, and its export as text. */
async function seeded() {
  const p = await make({ dim: 3 });
  p.record([
    { type: 'like', topics: { cooking: 1 }, creatorId: 'c1', context: { intent: 'commute' }, embedding: [1, 0, 0], at: T0 - 5000 },
    { type: 'hide', topics: ['sports'], at: T0 - 4000 },
  ]);
  p.adjust({ topic: 'travel', preference: 'more' });
  return { p, before: JSON.stringify(p.exportProfile()) };
}

/**
 * Asserts `call` throws a LocalrankError with `code` (and `field` when given)
 * and that the profile did not change.
 */
function rejects(p, before, call, code, field) {
  assert.throws(call, (e) => {
    assert.ok(e instanceof LocalrankError, `expected LocalrankError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.equal(e.field, field, e.message);
    assert.ok(e.message.length < 300, 'the message does not echo huge input');
    return true;
  });
  assert.equal(JSON.stringify(p.exportProfile()), before);
}

test('every stable error code of the issue exists', () => {
  for (const code of ['INVALID_ITEM', 'DUPLICATE_ID', 'DIMENSION_MISMATCH', 'LIMIT_EXCEEDED', 'CORRUPT_PROFILE',
    'NOT_CONSENTED', 'BUDGET_EXHAUSTED', 'DISPOSED']) {
    assert.equal(ErrorCode[code], code);
  }
});

test('10,000 items with the same id fail at index 1 with DUPLICATE_ID', TIMEOUT, async () => {
  const { p, before } = await seeded();
  const items = Array.from({ length: 10_000 }, () => ({ id: 'same', topics: ['cooking'] }));
  rejects(p, before, () => p.rerank(items), 'DUPLICATE_ID', 'items[1].id');
  p.dispose();
});

test('batches over the limits fail with LIMIT_EXCEEDED before any item is read', TIMEOUT, async () => {
  const { p, before } = await seeded();
  const many = new Array(LIMITS.maxItemsPerCall + 1).fill(null);
  rejects(p, before, () => p.rerank(many), 'LIMIT_EXCEEDED', 'items');
  rejects(p, before, () => p.record(new Array(LIMITS.maxEventsPerCall + 1).fill({ type: 'click' })), 'LIMIT_EXCEEDED', 'events');
  const topics = Array.from({ length: LIMITS.maxTopicsPerItem + 1 }, (_, i) => `t${i}`);
  rejects(p, before, () => p.rerank([{ id: 'a', topics }]), 'LIMIT_EXCEEDED', 'items[0].topics');
  rejects(p, before, () => p.record({ type: 'click', topics }), 'LIMIT_EXCEEDED', 'event.topics');
  p.dispose();
});

test('a 50 MB string as id, topic, creator or context fails with LIMIT_EXCEEDED', TIMEOUT, async () => {
  const { p, before } = await seeded();
  rejects(p, before, () => p.rerank([{ id: MB50 }]), 'LIMIT_EXCEEDED', 'items[0].id');
  rejects(p, before, () => p.rerank([{ id: 'a', topics: [MB50] }]), 'LIMIT_EXCEEDED', 'items[0].topics[0]');
  rejects(p, before, () => p.rerank([{ id: 'a', topics: { [MB50]: 1 } }]), 'LIMIT_EXCEEDED', 'items[0].topics');
  rejects(p, before, () => p.rerank([{ id: 'a', creatorId: MB50 }]), 'LIMIT_EXCEEDED', 'items[0].creatorId');
  rejects(p, before, () => p.rerank(FEED, { context: { intent: MB50 } }), 'LIMIT_EXCEEDED', 'options.context.intent');
  rejects(p, before, () => p.record({ type: 'click', itemId: MB50 }), 'LIMIT_EXCEEDED', 'event.itemId');
  rejects(p, before, () => p.record({ type: 'follow', creatorId: MB50 }), 'LIMIT_EXCEEDED', 'event.creatorId');
  rejects(p, before, () => p.adjust({ topic: MB50, preference: 'more' }), 'LIMIT_EXCEEDED', 'adjust.topic');
  p.dispose();
});

const NON_FINITE = [NaN, Infinity, -Infinity];

test('NaN and Infinity are rejected in every numeric item and event field', async () => {
  const { p, before } = await seeded();
  for (const x of NON_FINITE) {
    rejects(p, before, () => p.rerank([{ id: 'a' }, { id: 'b', serverScore: x }]), 'INVALID_ITEM', 'items[1].serverScore');
    rejects(p, before, () => p.rerank([{ id: 'a', publishedAt: x }]), 'INVALID_ITEM', 'items[0].publishedAt');
    rejects(p, before, () => p.rerank([{ id: 'a', topics: { cooking: x } }]), 'INVALID_ITEM', 'items[0].topics.cooking');
    rejects(p, before, () => p.rerank([{ id: 'a', embedding: [0, x, 0] }]), 'INVALID_ITEM', 'items[0].embedding[1]');
    rejects(p, before, () => p.rerank([{ id: 'a', embedding: new Float32Array([x, 0, 0]) }]), 'INVALID_ITEM', 'items[0].embedding[0]');
    rejects(p, before, () => p.record({ type: 'click', at: x }), 'INVALID_EVENT', 'event.at');
    rejects(p, before, () => p.record({ type: 'dwell', dwellMs: x }), 'INVALID_EVENT', 'event.dwellMs');
    rejects(p, before, () => p.record({ type: 'dwell', dwellMs: 10, expectedMs: x }), 'INVALID_EVENT', 'event.expectedMs');
    rejects(p, before, () => p.record({ type: 'click', topics: { a: x } }), 'INVALID_EVENT', 'event.topics.a');
    rejects(p, before, () => p.record({ type: 'click', embedding: [x, 0, 0] }), 'INVALID_EVENT', 'event.embedding[0]');
    for (const option of ['strength', 'diversity', 'exploration']) {
      rejects(p, before, () => p.rerank(FEED, { [option]: x }), 'INVALID_ARGUMENT', `options.${option}`);
    }
    rejects(p, before, () => p.rerank(FEED, { context: { hour: x } }), 'INVALID_ARGUMENT', 'options.context.hour');
  }
  p.dispose();
});

test('numbers beyond float32 in embeddings and topic weights are rejected, not turned into Infinity', async () => {
  const { p, before } = await seeded();
  rejects(p, before, () => p.rerank([{ id: 'a', embedding: [1e39, 0, 0] }]), 'INVALID_ITEM', 'items[0].embedding[0]');
  rejects(p, before, () => p.rerank([{ id: 'a', topics: { cooking: 1e39 } }]), 'INVALID_ITEM', 'items[0].topics.cooking');
  rejects(p, before, () => p.record({ type: 'like', embedding: [0, -1e39, 0] }), 'INVALID_EVENT', 'event.embedding[1]');
  p.dispose();
});

test('a bad embedding number is named by its index wherever it is (the reader takes four at a time)', async () => {
  const dim = 10;
  const p = await make({ dim });
  p.record({ type: 'like', topics: { cooking: 1 }, embedding: Array.from({ length: dim }, (_, k) => k / dim), at: T0 - 5000 });
  const before = JSON.stringify(p.exportProfile());
  const good = () => Array.from({ length: dim }, (_, k) => (k + 1) / dim);
  const bad = [NaN, Infinity, -1e39, '0.5', null, undefined, 1n];
  for (let k = 0; k < dim; k++) {
    for (const x of bad) {
      const e = good();
      e[k] = x;
      rejects(p, before, () => p.rerank([{ id: 'a', embedding: good() }, { id: 'b', embedding: e }]), 'INVALID_ITEM',
        `items[1].embedding[${k}]`);
    }
    // The first bad number is named, also when a later one in the same four is bad too.
    const two = good();
    two[k] = NaN;
    two[Math.min(dim - 1, k + 1)] = NaN;
    rejects(p, before, () => p.rerank([{ id: 'a', embedding: two }]), 'INVALID_ITEM', `items[0].embedding[${k}]`);
    const f32 = new Float32Array(good());
    f32[k] = NaN;
    rejects(p, before, () => p.rerank([{ id: 'a', embedding: f32 }]), 'INVALID_ITEM', `items[0].embedding[${k}]`);
  }
  // A hole reads as undefined.
  const holey = good();
  delete holey[5];
  rejects(p, before, () => p.rerank([{ id: 'a', embedding: holey }]), 'INVALID_ITEM', 'items[0].embedding[5]');
  // Every number in float32 range is taken as given (rounded to float32), at every index.
  const edge = good();
  edge[3] = -3.4028234663852886e38;
  edge[8] = 3.4028234663852886e38;
  assert.equal(p.rerank([{ id: 'a', embedding: edge }, { id: 'b', embedding: good() }]).length, 2);
  p.dispose();
});

test('a clock returning NaN or Infinity is refused before anything changes', async () => {
  let now = T0;
  const p = await createPersonalizer({ now: () => now, consent: { personalization: true }, autosaveMs: 0 });
  p.record({ type: 'like', topics: ['cooking'] });
  const before = JSON.stringify(p.exportProfile());
  for (const x of NON_FINITE) {
    now = x;
    assert.throws(() => p.record({ type: 'like', topics: ['cooking'] }), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.now');
    assert.throws(() => p.rerank(FEED), (e) => e.code === 'INVALID_ARGUMENT');
  }
  now = T0;
  assert.equal(JSON.stringify(p.exportProfile()), before);
  p.dispose();
});

test('NaN or Infinity in config is refused at creation instead of silently meaning "default"', async () => {
  for (const x of NON_FINITE) {
    await assert.rejects(createPersonalizer({ config: { longHalfLifeMs: x } }),
      (e) => e instanceof LocalrankError && e.code === 'INVALID_ARGUMENT' && e.field === 'config.longHalfLifeMs');
    await assert.rejects(createPersonalizer({ config: { eventWeights: { like: x } } }),
      (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'config.eventWeights.like');
  }
  await assert.rejects(createPersonalizer({ config: [] }), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.config');
});

test('a huge unknown key: refused in options (the message does not echo it), ignored quickly on items and events', TIMEOUT, async () => {
  const { p, before } = await seeded();
  rejects(p, before, () => p.rerank(FEED, { [MB50]: 1 }), 'INVALID_ARGUMENT', `options.${'x'.repeat(64)}...`);
  await assert.rejects(createPersonalizer({ [MB50]: 1 }), (e) => e.code === 'INVALID_ARGUMENT' && e.message.length < 300);
  assert.equal(p.rerank([{ id: 'a', [MB50]: 1 }]).length, 1);
  assert.equal(p.record({ type: 'like', topics: ['x'], [MB50]: 1 }), 1);
  p.dispose();
});

test('holes in sparse arrays are errors, not skipped entries', async () => {
  const { p, before } = await seeded();
  // eslint-disable-next-line no-sparse-arrays
  rejects(p, before, () => p.rerank([{ id: 'a' }, , { id: 'c' }]), 'INVALID_ITEM', 'items[1]');
  // eslint-disable-next-line no-sparse-arrays
  rejects(p, before, () => p.record([{ type: 'click', itemId: 'a' }, , { type: 'click', itemId: 'c' }]), 'INVALID_EVENT', 'events[1]');
  // eslint-disable-next-line no-sparse-arrays
  rejects(p, before, () => p.rerank([{ id: 'a', topics: ['x', , 'y'] }]), 'INVALID_ITEM', 'items[0].topics[1]');
  rejects(p, before, () => p.rerank(new Array(3)), 'INVALID_ITEM', 'items[0]');
  p.dispose();
});

test('an event stamped in the far future is refused: it would never decay or expire', async () => {
  const { p, before } = await seeded();
  rejects(p, before, () => p.record({ type: 'like', topics: ['x'], at: 1e300 }), 'INVALID_EVENT', 'event.at');
  rejects(p, before, () => p.record({ type: 'like', topics: ['x'], at: T0 + 400 * 86400e3 }), 'INVALID_EVENT', 'event.at');
  assert.equal(p.record({ type: 'like', topics: ['x'], at: T0 + 60e3 }), 1, 'small clock skew is fine');
  p.dispose();
});

test('wrong types in every position give typed errors naming the field', async () => {
  const { p, before } = await seeded();
  rejects(p, before, () => p.rerank([{ id: 42 }]), 'INVALID_ITEM', 'items[0].id');
  rejects(p, before, () => p.rerank([{ id: 'a', pinned: 'yes' }]), 'INVALID_ITEM', 'items[0].pinned');
  rejects(p, before, () => p.rerank([{ id: 'a', embedding: 'abc' }]), 'INVALID_ITEM', 'items[0].embedding');
  rejects(p, before, () => p.rerank([{ id: 'a', embedding: [1, 2] }]), 'DIMENSION_MISMATCH', 'items[0].embedding');
  rejects(p, before, () => p.rerank([{ id: 'a', topics: ['a\0b'] }]), 'INVALID_ITEM', 'items[0].topics[0]');
  rejects(p, before, () => p.record({ type: 'click', context: 'morning' }), 'INVALID_EVENT', 'event.context');
  rejects(p, before, () => p.record({ type: 'click', context: { hour: 24 } }), 'INVALID_EVENT', 'event.context.hour');
  rejects(p, before, () => p.record({ type: { toString: () => 'click' } }), 'INVALID_EVENT', 'event.type');
  rejects(p, before, () => p.adjust({ topic: 'x', preference: 'always' }), 'INVALID_ARGUMENT', 'adjust.preference');
  p.dispose();
});

test('names with a lone surrogate are refused: in the core (UTF-8) two of them would become one name', async () => {
  const { p, before } = await seeded();
  const lone = ['ab\uD800', 'ab\uDFFF', '\uDC00x', 'x\uD83Dy'];
  for (const name of lone) {
    rejects(p, before, () => p.rerank([{ id: 'a', topics: [name] }]), 'INVALID_ITEM', 'items[0].topics[0]');
    rejects(p, before, () => p.rerank([{ id: 'a', topics: { [name]: 1 } }]), 'INVALID_ITEM', 'items[0].topics');
    rejects(p, before, () => p.rerank([{ id: 'a', creatorId: name }]), 'INVALID_ITEM', 'items[0].creatorId');
    rejects(p, before, () => p.record({ type: 'click', topics: { [name]: 1 } }), 'INVALID_EVENT', 'event.topics');
    rejects(p, before, () => p.record({ type: 'click', creatorId: name }), 'INVALID_EVENT', 'event.creatorId');
    rejects(p, before, () => p.rerank([{ id: 'a' }], { context: { intent: name } }), 'INVALID_ARGUMENT', 'options.context.intent');
    rejects(p, before, () => p.topicId(name), 'INVALID_ARGUMENT', 'topic');
  }
  // A well-formed pair (an emoji) is a name like any other, and round-trips.
  p.record({ type: 'like', topics: { 'food \uD83C\uDF5C': 1 }, at: T0 - 1000 });
  assert.ok(p.exportProfile().topics.some((t) => t.name === 'food \uD83C\uDF5C'));
  p.dispose();
});

test('item ids may hold a lone surrogate, and ids differing only there are different items', async () => {
  const p = await make();
  p.record({ type: 'click', itemId: 'ab\uD800', topics: { x: 1 }, at: T0 - 1000 });
  const ranked = p.rerank([{ id: 'ab\uD800', topics: { x: 1 } }, { id: 'ab\uD801', topics: { x: 1 } }, { id: 'ab\uFFFD', topics: { x: 1 } }]);
  const having = (kind) => ranked.filter((r) => r.reasons.some((x) => x.kind === kind)).map((r) => r.id);
  // Hashed as U+FFFD (what UTF-8 makes of a lone surrogate), all three had one key:
  // the core took the second and third for repeats of the first.
  assert.deepEqual(having('duplicate'), []);
  assert.deepEqual(having('seen'), ['ab\uD800']);
  p.dispose();
});

test('a 50 MB profile is refused before it is copied into wasm memory', TIMEOUT, async () => {
  const { p, before } = await seeded();
  const grown = p._memoryStats().memoryBytes;
  const huge = `{"schema":"localrank.profile","version":2,"topics":[],"creators":[],"pad":"${MB50}"}`;
  rejects(p, before, () => p.importProfile(huge), 'LIMIT_EXCEEDED', 'profile');
  rejects(p, before, () => p.importProfile({ schema: 'localrank.profile', version: 2, topics: [], creators: [], pad: MB50 }), 'LIMIT_EXCEEDED', 'profile');
  // Multi-byte characters count in UTF-8 bytes, as the core counts them.
  const wide = 'é'.repeat(LIMITS.maxProfileBytes / 2 + 1);
  rejects(p, before, () => p.importProfile(`{"pad":"${wide}"}`), 'LIMIT_EXCEEDED', 'profile');
  assert.equal(p._memoryStats().memoryBytes, grown, 'wasm memory did not grow');
  p.dispose();
});

test('deeply nested and cyclic profiles fail with CORRUPT_PROFILE', TIMEOUT, async () => {
  const { p, before } = await seeded();
  rejects(p, before, () => p.importProfile('['.repeat(5_000_000)), 'CORRUPT_PROFILE', 'profile');
  rejects(p, before, () => p.importProfile(`{"schema":"localrank.profile","version":2,"topics":${'['.repeat(100)}${']'.repeat(100)}}`), 'CORRUPT_PROFILE');
  let deep = {};
  for (let i = 0; i < 1_000_000; i++) deep = { a: deep };
  rejects(p, before, () => p.importProfile(deep), 'CORRUPT_PROFILE', 'profile');
  const cyclic = { schema: 'localrank.profile', version: 2 };
  cyclic.self = cyclic;
  rejects(p, before, () => p.importProfile(cyclic), 'CORRUPT_PROFILE', 'profile');
  assert.throws(() => p.importProfile(42), TypeError);
  assert.equal(JSON.stringify(p.exportProfile()), before);
  p.dispose();
});

test('hand-edited profiles with bad values fail with CORRUPT_PROFILE naming the field', async () => {
  const { p, before } = await seeded();
  const good = JSON.parse(before);
  const edits = [
    [(j) => { j.topics[0].long = 'NaN'; }, 'profile.topics[0]'],
    [(j) => { j.topics[0].events = -1; }, 'profile.topics[0]'],
    [(j) => { j.topics[0].name = ''; }, 'profile.topics[0]'],
    [(j) => { j.topics[0].name = 'n'.repeat(LIMITS.maxNameLength + 1); }, 'profile.topics[0]'],
    [(j) => { j.creators = {}; }, 'profile.creators'],
    [(j) => { j.totalEvents = 1e300; }, 'profile.totalEvents'],
    [(j) => { j.lastEventAt = -1; }, 'profile.lastEventAt'],
    [(j) => { j.version = 5; }, 'profile.version'],
    [(j) => { j.version = 1.5; }, 'profile.version'],
    [(j) => { j.events[0].type = 'wink'; }, 'profile.events[0]'],
    [(j) => { j.preferences.topics.travel = 'always'; }, 'profile.preferences.topics.travel'],
    [(j) => { j.userVector.values[0] = null; }, 'profile.userVector.values'],
    [(j) => { j.contexts[0].weight = null; }, 'profile.contexts[0]'],
    [(j) => { j.rates[0].shown = -1; }, 'profile.rates[0].shown'],
    [(j) => { j.rates[0].engaged = 'lots'; }, 'profile.rates[0].engaged'],
    [(j) => { j.rates = Array.from({ length: 501 }, (_, i) => ({ ...good.rates[0], name: `t${i}` })); }, 'profile.rates'],
    [(j) => { j.topics = Array.from({ length: 501 }, (_, i) => ({ ...good.topics[0], name: `t${i}` })); }, 'profile.topics'],
  ];
  for (const [edit, field] of edits) {
    const j = structuredClone(good);
    edit(j);
    rejects(p, before, () => p.importProfile(j), 'CORRUPT_PROFILE', field);
  }
  p.dispose();
});

test('after dispose every method throws DISPOSED, including flush and the controls', async () => {
  const { p } = await seeded();
  p.dispose();
  const calls = [
    () => p.rerank(FEED), () => p.record({ type: 'click' }), () => p.profile(), () => p.exportProfile(),
    () => p.importProfile({}), () => p.adjust({ topic: 'x', preference: 'more' }),
  ];
  for (const call of calls) assert.throws(call, (e) => e instanceof LocalrankError && e.code === 'DISPOSED');
  await assert.rejects(p.flush(), (e) => e.code === 'DISPOSED');
});

test('explain() after a name-table compaction still names the right topics and creators', async () => {
  const p = await make();
  // 4,000 one-off topics, then the ones explained below (high ids), staying under the 4,096-name threshold.
  p.record([
    ...Array.from({ length: 4000 }, (_, i) => ({ type: 'click', topics: [`once-${i}`], at: T0 - 10_000 })),
    { type: 'like', topics: { fresh: 1 }, creatorId: 'freshchef', at: T0 - 5000 },
  ]);
  // The explained rerank crosses the threshold, so the next call compacts and renumbers.
  p.rerank([{ id: 'a', topics: { fresh: 1 }, creatorId: 'freshchef' },
    ...Array.from({ length: 200 }, (_, i) => ({ id: `x${i}`, topics: [`feed-${i}`] }))]);
  const before = p.explain('a');
  assert.ok(before.reasons.some((r) => r.label === 'fresh') && before.reasons.some((r) => r.label === 'freshchef'), JSON.stringify(before));
  const namesBefore = p._memoryStats().names;
  p.record({ type: 'click', topics: ['other'] });
  assert.ok(p._memoryStats().names < namesBefore / 2, `names were compacted: ${namesBefore} -> ${p._memoryStats().names}`);
  assert.deepEqual(p.explain('a'), before);
  p.dispose();
});

test('ids handed out by topicId()/creatorId() stay valid: the tables are then never compacted', async () => {
  const p = await make();
  const chef = p.creatorId('chef');
  p.rerank(Array.from({ length: 5000 }, (_, i) => ({ id: `x${i}`, topics: [`once-${i}`] })));
  const cooking = p.topicId('cooking');
  p.record({ type: 'click', topics: ['other'] });
  p.rerank([{ id: 'a', topics: ['more'] }]);
  assert.ok(p._memoryStats().names > 5000, 'not compacted');
  assert.equal(p.topicId('cooking'), cooking);
  assert.equal(p.creatorId('chef'), chef);
  p.dispose();
});
