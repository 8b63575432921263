// SPDX-License-Identifier: MIT
// The packed fast path (rerankPacked + topicId/creatorId) ranks exactly like
// the object API, validates like it, and never hands out views of wasm memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalrankError } from 'localrank';
import { make, T0 } from './helpers.mjs';
import { rng } from '../../scripts/lib/prng.mjs';

const DIM = 8;

/** A feed of plain items: weighted topics, creators, scores, times, embeddings, some pinned. */
function feed(n, seed = 1, { embeddings = true } = {}) {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const topics = {};
    const k = 1 + Math.floor(r() * 4);
    for (let j = 0; j < k; j++) topics[`t${Math.floor(r() * 20)}`] = Math.round(r() * 100) / 100;
    const item = { id: `item-${seed}-${i}`, topics, serverScore: r() * 10, publishedAt: T0 - Math.floor(r() * 7 * 86400000) };
    if (i % 7 !== 3) item.creatorId = `creator${Math.floor(r() * 30)}`;
    if (i % 50 === 10) item.pinned = true;
    if (embeddings) item.embedding = Array.from({ length: DIM }, () => r() * 2 - 1);
    return item;
  });
}

/** The same feed as typed arrays, with ids from the personalizer. */
function pack(p, items, { embeddings = true } = {}) {
  const n = items.length;
  const offsets = new Int32Array(n + 1);
  const topicIds = [], weights = [];
  const out = {
    ids: items.map((it) => it.id),
    serverScore: new Float64Array(n), publishedAt: new Float64Array(n), creator: new Int32Array(n),
    pinned: new Uint8Array(n), topicOffsets: offsets,
  };
  if (embeddings) out.embeddings = new Float32Array(n * DIM);
  items.forEach((it, i) => {
    for (const [name, w] of Object.entries(it.topics)) { topicIds.push(p.topicId(name)); weights.push(w); }
    offsets[i + 1] = topicIds.length;
    out.serverScore[i] = it.serverScore;
    out.publishedAt[i] = it.publishedAt;
    out.creator[i] = it.creatorId === undefined ? -1 : p.creatorId(it.creatorId);
    out.pinned[i] = it.pinned ? 1 : 0;
    if (embeddings) out.embeddings.set(it.embedding, i * DIM);
  });
  out.topicIds = Int32Array.from(topicIds);
  out.topicWeights = Float32Array.from(weights);
  return out;
}

/** A personalizer with a history over the feed's topics, creators and embeddings. */
async function trained() {
  const p = await make({ dim: DIM });
  const history = feed(300, 99);
  const types = ['click', 'like', 'hide', 'share', 'impression'];
  p.record(history.map((it, i) => ({
    type: types[i % types.length], itemId: it.id, topics: it.topics, creatorId: it.creatorId,
    embedding: it.embedding, at: T0 - (300 - i) * 60000, context: { intent: i % 2 ? 'commute' : 'relax' },
  })));
  return p;
}

function assertSameRanking(objects, packed) {
  assert.deepEqual(Array.from(packed.order), objects.map((r) => r.originalIndex));
  assert.deepEqual(Array.from(packed.score), objects.map((r) => r.score));
  assert.deepEqual(Array.from(packed.propensity), objects.map((r) => r.propensity ?? 1));
}

test('rerankPacked ranks exactly like rerank on the same input (order, scores, propensity)', async () => {
  const p = await trained();
  const items = feed(500, 7);
  for (const options of [{}, { diversity: 0.8, strength: 0.6 }, { context: { intent: 'commute', hour: 8 } }]) {
    assertSameRanking(p.rerank(items, options), p.rerankPacked(pack(p, items), options));
  }
  p.dispose();
});

test('rerankPacked matches rerank without embeddings and with default weights', async () => {
  const p = await trained();
  const items = feed(120, 3, { embeddings: false }).map((it) => ({ ...it, topics: Object.keys(it.topics) }));
  const packed = pack(p, items.map((it) => ({ ...it, topics: Object.fromEntries(it.topics.map((t) => [t, 1])) })), { embeddings: false });
  delete packed.topicWeights;
  assertSameRanking(p.rerank(items), p.rerankPacked(packed));
  p.dispose();
});

test('rerankPacked without ids, scores or times still ranks every item once', async () => {
  const p = await trained();
  const items = feed(40, 5);
  const packed = pack(p, items);
  delete packed.ids; delete packed.serverScore; delete packed.publishedAt; delete packed.creator; delete packed.pinned;
  const got = p.rerankPacked(packed);
  assert.deepEqual(Array.from(got.order).sort((a, b) => a - b), items.map((_, i) => i));
  const plain = items.map(({ id, topics, embedding }) => ({ id, topics, embedding }));
  assertSameRanking(p.rerank(plain), got);
  p.dispose();
});

test('rerankPacked results are caller-owned copies that later calls do not change', async () => {
  const p = await trained();
  const items = feed(200, 11);
  const first = p.rerankPacked(pack(p, items));
  const copy = { order: first.order.slice(), score: first.score.slice() };
  p.rerankPacked(pack(p, feed(3000, 12)));   // large enough to grow wasm memory
  p.rerankPacked(pack(p, feed(5, 13)));
  assert.deepEqual(first.order, copy.order);
  assert.deepEqual(first.score, copy.score);
  assert.notEqual(first.order.buffer.byteLength, 0);
  p.dispose();
});

test('scratch buffers are reused across batch sizes without stale data (small, large, small)', async () => {
  const p = await trained();
  for (const [n, seed] of [[10, 21], [2500, 22], [10, 23], [700, 24]]) {
    const items = feed(n, seed);
    assertSameRanking(p.rerank(items), p.rerankPacked(pack(p, items)));
  }
  p.dispose();
});

test('topicId and creatorId are stable and shared with the object API names', async () => {
  const p = await make();
  const a = p.topicId('sports');
  assert.equal(p.topicId('sports'), a);
  assert.notEqual(p.topicId('cooking'), a);
  p.rerank([{ id: 'x', topics: ['sports', 'new-topic'], creatorId: 'c9' }]);
  assert.equal(p.topicId('sports'), a);
  assert.equal(p.topicId('new-topic'), p.topicId('new-topic'));
  assert.equal(p.creatorId('c9'), p.creatorId('c9'));
  assert.throws(() => p.topicId(''), { code: 'INVALID_ARGUMENT', field: 'topic' });
  assert.throws(() => p.creatorId('x'.repeat(200)), { code: 'LIMIT_EXCEEDED', field: 'creatorId' });
  p.dispose();
});

/** Expects `fn` to throw a LocalrankError with these properties. */
function rejects(fn, { code, field, index }) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof LocalrankError, `expected LocalrankError, got ${e}`);
    assert.equal(e.code, code);
    assert.equal(e.field, field);
    if (index !== undefined) assert.equal(e.index, index);
    assert.ok(e.message.includes(field), e.message);
    return true;
  });
}

test('bad packed input is rejected with the object API codes and fields, and changes nothing', async () => {
  const p = await trained();
  const items = feed(20, 31);
  const good = pack(p, items);
  const before = p.rerankPacked(good);
  const bad = (patch) => ({ ...pack(p, items), ...patch });

  rejects(() => p.rerankPacked(bad({ ids: good.ids.map((id, i) => (i === 4 ? good.ids[2] : id)) })), { code: 'DUPLICATE_ID', field: 'items[4].id', index: 4 });
  rejects(() => p.rerankPacked(bad({ ids: good.ids.map((id, i) => (i === 3 ? '' : id)) })), { code: 'INVALID_ITEM', field: 'items[3].id', index: 3 });
  rejects(() => p.rerankPacked(bad({ serverScore: good.serverScore.map((v, i) => (i === 5 ? Infinity : v)) })), { code: 'INVALID_ITEM', field: 'items[5].serverScore', index: 5 });
  rejects(() => p.rerankPacked(bad({ publishedAt: good.publishedAt.map((v, i) => (i === 6 ? -Infinity : v)) })), { code: 'INVALID_ITEM', field: 'items[6].publishedAt', index: 6 });
  rejects(() => p.rerankPacked(bad({ creator: good.creator.map((v, i) => (i === 7 ? 9999 : v)) })), { code: 'INVALID_ITEM', field: 'items[7].creatorId', index: 7 });
  rejects(() => p.rerankPacked(bad({ topicIds: good.topicIds.map((v, k) => (k === good.topicOffsets[8] ? 12345 : v)) })), { code: 'INVALID_ITEM', field: 'items[8].topics', index: 8 });
  const w = good.topicWeights.slice(); w[good.topicOffsets[9]] = NaN;
  rejects(() => p.rerankPacked(bad({ topicWeights: w })), { code: 'INVALID_ITEM', index: 9, field: `items[9].topics.${Object.keys(items[9].topics)[0]}` });
  const e = good.embeddings.slice(); e[10 * DIM + 2] = NaN;
  rejects(() => p.rerankPacked(bad({ embeddings: e })), { code: 'INVALID_ITEM', field: 'items[10].embedding[2]', index: 10 });
  rejects(() => p.rerankPacked(bad({ embeddings: new Float32Array(20 * DIM - 1) })), { code: 'DIMENSION_MISMATCH', field: 'embeddings' });
  rejects(() => p.rerankPacked(bad({ serverScore: new Float64Array(19) })), { code: 'INVALID_ARGUMENT', field: 'serverScore' });
  rejects(() => p.rerankPacked(bad({ pinned: new Uint8Array(20).fill(2) })), { code: 'INVALID_ITEM', field: 'items[0].pinned', index: 0 });
  const offsets = good.topicOffsets.slice(); offsets[12] = offsets[11] - 1;
  rejects(() => p.rerankPacked(bad({ topicOffsets: offsets })), { code: 'INVALID_ARGUMENT', field: 'topicOffsets' });
  const many = new Int32Array(34); many.forEach((_, k) => { many[k] = k; });
  for (let k = 0; k < 34; k++) p.topicId(`extra${k}`);
  rejects(() => p.rerankPacked({ topicOffsets: Int32Array.of(0, 34), topicIds: many.map((_, k) => p.topicId(`extra${k}`)) }), { code: 'LIMIT_EXCEEDED', field: 'items[0].topics', index: 0 });
  const twice = p.topicId('t1');
  rejects(() => p.rerankPacked({ topicOffsets: Int32Array.of(0, 2), topicIds: Int32Array.of(twice, twice) }), { code: 'INVALID_ITEM', field: 'items[0].topics', index: 0 });
  rejects(() => p.rerankPacked({ topicOffsets: new Int32Array(10002), topicIds: new Int32Array(0) }), { code: 'LIMIT_EXCEEDED', field: 'items' });
  rejects(() => p.rerankPacked(good, { diversity: 2 }), { code: 'INVALID_ARGUMENT', field: 'options.diversity' });
  assert.throws(() => p.rerankPacked({ ...good, serverScore: Array.from(good.serverScore) }), TypeError);
  assert.throws(() => p.rerankPacked({ topicIds: good.topicIds }), TypeError);
  assert.throws(() => p.rerankPacked(null), TypeError);

  // A rejected call changed nothing, and stale duplicate-check stamps do not leak into the next call.
  const after = p.rerankPacked(good);
  assert.deepEqual(after.order, before.order);
  assert.deepEqual(after.score, before.score);
  p.dispose();
});

test('embeddings in a packed batch are refused when the personalizer has no dim', async () => {
  const p = await make();
  rejects(() => p.rerankPacked({ topicOffsets: Int32Array.of(0, 0), topicIds: new Int32Array(0), embeddings: new Float32Array(4) }), { code: 'DIMENSION_MISMATCH', field: 'embeddings' });
  p.dispose();
});

test('rerankPacked, topicId and creatorId throw DISPOSED after dispose', async () => {
  const p = await make();
  p.dispose();
  assert.throws(() => p.rerankPacked({ topicOffsets: Int32Array.of(0), topicIds: new Int32Array(0) }), { code: 'DISPOSED' });
  assert.throws(() => p.topicId('a'), { code: 'DISPOSED' });
  assert.throws(() => p.creatorId('a'), { code: 'DISPOSED' });
});

test('an empty packed batch gives an empty ranking', async () => {
  const p = await make();
  const got = p.rerankPacked({ topicOffsets: Int32Array.of(0), topicIds: new Int32Array(0) });
  assert.equal(got.order.length, 0);
  assert.equal(got.score.length, 0);
  p.dispose();
});

test('explain() describes a packed ranking when the batch names its items, and nothing when it does not', async () => {
  const p = await trained();
  const items = feed(60, 41);
  const packed = pack(p, items);
  const got = p.rerankPacked(packed);
  const top = items[got.order[0]].id;
  const e = p.explain(top);
  assert.equal(e.rank, 0);
  assert.equal(e.score, got.score[0]);
  assert.ok(Math.abs(e.reasons.reduce((s, r) => s + r.contribution, 0) - e.score) < 1e-9);
  delete packed.ids;
  p.rerankPacked(packed);
  assert.equal(p.explain(top), null);
  p.dispose();
});

test('rerankPacked ranks like rerank with topK', async () => {
  const p = await trained();
  const items = feed(300, 12);
  for (const topK of [1, 20, 50]) assertSameRanking(p.rerank(items, { topK }), p.rerankPacked(pack(p, items), { topK }));
  p.dispose();
});

test('ids reused from the last call are trusted only while every entry is the same', async () => {
  const p = await trained();
  const items = feed(30, 5);
  const good = pack(p, items);
  const before = p.rerankPacked(good);
  // The same array, changed in place after it passed: checked again.
  const saved = good.ids[4];
  good.ids[4] = good.ids[2];
  rejects(() => p.rerankPacked(good), { code: 'DUPLICATE_ID', field: 'items[4].id', index: 4 });
  good.ids[4] = saved;
  // A call that failed part-way through the ids leaves no trusted ids behind.
  rejects(() => p.rerankPacked({ ...good, ids: good.ids.map((id, i) => (i === 20 ? '' : id)) }), { code: 'INVALID_ITEM', field: 'items[20].id', index: 20 });
  rejects(() => p.rerankPacked({ ...good, ids: good.ids.map((id, i) => (i === 20 ? good.ids[0] : id)) }), { code: 'DUPLICATE_ID', field: 'items[20].id', index: 20 });
  // Equal strings that are other objects are the same ids.
  const copies = good.ids.map((id) => `${id.slice(0, 1)}${id.slice(1)}`);
  for (const ids of [good.ids, copies, good.ids]) {
    const got = p.rerankPacked({ ...good, ids });
    assert.deepEqual(got.order, before.order);
    assert.deepEqual(got.score, before.score);
    assert.equal(p.explain(items[got.order[0]].id)?.rank, 0);
  }
  p.dispose();
});

test('a packed batch refused for a non-finite embedding interns nothing', async () => {
  const p = await trained();
  const good = pack(p, feed(12, 8));
  const names = p._memoryStats().names;
  const e = good.embeddings.slice(); e[5 * DIM + 7] = Infinity;
  rejects(() => p.rerankPacked({ ...good, embeddings: e }, { context: { intent: 'never-seen-before' } }),
    { code: 'INVALID_ITEM', field: 'items[5].embedding[7]', index: 5 });
  assert.equal(p._memoryStats().names, names);
  p.rerankPacked(good, { context: { intent: 'never-seen-before' } });
  assert.equal(p._memoryStats().names, names + 1);
  p.dispose();
});

test('explain() after rerankPacked gives that ranking\'s reasons, also after later calls that did not replace it', async () => {
  const p = await trained();
  const items = feed(60, 21);
  const packed = pack(p, items);
  const objects = p.rerank(items);
  const got = p.rerankPacked(packed);
  const id = items[got.order[7]].id;
  const want = objects.find((r) => r.id === id);
  // Calls that leave the last ranking in place: record, and reranks that fail.
  p.record({ type: 'click', itemId: 'elsewhere', topics: { t3: 1 }, at: T0 });
  const e = packed.embeddings.slice(); e[3] = NaN;
  rejects(() => p.rerankPacked({ ...packed, embeddings: e }), { code: 'INVALID_ITEM', field: 'items[0].embedding[3]', index: 0 });
  assert.throws(() => p.rerank([{ id: 'x' }, { id: 'x' }]), { code: 'DUPLICATE_ID' });
  const why = p.explain(id);
  assert.equal(why?.rank, 7);
  assert.equal(why.score, want.score);
  assert.deepEqual(why.reasons.map((r) => [r.kind, r.contribution]), want.reasons.map((r) => [r.kind, r.contribution]));
  // A packed batch without ids has no identities: nothing to explain.
  p.rerankPacked({ ...packed, ids: undefined });
  assert.equal(p.explain(id), null);
  p.dispose();
});
