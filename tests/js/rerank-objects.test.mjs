// SPDX-License-Identifier: MIT
// The object API of rerank(): items are validated and packed in one pass into
// scratch reused between calls, and each ranked item's `reasons` is built when
// first read. These tests protect what that must not change: results are
// plain data, rankings do not depend on earlier calls, and a rejected call
// changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalrankError } from 'localrank';
import { make, T0 } from './helpers.mjs';

const DIM = 4;

/** A feed with topics in both forms, creators, scores, times and (optionally) embeddings. */
function feed(n, { prefix = 'i', topicsPerItem = 3, embeddings = true } = {}) {
  return Array.from({ length: n }, (_, i) => {
    const topics = {};
    for (let k = 0; k < topicsPerItem; k++) topics[`t${(i * 7 + k * 3) % 40}`] = 0.2 + ((i + k) % 5) / 10;
    const item = {
      id: `${prefix}${i}`, topics: i % 4 === 3 ? Object.keys(topics) : topics, creatorId: `c${i % 9}`,
      serverScore: (n - i) / n, publishedAt: T0 - i * 60_000,
    };
    if (embeddings) item.embedding = [Math.sin(i), Math.cos(i), (i % 3) / 3, 0.5];
    return item;
  });
}

/** A personalizer with a history over the same topics, creators and embeddings. */
async function trained() {
  const p = await make({ dim: DIM });
  p.record(feed(30, { prefix: 'seen' }).map((it, i) => ({
    type: i % 5 === 0 ? 'hide' : 'like', itemId: it.id, topics: it.topics, creatorId: it.creatorId,
    embedding: it.embedding, at: T0 - 3600_000 + i,
  })));
  return p;
}

/** The ranking as plain data, its reasons read right away. */
const plain = (ranked) => JSON.parse(JSON.stringify(ranked));

test('ranked items are plain data: JSON, structuredClone, spread, Object.keys and deep equality all see reasons', async () => {
  const p = await trained();
  const items = feed(40);
  const expected = plain(p.rerank(items));
  assert.ok(expected.every((r) => Array.isArray(r.reasons) && r.reasons.length > 0));

  const cloned = structuredClone(p.rerank(items));
  assert.deepStrictEqual(cloned, expected);
  const spread = p.rerank(items).map((r) => ({ ...r }));
  assert.deepStrictEqual(spread, expected);
  const ranked = p.rerank(items);
  assert.deepStrictEqual(ranked, expected);
  for (const r of p.rerank(items)) {
    assert.equal(Object.getPrototypeOf(r), Object.prototype);
    assert.deepEqual(Object.keys(r), ['id', 'score', 'originalIndex', 'reasons']);
    assert.ok(Object.hasOwn(r, 'reasons') && 'reasons' in r);
  }
  // Every item's reasons are the ones explain() gives, and add up to its score.
  const last = p.rerank(items);
  for (const r of last) {
    const e = p.explain(r.id);
    assert.deepEqual(r.reasons, e.reasons.map(({ kind, label, contribution }) => ({ kind, label, contribution })));
    assert.ok(Math.abs(r.reasons.reduce((s, x) => s + x.contribution, 0) - r.score) < 1e-9);
  }
  p.dispose();
});

test('reasons read like a data property: the same array each time, assignable, and readable on frozen results', async () => {
  const p = await trained();
  const items = feed(12);
  const expected = plain(p.rerank(items));
  const ranked = p.rerank(items);
  assert.equal(ranked[0].reasons, ranked[0].reasons, 'one array, not a new one per read');
  assert.deepEqual(Object.getOwnPropertyDescriptor(ranked[0], 'reasons'),
    { value: ranked[0].reasons, writable: true, enumerable: true, configurable: true }, 'a data property once read');
  ranked[1].reasons = ['mine'];
  assert.deepEqual(ranked[1].reasons, ['mine']);
  Object.freeze(ranked[2]);
  assert.deepStrictEqual(ranked[2].reasons, expected[2].reasons);
  assert.equal(ranked[2].reasons, ranked[2].reasons);
  assert.throws(() => { ranked[2].reasons = []; }, TypeError, 'frozen like a data property');
  const derived = Object.create(ranked[3]);
  assert.deepStrictEqual(derived.reasons, expected[3].reasons, 'inherited like a data property');
  assert.ok(!Object.hasOwn(derived, 'reasons') && Object.hasOwn(ranked[3], 'reasons'));
  p.dispose();
});

test('reading reasons keeps every key where it was, whatever else the app did to the result', async () => {
  const p = await trained();
  const items = feed(12);
  const expected = plain(p.rerank(items));
  const unknown = Array.from({ length: 20 }, (_, i) => ({ id: `new${i}`, topics: { [`unheard-of-${i}`]: 1 } }));
  const ranked = p.rerank([...feed(20), ...unknown], { exploration: 0.5 });
  const explored = ranked.find((r) => 'propensity' in r);
  assert.ok(explored, 'an explored item (propensity comes after reasons)');
  const before = Object.keys(explored);
  assert.ok(Array.isArray(explored.reasons));
  assert.deepEqual(Object.keys(explored), before);
  const again = p.rerank(items);
  // A key the app added after reasons (enumerable, or not) stays after it.
  again[0].seen = true;
  Object.defineProperty(again[1], 'hidden', { value: 1, enumerable: false });
  assert.deepStrictEqual(again[0].reasons, expected[0].reasons);
  assert.deepStrictEqual(again[1].reasons, expected[1].reasons);
  assert.deepEqual(Object.keys(again[0]), ['id', 'score', 'originalIndex', 'reasons', 'seen']);
  assert.deepEqual(Object.getOwnPropertyNames(again[1]), ['id', 'score', 'originalIndex', 'reasons', 'hidden']);
  // A symbol key, which comes after every string key, stays after it too.
  const tag = Symbol('tag');
  again[7][tag] = 1;
  assert.deepStrictEqual(again[7].reasons, expected[7].reasons);
  assert.deepEqual(Reflect.ownKeys(again[7]), ['id', 'score', 'originalIndex', 'reasons', tag]);
  assert.deepEqual(Object.getOwnPropertyDescriptor(again[7], 'reasons'),
    { value: again[7].reasons, writable: true, enumerable: true, configurable: true });
  // A prototype that claims the name (a setter, a read-only property) does not intercept the result's own property.
  let intercepted = 0;
  Object.setPrototypeOf(again[2], { set reasons(v) { intercepted++; } });
  Object.setPrototypeOf(again[3], Object.freeze({ reasons: 'inherited' }));
  Object.setPrototypeOf(again[4], null);
  for (const k of [2, 3, 4]) {
    assert.deepStrictEqual(again[k].reasons, expected[k].reasons);
    assert.deepEqual(Object.getOwnPropertyDescriptor(again[k], 'reasons'),
      { value: again[k].reasons, writable: true, enumerable: true, configurable: true });
    assert.deepEqual(Object.keys(again[k]), ['id', 'score', 'originalIndex', 'reasons']);
  }
  assert.equal(intercepted, 0);
  // Sealed, or only made non-extensible: readable, and the object is not changed.
  Object.seal(again[5]);
  Object.preventExtensions(again[6]);
  for (const k of [5, 6]) {
    assert.deepStrictEqual(again[k].reasons, expected[k].reasons);
    assert.ok(Object.hasOwn(again[k], 'reasons'));
    assert.deepEqual(Object.keys(again[k]), ['id', 'score', 'originalIndex', 'reasons']);
  }
  p.dispose();
});

test('reasons read after later reranks, a compaction, a reset and dispose are those of their own ranking', async () => {
  const p = await trained();
  const twin = await trained();
  const items = feed(25);
  const kept = p.rerank(items);
  const expected = plain(twin.rerank(items));
  // Later calls renumber nothing the kept results depend on.
  p.rerank(feed(60, { prefix: 'other', topicsPerItem: 5 }));
  p.record(Array.from({ length: 5000 }, (_, i) => ({ type: 'click', topics: [`once-${i}`], at: T0 - 10_000 })));
  p.rerank(Array.from({ length: 300 }, (_, i) => ({ id: `n${i}`, topics: [`new-${i}`] })));
  p.record({ type: 'click', topics: ['other'] });
  p.importProfile(p.exportProfile());
  p.dispose();
  assert.deepStrictEqual(plain(kept), expected);
  twin.dispose();
});

test('the ranking does not depend on earlier calls: scratch grown, shrunk and reused', async () => {
  const p = await trained();
  const big = feed(300, { topicsPerItem: 32 });
  const small = feed(7, { topicsPerItem: 1 });
  const fresh = async (items) => { const q = await trained(); const r = plain(q.rerank(items)); q.dispose(); return r; };
  assert.deepStrictEqual(plain(p.rerank(small)), await fresh(small));
  assert.deepStrictEqual(plain(p.rerank(big)), await fresh(big), 'topic scratch grown in the middle of a batch');
  assert.deepStrictEqual(plain(p.rerank(small)), await fresh(small));
  // Embeddings on some items only: the others count as zero vectors, also after a call where all had one.
  const some = feed(20).map((it, i) => (i % 3 === 0 ? { ...it, embedding: undefined } : it));
  const zeros = some.map((it) => (it.embedding === undefined ? { ...it, embedding: [0, 0, 0, 0] } : it));
  p.rerank(feed(20));
  const mixed = plain(p.rerank(some));
  assert.deepStrictEqual(mixed, await fresh(some));
  assert.deepStrictEqual(mixed, await fresh(zeros));
  const none = feed(20, { embeddings: false });
  assert.deepStrictEqual(plain(p.rerank(none)), await fresh(none));
  p.dispose();
});

test('a rejected rerank interns none of the new names it saw before the bad item', async () => {
  const p = await trained();
  const names = p._memoryStats().names;
  const before = JSON.stringify(p.exportProfile());
  const items = [
    { id: 'a', topics: { 'brand-new': 1 }, creatorId: 'new-creator' },
    { id: 'b', topics: ['another-new'] },
    { id: 'c', topics: { cooking: NaN } },
  ];
  assert.throws(() => p.rerank(items), (e) => e instanceof LocalrankError && e.code === 'INVALID_ITEM' && e.field === 'items[2].topics.cooking');
  assert.equal(p._memoryStats().names, names);
  assert.equal(JSON.stringify(p.exportProfile()), before);
  assert.equal(p.rerank(items.slice(0, 2)).length, 2);
  assert.equal(p._memoryStats().names, names + 3);
  p.dispose();
});

test('topic objects are read as Object.keys reads them, whatever their prototype', async () => {
  const p = await trained();
  const items = feed(10);
  const expected = plain(p.rerank(items));
  const rewrap = (proto) => items.map((it) => (Array.isArray(it.topics) ? it : { ...it, topics: Object.assign(Object.create(proto), it.topics) }));
  const withProto = rewrap({ inherited: 1 });
  assert.deepStrictEqual(plain(p.rerank(withProto)), expected, 'inherited topics are ignored');
  const noProto = rewrap(null);
  assert.deepStrictEqual(plain(p.rerank(noProto)), expected);
  // An enumerable property added to Object.prototype is not a topic either.
  Object.defineProperty(Object.prototype, 'polluted', { value: 1, enumerable: true, configurable: true });
  try {
    assert.deepStrictEqual(plain(p.rerank(items)), expected);
  } finally {
    delete Object.prototype.polluted;
  }
  p.dispose();
});

test('errors keep their order and fields: the topic count before a bad name or weight, ids before topics', async () => {
  const p = await make();
  const rejects = (items, code, field, index) => assert.throws(() => p.rerank(items), (e) => {
    assert.ok(e instanceof LocalrankError, String(e));
    assert.deepEqual({ code: e.code, field: e.field, index: e.index }, { code, field, index }, e.message);
    return true;
  });
  const many = (bad) => Object.fromEntries(Array.from({ length: 33 }, (_, k) => [k === 0 ? bad : `t${k}`, k === 1 ? -1 : 1]));
  rejects([{ id: 'a' }, { id: 'b', topics: many('') }], 'LIMIT_EXCEEDED', 'items[1].topics', 1);
  rejects([{ id: 'a', topics: many('ok') }], 'LIMIT_EXCEEDED', 'items[0].topics', 0);
  rejects([{ id: 'a', topics: { x: 1, '': 1 } }], 'INVALID_ITEM', 'items[0].topics', 0);
  rejects([{ id: 'a', topics: { x: 1, 'a\0b': 1 } }], 'INVALID_ITEM', 'items[0].topics', 0);
  rejects([{ id: 'a', topics: { x: 1, ['n'.repeat(129)]: 1 } }], 'LIMIT_EXCEEDED', 'items[0].topics', 0);
  rejects([{ id: 'a', topics: { x: 1, y: -1 } }], 'INVALID_ITEM', 'items[0].topics.y', 0);
  rejects([{ id: 'a', topics: { x: '1' } }], 'INVALID_ITEM', 'items[0].topics.x', 0);
  rejects([{ id: 'a', topics: ['x', 'x', 7] }], 'INVALID_ITEM', 'items[0].topics[2]', 0);
  rejects([{ id: 'a', topics: 'x' }], 'INVALID_ITEM', 'items[0].topics', 0);
  rejects([{ id: 'a', creatorId: '' }], 'INVALID_ITEM', 'items[0].creatorId', 0);
  rejects([{ id: 'a', embedding: [1] }], 'DIMENSION_MISMATCH', 'items[0].embedding', 0);
  rejects([{ id: 'a', topics: { x: -1 }, creatorId: 7, serverScore: NaN }], 'INVALID_ITEM', 'items[0].topics.x', 0);
  rejects([{ id: 'a', creatorId: 7, serverScore: NaN }], 'INVALID_ITEM', 'items[0].creatorId', 0);
  rejects([{ id: 'a', publishedAt: 'x', serverScore: NaN }], 'INVALID_ITEM', 'items[0].publishedAt', 0);
  rejects([{ id: 'x' }, { id: 'y' }, { id: 'x', topics: 'bad' }], 'DUPLICATE_ID', 'items[2].id', 2);
  assert.throws(() => p.rerank([{ id: 'x' }, { id: 'y' }, { id: 'x' }]), /"x" repeats items\[0\]\.id/);
  // Topics named like array indexes or Object.prototype members are ordinary names.
  const odd = [{ id: 'a', topics: { 0: 1, constructor: 1, ['__proto__']: 1, toString: 1 } }, { id: 'b', topics: ['hasOwnProperty', '7'] }];
  p.record({ type: 'like', topics: { constructor: 1, 7: 1, ['__proto__']: 1 } });
  const ranked = p.rerank(odd);
  const liked = (id) => ranked.find((r) => r.id === id).reasons.filter((r) => r.kind === 'topic' && r.contribution > 0).map((r) => r.label).sort();
  assert.deepEqual(liked('a'), ['__proto__', 'constructor']);
  assert.deepEqual(liked('b'), ['7']);
  p.dispose();
});

test('a rerank that compacts the name tables ranks as one that does not', async () => {
  const history = [{ type: 'like', topics: { cooking: 1, travel: 0.5 }, creatorId: 'chef', at: T0 - 5000 }];
  const p = await make();
  p.record(history);
  // Interned by a rerank but never in the profile: the compaction drops them.
  p.rerank(Array.from({ length: 4200 }, (_, i) => ({ id: `x${i}`, topics: [`once-${i}`], creatorId: `cr-${i % 50}` })));
  // New names in the order in which both personalizers give them ids: names seen for the first time (interned
  // after the whole batch is valid), then the ones the compaction dropped (interned again).
  const items = [
    { id: 'a', topics: { cooking: 1, 'brand-new': 0.5 }, creatorId: 'new-creator', serverScore: 0.2 },
    { id: 'b', topics: ['once-5'], creatorId: 'chef', serverScore: 0.9 },
    { id: 'c', topics: { travel: 1, 'once-7': 1 }, creatorId: 'cr-3', serverScore: 0.5 },
  ];
  const names = p._memoryStats().names;
  const ranked = plain(p.rerank(items));
  assert.ok(p._memoryStats().names < names / 2, `compacted in this call: ${names} -> ${p._memoryStats().names}`);
  const q = await make();
  q.record(history);
  assert.deepStrictEqual(ranked, plain(q.rerank(items)));
  assert.deepStrictEqual(p.explain('b'), q.explain('b'));
  p.dispose();
  q.dispose();
});

test('an item getter that calls rerank during validation does not disturb the outer call', async () => {
  const p = await trained();
  const items = feed(15);
  const expected = plain(p.rerank(items));
  const inner = feed(5, { prefix: 'inner' });
  const innerExpected = plain(p.rerank(inner));
  let nested = null;
  const tricky = items.map((it, i) => (i !== 7 ? it : {
    ...it,
    get creatorId() { nested ??= plain(p.rerank(inner)); return it.creatorId; },
  }));
  assert.deepStrictEqual(plain(p.rerank(tricky)), expected);
  assert.deepStrictEqual(nested, innerExpected);
  p.dispose();
});
