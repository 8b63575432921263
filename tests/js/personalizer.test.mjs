// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalrankError } from 'localrank';
import { make, FEED, ids, T0 } from './helpers.mjs';

test('cold start returns the server order', async () => {
  const p = await make();
  assert.deepEqual(ids(p.rerank(FEED)), ['a', 'b', 'c', 'd', 'e']);
  p.dispose();
});

test('cooking clicks raise cooking items in the next rerank', async () => {
  const p = await make();
  const before = ids(p.rerank(FEED)).indexOf('c');
  p.record({ type: 'click', itemId: 'x1', topics: { cooking: 1 }, at: T0 - 1000 });
  const after = ids(p.rerank(FEED)).indexOf('c');
  assert.ok(after < before, `cooking item moved from ${before} to ${after}`);
  p.dispose();
});

test('older clicks count less than recent ones by the half-life', async () => {
  const halfLife = 24 * 3600 * 1000;
  const p = await make({ config: { longHalfLifeMs: halfLife, shortTermShare: 0 } });
  p.record([
    { type: 'click', topics: { old: 1 }, at: T0 - halfLife },
    { type: 'click', topics: { recent: 1 }, at: T0 },
  ]);
  const topics = Object.fromEntries(p.profile().topics.map((t) => [t.name, t.weight]));
  assert.ok(Math.abs(topics.recent / topics.old - 2) < 1e-9, JSON.stringify(topics));
  p.dispose();
});

test('strength 0 is the identity, whatever the profile', async () => {
  const p = await make();
  p.record({ type: 'share', topics: ['travel'], creatorId: 'c4' });
  const ranked = p.rerank(FEED, { strength: 0 });
  assert.deepEqual(ids(ranked), ids(FEED));
  assert.deepEqual(ranked.map((r) => r.originalIndex), [0, 1, 2, 3, 4]);
  assert.equal(ranked[0].reasons[0].kind, 'notPersonalized');
  p.dispose();
});

test('same seed and clock give the same output', async () => {
  const run = async () => {
    const p = await make({ seed: 9 });
    p.record({ type: 'like', topics: { cooking: 1 }, creatorId: 'c5' });
    const r = p.rerank(FEED);
    p.dispose();
    return r;
  };
  assert.deepEqual(await run(), await run());
});

test('reasons add up to the score and name topics and creators', async () => {
  const p = await make();
  p.record({ type: 'like', topics: { cooking: 1 }, creatorId: 'c5' });
  for (const r of p.rerank(FEED.map((it) => ({ ...it, publishedAt: T0 - 3600e3 })))) {
    const sum = r.reasons.reduce((s, x) => s + x.contribution, 0);
    assert.ok(Math.abs(sum - r.score) < 1e-9, `${r.id}: ${sum} vs ${r.score}`);
  }
  const e = p.rerank(FEED).find((r) => r.id === 'e');
  assert.ok(e.reasons.some((x) => x.kind === 'topic' && x.label === 'cooking' && x.contribution > 0));
  assert.ok(e.reasons.some((x) => x.kind === 'creator' && x.label === 'c5' && x.contribution > 0));
  p.dispose();
});

test('without personalization consent nothing is stored and the order is the server order', async () => {
  const p = await make({ consent: {} });
  assert.equal(p.record({ type: 'like', topics: { cooking: 1 } }), 0);
  assert.equal(p.profile().totalEvents, 0);
  const r = p.rerank(FEED);
  assert.deepEqual(ids(r), ids(FEED));
  assert.equal(r[0].reasons[0].label, 'personalization is not consented');
  p.dispose();
});

const BAD_ITEMS = [
  ['missing id', [{ topics: ['x'] }], 'INVALID_ITEM', 'items[0].id'],
  ['empty id', [{ id: '' }], 'INVALID_ITEM', 'items[0].id'],
  ['duplicate id', [{ id: 'a' }, { id: 'b' }, { id: 'a' }], 'DUPLICATE_ID', 'items[2].id'],
  ['NaN score', [{ id: 'a' }, { id: 'b', serverScore: NaN }], 'INVALID_ITEM', 'items[1].serverScore'],
  ['Infinity publishedAt', [{ id: 'a', publishedAt: Infinity }], 'INVALID_ITEM', 'items[0].publishedAt'],
  ['string score', [{ id: 'a', serverScore: '0.5' }], 'INVALID_ITEM', 'items[0].serverScore'],
  ['topics wrong type', [{ id: 'a', topics: 'cooking' }], 'INVALID_ITEM', 'items[0].topics'],
  ['negative topic weight', [{ id: 'a', topics: { cooking: -1 } }], 'INVALID_ITEM', 'items[0].topics.cooking'],
  ['numeric creator', [{ id: 'a', creatorId: 7 }], 'INVALID_ITEM', 'items[0].creatorId'],
  ['null item', [null], 'INVALID_ITEM', 'items[0]'],
  ['id too long', [{ id: 'x'.repeat(257) }], 'LIMIT_EXCEEDED', 'items[0].id'],
];

for (const [name, items, code, field] of BAD_ITEMS) {
  test(`bad items (${name}) throw ${code} naming ${field} and change nothing`, async () => {
    const p = await make();
    p.record({ type: 'like', topics: { cooking: 1 } });
    const before = JSON.stringify(p.exportProfile());
    assert.throws(() => p.rerank(items), (e) => e instanceof LocalrankError && e.code === code && e.field === field && e.message.includes(field));
    assert.equal(JSON.stringify(p.exportProfile()), before);
    p.dispose();
  });
}

test('a bad event in a batch records none of the batch', async () => {
  const p = await make();
  const before = JSON.stringify(p.exportProfile());
  assert.throws(() => p.record([{ type: 'like', topics: ['a'] }, { type: 'wink' }]),
    (e) => e.code === 'INVALID_EVENT' && e.field === 'events[1].type' && e.index === 1);
  assert.throws(() => p.record({ type: 'dwell', topics: ['a'] }), (e) => e.code === 'INVALID_EVENT' && e.field === 'event.dwellMs');
  assert.equal(JSON.stringify(p.exportProfile()), before);
  p.dispose();
});

test('rerank options are validated', async () => {
  const p = await make();
  assert.throws(() => p.rerank(FEED, { strength: 2 }), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.strength');
  assert.throws(() => p.rerank('nope'), TypeError);
  p.dispose();
});

test('export and import round-trip the profile', async () => {
  const a = await make();
  a.record([{ type: 'like', topics: { cooking: 1, travel: 0.5 }, creatorId: 'c1' }, { type: 'hide', topics: ['sports'] }]);
  const exported = a.exportProfile();
  assert.equal(exported.schema, 'localrank.profile');
  const b = await make();
  b.importProfile(exported);
  assert.deepEqual(b.exportProfile(), exported);
  assert.deepEqual(b.rerank(FEED), a.rerank(FEED));
  assert.throws(() => b.importProfile({ schema: 'localrank.profile', version: 999 }), (e) => e.code === 'CORRUPT_PROFILE');
  assert.deepEqual(b.exportProfile(), exported);
  a.dispose();
  b.dispose();
});

test('after dispose every method throws DISPOSED', async () => {
  const p = await make();
  p.dispose();
  for (const call of [() => p.rerank(FEED), () => p.record({ type: 'click' }), () => p.profile(), () => p.exportProfile()]) {
    assert.throws(call, (e) => e instanceof LocalrankError && e.code === 'DISPOSED');
  }
  p.dispose(); // idempotent
});

test('a profile saved to storage is restored by a new personalizer', async () => {
  const store = new Map();
  const storage = { get: (k) => store.get(k), set: async (k, v) => { store.set(k, v); }, delete: (k) => { store.delete(k); } };
  const a = await make({ storage });
  a.record({ type: 'like', topics: { cooking: 1 } });
  await a.flush();
  const b = await make({ storage });
  assert.deepEqual(b.rerank(FEED), a.rerank(FEED));
  a.dispose();
  b.dispose();
});

test('corrupt stored data starts clean and emits profile-reset', async () => {
  const storage = { get: () => '{"schema":"localrank.profile","version":1,"topics":"oops"}', set() {}, delete() {} };
  const resets = [];
  const p = await make({ storage, on: { 'profile-reset': (d) => resets.push(d) } });
  assert.equal(resets.length, 1);
  assert.equal(resets[0].code, 'CORRUPT_PROFILE');
  assert.equal(p.profile().totalEvents, 0);
  p.dispose();
});
