// SPDX-License-Identifier: MIT
// The profile that learns: interactions, horizons, context, embeddings,
// explicit controls, cold start, bounded memory, schema migration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { make, FEED, ids, T0 } from './helpers.mjs';

const HOUR = 3600e3;
const DAY = 24 * HOUR;

/** 30 candidates: 10 fitness, 10 politics, 10 cooking, interleaved, descending server scores. */
function pool() {
  const topics = ['fitness', 'politics', 'cooking'];
  return Array.from({ length: 30 }, (_, i) => ({
    id: `p${i}`, topics: { [topics[i % 3]]: 1 }, creatorId: `c${i % 7}`, serverScore: 1 - i / 30,
  }));
}
const countTopic = (ranked, items, topic, k = 10) =>
  ranked.slice(0, k).filter((r) => Object.keys(items[r.originalIndex].topics)[0] === topic).length;

test('the same person gets a different, correct top-10 in two contexts', async () => {
  const p = await make();
  const events = [];
  for (let i = 0; i < 30; i++) {
    events.push({ type: 'like', topics: { fitness: 1 }, at: T0 - i * HOUR, context: { intent: 'workout' } });
    events.push({ type: 'like', topics: { politics: 1 }, at: T0 - i * HOUR - 1000, context: { intent: 'commute' } });
  }
  p.record(events);
  const items = pool();
  // Context alone: diversity 0 lifts the topic cap (at most 4 of one topic in the top 10).
  const workout = p.rerank(items, { context: { intent: 'workout' }, diversity: 0 });
  const commute = p.rerank(items, { context: { intent: 'commute' }, diversity: 0 });
  assert.equal(Object.keys(items[workout[0].originalIndex].topics)[0], 'fitness');
  assert.equal(Object.keys(items[commute[0].originalIndex].topics)[0], 'politics');
  assert.ok(countTopic(workout, items, 'fitness') >= countTopic(commute, items, 'fitness') + 4,
    `fitness in top-10: workout ${countTopic(workout, items, 'fitness')}, commute ${countTopic(commute, items, 'fitness')}`);
  assert.ok(countTopic(commute, items, 'politics') >= countTopic(workout, items, 'politics') + 4);
  // The context shows up in the reasons, by name.
  assert.ok(workout[0].reasons.some((r) => r.kind === 'context' && r.label === 'intent:workout' && r.contribution > 0));
  // A context never seen before falls back to the global profile.
  assert.deepEqual(ids(p.rerank(items, { context: { intent: 'cooking-class' } })), ids(p.rerank(items)));
  p.dispose();
});

test('a sparse context is shrunk towards the global profile', async () => {
  const p = await make();
  const events = [];
  for (let i = 0; i < 20; i++) events.push({ type: 'like', topics: { fitness: 1 }, at: T0 - i * HOUR });
  events.push({ type: 'click', topics: { politics: 1 }, at: T0, context: { intent: 'commute' } });
  p.record(events);
  const commute = p.rerank(pool(), { context: { intent: 'commute' } });
  // One politics click in "commute" does not outweigh twenty fitness likes.
  assert.equal(Object.keys(pool()[commute[0].originalIndex].topics)[0], 'fitness');
  p.dispose();
});

test('hide pushes the item\'s topic down in the very next rerank', async () => {
  const p = await make();
  const before = ids(p.rerank(FEED)).indexOf('a');
  p.record({ type: 'hide', itemId: 'a', topics: { sports: 1 }, creatorId: 'c1' });
  assert.ok(ids(p.rerank(FEED)).indexOf('a') > before);
  p.dispose();
});

test('a two-second bounce counts against a long item, a full read for it', async () => {
  const p = await make();
  p.record([
    { type: 'dwell', topics: { bounce: 1 }, dwellMs: 2000, expectedMs: 60000 },
    { type: 'dwell', topics: { read: 1 }, dwellMs: 60000, expectedMs: 60000 },
  ]);
  const w = Object.fromEntries(p.profile().topics.map((t) => [t.name, t.weight]));
  assert.ok(w.bounce < 0 && w.read > 0, JSON.stringify(w));
  p.dispose();
});

test('cold start: empty profile keeps the server order, one like moves the next rerank', async () => {
  const p = await make();
  assert.deepEqual(ids(p.rerank(FEED)), ids(FEED));
  p.record({ type: 'like', topics: ['travel'] });
  assert.notDeepEqual(ids(p.rerank(FEED)), ids(FEED));
  p.dispose();
});

test('adjust: more raises, less lowers, never sinks to the end with a flag', async () => {
  const p = await make();
  const base = ids(p.rerank(FEED));
  p.adjust({ topic: 'travel', preference: 'more' });
  assert.ok(ids(p.rerank(FEED)).indexOf('d') < base.indexOf('d'));
  p.adjust({ topic: 'travel', preference: 'none' });
  assert.deepEqual(ids(p.rerank(FEED)), base);
  p.adjust({ creatorId: 'c1', preference: 'less' });
  assert.ok(ids(p.rerank(FEED)).indexOf('a') > base.indexOf('a'));
  p.adjust({ topic: 'politics', preference: 'never' });
  const ranked = p.rerank(FEED);
  assert.equal(ranked.at(-1).id, 'b');
  assert.ok(ranked.at(-1).reasons.some((r) => r.kind === 'never' && r.label === 'politics'));
  p.adjust({ creatorId: 'c3', preference: 'never' });
  const r2 = p.rerank(FEED);
  assert.deepEqual(ids(r2).slice(-2).sort(), ['b', 'c']);
  assert.ok(r2.find((r) => r.id === 'c').reasons.some((r) => r.kind === 'never' && r.label === 'c3'));
  const prefs = p.profile().preferences;
  assert.deepEqual(prefs, { topics: { politics: 'never' }, creators: { c1: 'less', c3: 'never' } });
  assert.throws(() => p.adjust({ topic: 'x', preference: 'sometimes' }), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'adjust.preference');
  assert.throws(() => p.adjust({ topic: 'x', creatorId: 'y', preference: 'more' }), (e) => e.code === 'INVALID_ARGUMENT');
  p.dispose();
});

test('profile() shows what the feed learnt from what it showed: the engagement-rate lift per topic, erased with the rest', async () => {
  const p = await make();
  const events = [];
  for (let i = 0; i < 10; i++) {
    events.push({ type: 'impression', itemId: `n${i}`, topics: { news: 1 }, at: T0 - 60_000 + i });
    if (i < 5) events.push({ type: 'impression', itemId: `k${i}`, topics: { cooking: 1 }, at: T0 - 50_000 + i });
    if (i < 3) events.push({ type: 'click', itemId: `k${i}`, topics: { cooking: 1 }, at: T0 - 40_000 + i });
  }
  p.record(events);
  const { engagement } = p.profile();
  assert.deepEqual(engagement.map((e) => e.name), ['news', 'cooking'], 'most shown first');
  const [news, cooking] = engagement;
  assert.ok(Math.abs(news.shown - 10) < 1e-3 && news.engaged === 0 && news.lift < 1, JSON.stringify(news));
  assert.ok(Math.abs(cooking.shown - 5) < 1e-3 && cooking.engaged > 0 && cooking.lift > 1, JSON.stringify(cooking));
  // The same lift drives the `rate` reasons: the ignored topic's reason is negative.
  const ranked = p.rerank([{ id: 'x', topics: { news: 1 }, serverScore: 1 }, { id: 'y', topics: { cooking: 1 }, serverScore: 1 }]);
  assert.ok(ranked.find((r) => r.id === 'x').reasons.some((r) => r.kind === 'rate' && r.contribution < 0));
  assert.equal(p.profile({ top: 1 }).engagement.length, 1);
  await p.forget();
  assert.deepEqual(p.profile().engagement, []);
  p.dispose();
});

test('embeddings: engaged items pull similar items up, "not interested" pushes them away, a hide leaves the vector', async () => {
  const p = await make({ dim: 4 });
  // Ten items in server order (no scores: position decides); only z is close to what the person likes.
  const items = Array.from({ length: 10 }, (_, i) => ({ id: `o${i}`, embedding: i % 2 ? [0, 0, 1, 0] : [0, 1, 0, 0] }));
  items[2] = { id: 'z', embedding: [0.9, 0.1, 0, 0] };
  p.record({ type: 'like', embedding: [1, 0, 0, 0] });
  const liked = p.rerank(items);
  assert.equal(liked[0].id, 'z');
  assert.ok(liked[0].reasons.some((r) => r.kind === 'embedding' && r.contribution > 0));
  const vector = () => p.exportProfile().userVector.values;
  const before = vector();
  p.record({ type: 'hide', embedding: [1, 0, 0, 0] });
  assert.deepEqual(vector(), before, 'a hide is about the post, not the kind');
  p.record([{ type: 'notInterested', embedding: [1, 0, 0, 0] }, { type: 'notInterested', embedding: [1, 0, 0, 0] }]);
  const hidden = p.rerank(items);
  assert.ok(ids(hidden).indexOf('z') > 2, `z at ${ids(hidden).indexOf('z')}`);
  assert.ok(hidden.find((r) => r.id === 'z').reasons.some((r) => r.kind === 'embedding' && r.contribution < 0));
  assert.throws(() => p.rerank([{ id: 'q', embedding: [1, 2] }]), (e) => e.code === 'DIMENSION_MISMATCH' && e.field === 'items[0].embedding');
  p.dispose();
});

test('caps hold after 100,000 events and events past retention are dropped', async () => {
  const p = await make({ config: { maxTopics: 200, maxCreators: 100, maxEvents: 1000 } });
  for (let b = 0; b < 10; b++) {
    const batch = [];
    for (let i = 0; i < 10000; i++) {
      const k = b * 10000 + i;
      batch.push({ type: k % 7 === 0 ? 'hide' : 'click', topics: { [`t${k % 5000}`]: 1 }, creatorId: `c${k % 3000}`, at: T0 - (100000 - k) * 1000, context: { intent: `i${k % 100}` } });
    }
    p.record(batch);
  }
  const exported = p.exportProfile();
  assert.ok(exported.topics.length <= 200, `topics ${exported.topics.length}`);
  assert.ok(exported.creators.length <= 100, `creators ${exported.creators.length}`);
  assert.ok(exported.contexts.length <= 64, `contexts ${exported.contexts.length}`);
  assert.ok(exported.events.length <= 1000);
  assert.equal(p.profile().totalEvents, 100000);

  const q = await make();
  q.record([{ type: 'click', topics: ['ancient'], at: T0 - 100 * DAY }, { type: 'click', topics: ['recent'], at: T0 - DAY }]);
  const names = q.exportProfile().topics.map((t) => t.name);
  assert.deepEqual(names, ['recent']);
  assert.equal(q.exportProfile().events.length, 1);
  p.dispose();
  q.dispose();
});

test('the serialized profile after 10,000 events stays small (default caps)', async () => {
  const p = await make();
  const batch = [];
  for (let k = 0; k < 10000; k++) {
    batch.push({ type: ['click', 'like', 'dwell', 'hide'][k % 4], dwellMs: 5000, topics: { [`topic${k % 300}`]: 1, [`topic${(k * 7) % 300}`]: 0.5 }, creatorId: `creator${k % 400}`, at: T0 - (10000 - k) * 60e3, context: { hour: k % 24, intent: ['commute', 'home', 'gym'][k % 3] } });
  }
  p.record(batch);
  const bytes = Buffer.byteLength(JSON.stringify(p.exportProfile()));
  // Documented in docs/api.md ("Bounded memory"); a regression here means a cap stopped holding.
  assert.ok(bytes < 600 * 1024, `serialized size ${bytes} bytes`);
  console.log(`serialized profile after 10,000 events: ${bytes} bytes`);
  p.dispose();
});

test('a version 1 profile is migrated on import', async () => {
  const v1 = JSON.parse(readFileSync(new URL('../fixtures/profile_v1.json', import.meta.url), 'utf8'));
  const p = await make();
  p.importProfile(v1);
  const out = p.exportProfile();
  assert.equal(out.version, 4);
  assert.deepEqual(out.topics.map((t) => t.name), v1.topics.map((t) => t.name));
  assert.deepEqual(out.contexts, []);
  assert.equal(ids(p.rerank(FEED))[0], 'c');
  p.dispose();
});
