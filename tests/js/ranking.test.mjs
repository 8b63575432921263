// SPDX-License-Identifier: MIT
// The ranking stages as a package user sees them: diversity defaults,
// exploration with propensities, fatigue from impressions, reasons that add
// up, and explain() for the last ranking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalrankError } from 'localrank';
import { make, T0 } from './helpers.mjs';

const HOUR = 3600e3;
const TOPICS = ['cooking', 'travel', 'music', 'news', 'sports', 'gaming', 'art', 'science'];

/** n items cycling through topics; creator "star" owns the first `starred` items. */
function feed(n, starred = 0) {
  return Array.from({ length: n }, (_, i) => ({
    id: `i${i}`, topics: { [TOPICS[i % TOPICS.length]]: 1 }, creatorId: i < starred ? 'star' : `c${i}`, serverScore: 1 - i / n,
  }));
}

const sum = (reasons) => reasons.reduce((s, r) => s + r.contribution, 0);

test('no three consecutive items by one creator at default settings', async () => {
  const p = await make();
  for (let i = 0; i < 5; i++) p.record({ type: 'like', topics: { cooking: 1 }, creatorId: 'star', at: T0 - i * 1000 });
  const items = feed(30, 15);
  const ranked = p.rerank(items);
  const creators = ranked.map((r) => items[r.originalIndex].creatorId);
  for (let k = 2; k < creators.length; k++) {
    assert.ok(!(creators[k] === creators[k - 1] && creators[k] === creators[k - 2]), `run of three at ${k}: ${creators.join(',')}`);
  }
  // diversity 0 turns the rule off: the fan's creator runs three in a row near the top.
  const plain = p.rerank(items, { diversity: 0 }).slice(0, 10).map((r) => items[r.originalIndex].creatorId);
  assert.ok(plain.some((c, k) => k >= 2 && c === 'star' && plain[k - 1] === 'star' && plain[k - 2] === 'star'), plain.join(','));
  p.dispose();
});

test('the demo feed does not collapse onto one topic after a single like', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'localrank-feed-'));
  try {
    const gen = spawnSync(process.execPath, [new URL('../../scripts/gen-feed.mjs', import.meta.url).pathname, dir]);
    assert.equal(gen.status, 0, String(gen.stderr));
    const { posts } = JSON.parse(readFileSync(join(dir, 'posts.json'), 'utf8'));
    const items = posts.map((x) => ({ id: x.id, topics: x.topics, creatorId: x.creatorId, publishedAt: x.publishedAt, serverScore: x.serverScore }));
    const p = await make({ start: Math.max(...posts.map((x) => x.publishedAt)) + HOUR });
    const liked = posts.find((x) => Object.keys(x.topics).includes('gaming')) ?? posts[0];
    const topic = Object.keys(liked.topics)[0];
    const main = (x) => Object.entries(x.topics).sort((a, b) => b[1] - a[1])[0][0];
    const before = p.rerank(items, { strength: 1 }).slice(0, 10).map((r) => posts[r.originalIndex]).filter((x) => main(x) === topic).length;
    p.record({ type: 'like', itemId: liked.id, topics: liked.topics, creatorId: liked.creatorId });
    const top = p.rerank(items, { strength: 1 }).slice(0, 10).map((r) => posts[r.originalIndex]);
    const same = top.filter((x) => main(x) === topic).length;
    assert.ok(same > before, `the like still counts: ${same} ${topic} posts in the top 10 (${before} before it)`);
    assert.ok(same <= 4, `${same} of the top 10 are ${topic}`);
    assert.ok(new Set(top.map(main)).size >= 4);
    p.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exploration takes the promised share, never position 1, with propensities', async () => {
  const p = await make();
  p.record([{ type: 'like', topics: { cooking: 1 } }, { type: 'like', topics: { travel: 1 } }]);
  const items = feed(40);
  const ranked = p.rerank(items, { exploration: true });
  const explored = ranked.map((r, k) => [r, k]).filter(([r]) => r.reasons.some((x) => x.kind === 'explore'));
  assert.equal(explored.length, 4);
  for (const [r, k] of explored) {
    assert.notEqual(k, 0);
    assert.ok(r.propensity > 0 && r.propensity <= 1, `propensity ${r.propensity}`);
    const topic = Object.keys(items[r.originalIndex].topics)[0];
    assert.ok(topic !== 'cooking' && topic !== 'travel', `explored a known interest: ${topic}`);
  }
  assert.ok(ranked.filter((r) => !r.reasons.some((x) => x.kind === 'explore')).every((r) => r.propensity === undefined));
  assert.throws(() => p.rerank(feed(5), { exploration: 2 }), (e) => e instanceof LocalrankError && e.code === 'INVALID_ARGUMENT' && e.field === 'options.exploration');
  p.dispose();
});

test('impressions without engagement lower an item, time restores it', async () => {
  // Fatigue alone: the engagement-rate lift learns from impressions too, on the long half-life (next test).
  const p = await make({ config: { rateWeight: 0 } });
  const items = feed(8);
  const score = () => p.rerank(items, { diversity: 0 }).find((r) => r.id === 'i0');
  const fresh = score().score;
  for (let k = 0; k < 3; k++) p.record({ type: 'impression', itemId: 'i0', topics: items[0].topics, creatorId: items[0].creatorId });
  const tired = score();
  assert.ok(tired.score < fresh - 0.3, `${tired.score} vs ${fresh}`);
  assert.ok(tired.reasons.some((x) => x.kind === 'fatigue' && x.contribution < 0));
  p.setNow(T0 + 14 * 24 * HOUR);
  assert.ok(Math.abs(score().score - fresh) < 1e-3);
  // Fatigue travels with the exported profile.
  p.setNow(T0);
  for (let k = 0; k < 3; k++) p.record({ type: 'impression', itemId: 'i0', topics: items[0].topics });
  assert.ok(Array.isArray(p.exportProfile().fatigue.items));
  p.dispose();
});

test('at default settings (lift on) an ignored item drops at once, mostly recovers with fatigue, and fully as the lift evidence decays', async () => {
  const p = await make();
  const items = feed(8);
  const score = () => p.rerank(items, { diversity: 0 }).find((r) => r.id === 'i0').score;
  const fresh = score();
  for (let k = 0; k < 3; k++) p.record({ type: 'impression', itemId: 'i0', topics: items[0].topics, creatorId: items[0].creatorId });
  const tired = score();
  assert.ok(tired < fresh - 0.3, `${tired} vs ${fresh}`);
  // Fatigue (one-day half-life) is gone after two weeks; the rate evidence (14-day half-life) only halved.
  p.setNow(T0 + 14 * 24 * HOUR);
  const later = score();
  assert.ok(later > tired + 0.25 && later < fresh, `${tired} -> ${later} (fresh ${fresh})`);
  // After six months what is left of the impressions is negligible.
  p.setNow(T0 + 180 * 24 * HOUR);
  const back = p.rerank(items, { diversity: 0 }).find((r) => r.id === 'i0');
  const left = back.reasons.filter((x) => x.kind === 'fatigue' || x.kind === 'rate').reduce((a, x) => a + Math.abs(x.contribution), 0);
  assert.ok(left < 1e-3, JSON.stringify(back.reasons));
  p.dispose();
});

test('topics shown without engagement lose engagement-rate lift, engaged ones gain it (rate reasons)', async () => {
  const p = await make();
  const events = [];
  for (let i = 0; i < 20; i++) {
    events.push({ type: 'impression', itemId: `n${i}`, topics: { news: 1 }, at: T0 - 60_000 + i });
    events.push({ type: 'impression', itemId: `k${i}`, topics: { cooking: 1 }, at: T0 - 50_000 + i });
    if (i % 3 === 0) events.push({ type: 'click', itemId: `k${i}`, topics: { cooking: 1 }, at: T0 - 40_000 + i });
  }
  p.record(events);
  const items = [
    { id: 'news', topics: { news: 1 }, serverScore: 1 },
    { id: 'cook', topics: { cooking: 1 }, serverScore: 1 },
    { id: 'low', topics: { music: 1 }, serverScore: 0 },
  ];
  const ranked = p.rerank(items, { diversity: 0 });
  const rate = (id) => ranked.find((r) => r.id === id).reasons.filter((x) => x.kind === 'rate');
  assert.ok(rate('news').length === 1 && rate('news')[0].label === 'news' && rate('news')[0].contribution < 0);
  assert.ok(rate('cook').length === 1 && rate('cook')[0].contribution > 0);
  assert.equal(ranked[0].id, 'cook');
  for (const r of ranked) assert.ok(Math.abs(sum(r.reasons) - r.score) < 1e-12);
  assert.match(p.explain('news').summary, /When posts about news are shown, you open them less often/);
  p.dispose();
});

test('reasons add up to the score with every stage active (wasm)', async () => {
  const p = await make();
  for (let i = 0; i < 4; i++) p.record({ type: 'like', topics: { cooking: 1 }, creatorId: 'star', at: T0 - i * 1000 });
  p.record({ type: 'impression', itemId: 'i3', topics: { news: 1 }, creatorId: 'star' });
  const items = feed(40, 12);
  items[2].pinned = true;
  const ranked = p.rerank(items, { exploration: 0.2, calibration: true, diversity: 0.5 });
  assert.equal(ranked[2].id, 'i2');
  const kinds = new Set();
  for (const r of ranked) {
    assert.ok(Math.abs(sum(r.reasons) - r.score) < 1e-12, `${r.id}: ${sum(r.reasons)} vs ${r.score}`);
    r.reasons.forEach((x) => kinds.add(x.kind));
  }
  for (const k of ['server', 'topic', 'creator', 'diversity', 'explore', 'fatigue', 'pinned']) assert.ok(kinds.has(k), k);
  p.dispose();
});

test('diversity 0 → 1 raises intra-list diversity of the top 10 monotonically', async () => {
  const p = await make();
  p.record({ type: 'like', topics: { cooking: 1 } });
  const items = Array.from({ length: 40 }, (_, i) => ({
    id: `d${i}`, topics: { [i < 12 ? 'cooking' : TOPICS[1 + (i % 4)]]: 1 }, creatorId: `k${i}`, serverScore: 1 - i * 0.02,
  }));
  const ild = (d) => {
    const top = p.rerank(items, { diversity: d }).slice(0, 10).map((r) => Object.keys(items[r.originalIndex].topics)[0]);
    let s = 0, n = 0;
    for (let a = 0; a < 10; a++) for (let b = a + 1; b < 10; b++) { s += top[a] === top[b] ? 0 : 1; n++; }
    return s / n;
  };
  const values = [0, 0.1, 0.3, 0.6, 1].map(ild);
  for (let k = 1; k < values.length; k++) assert.ok(values[k] >= values[k - 1], values.join(' '));
  assert.ok(values[4] > values[0] + 0.2, values.join(' '));
  p.dispose();
});

test('explain() matches the last ranking, in plain words', async () => {
  const p = await make();
  p.record({ type: 'like', topics: { cooking: 1 }, creatorId: 'c0' });
  assert.equal(p.explain('i0'), null, 'nothing ranked yet');
  const ranked = p.rerank(feed(20), { exploration: 0.1 });
  for (const [k, r] of ranked.entries()) {
    const e = p.explain(r.id);
    assert.equal(e.rank, k);
    assert.equal(e.score, r.score);
    assert.equal(e.propensity, r.propensity);
    assert.deepEqual(e.reasons.map(({ kind, label, contribution }) => ({ kind, label, contribution })), r.reasons);
    assert.ok(Math.abs(sum(e.reasons) - e.score) < 1e-12);
    for (const x of e.reasons) assert.match(x.text, /^[A-Z].*\.$/);
    assert.equal(e.summary, e.reasons.map((x) => x.text).join(' '));
  }
  const top = p.explain(ranked.find((r) => r.id === 'i0').id);
  assert.ok(top.reasons.some((x) => x.text.startsWith('You often engage with cooking (+')), top.summary);
  assert.equal(p.explain('nope'), null);
  assert.throws(() => p.explain(42), TypeError);
  // A new ranking replaces the old one.
  p.rerank(feed(3));
  assert.equal(p.explain('i10'), null);
  p.dispose();
});

test('forget() also forgets the last ranking: explain() reveals nothing afterwards', async () => {
  const p = await make();
  p.record({ type: 'like', topics: { cooking: 1 } });
  p.rerank(feed(10));
  assert.ok(p.explain('i0') !== null);
  await p.forget();
  assert.equal(p.explain('i0'), null);
  p.dispose();
});

test('topK arranges only the first K slots; the rest follows by score', async () => {
  const p = await make();
  for (let i = 0; i < 5; i++) p.record({ type: 'like', topics: { cooking: 1 }, creatorId: 'star', at: T0 - i * 1000 });
  const items = feed(40, 20);
  const full = p.rerank(items);
  // At the default the arranging reaches past rank 6 (else this test could not fail).
  assert.ok(full.slice(6).some((r) => r.reasons.some((x) => x.kind === 'diversity')));
  const top6 = p.rerank(items, { topK: 6 });
  assert.deepEqual(top6.slice(0, 6).map((r) => r.id), full.slice(0, 6).map((r) => r.id));
  for (let k = 6; k < top6.length; k++) {
    assert.ok(!top6[k].reasons.some((x) => x.kind === 'diversity'), `rank ${k} was arranged`);
    if (k > 6) assert.ok(top6[k - 1].score + 1e-12 >= top6[k].score, `rank ${k} is out of score order`);
    assert.ok(Math.abs(sum(top6[k].reasons) - top6[k].score) < 1e-9);
  }
  // Larger than the feed: all of it, as with the default for 40 items.
  assert.deepEqual(p.rerank(items, { topK: 1e9 }).map((r) => r.id), full.map((r) => r.id));
  p.dispose();
});

test('options.topK must be an integer >= 1 (rerank and rerankPacked)', async () => {
  const p = await make();
  const packed = { topicOffsets: Int32Array.of(0, 1), topicIds: Int32Array.of(p.topicId('cooking')) };
  for (const topK of [0, -1, 1.5, NaN, Infinity, '5', null]) {
    for (const call of [() => p.rerank(feed(3), { topK }), () => p.rerankPacked(packed, { topK })]) {
      assert.throws(call, (e) => e instanceof LocalrankError && e.code === 'INVALID_ARGUMENT' && e.field === 'options.topK', `topK ${String(topK)}`);
    }
  }
  assert.equal(p.rerankPacked(packed, { topK: 1 }).order.length, 1);
  p.dispose();
});
