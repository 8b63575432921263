// SPDX-License-Identifier: MIT
// The person's learnt model through the public API: the `model` option (a
// site's prior), learning from choices among ranked items, profile().model
// in words, export/import and erasure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MODEL, LocalrankError } from 'localrank';
import { make, T0 } from './helpers.mjs';

const HOUR = 3600e3;

/** A feed of 30 posts with random server scores and ages (seeded). */
function feed(round, seed = 1) {
  let x = (seed * 2654435761 + round * 40503) >>> 0;
  const r = () => { x = (x * 1664525 + 1013904223) >>> 0; return x / 2 ** 32; };
  const topics = ['news', 'sports', 'cooking', 'travel', 'music'];
  return Array.from({ length: 30 }, (_, i) => ({
    id: `p${round}-${i}`, topics: [topics[Math.floor(r() * 5)]], serverScore: r(), publishedAt: T0 - r() * 96 * HOUR,
  }));
}

/** Someone who always opens the newest of the first ten posts they are shown. */
function chooseNewest(p, rounds) {
  for (let round = 0; round < rounds; round++) {
    const items = feed(round);
    const shown = p.rerank(items).slice(0, 10).map((r) => items[r.originalIndex]);
    const newest = shown.reduce((a, b) => (b.publishedAt > a.publishedAt ? b : a));
    p.record({ type: 'click', itemId: newest.id, topics: newest.topics });
  }
}

test('a person who chooses by freshness alone gets freshness weighted up and the rest down, in words too', async () => {
  const p = await make();
  const before = p.profile().model;
  assert.deepEqual(before.weights, Object.fromEntries(Object.entries(DEFAULT_MODEL.weights).filter(([k]) => k !== 'position')));
  assert.equal(before.choices, 0);
  assert.match(before.summary, /^Nothing learnt from your choices yet/);
  chooseNewest(p, 300);
  const m = p.profile().model;
  assert.equal(m.choices, 300);
  assert.ok(m.weights.freshness > DEFAULT_MODEL.weights.freshness + 0.5, `freshness ${m.weights.freshness}`);
  assert.ok(m.weights.server < DEFAULT_MODEL.weights.server, `server ${m.weights.server}`);
  assert.ok(m.weights.topic < DEFAULT_MODEL.weights.topic, `topic ${m.weights.topic}`);
  assert.match(m.summary, /^For you \(learnt from 300 choices\), new posts counts most/);
  // The learnt weights are in the reasons: a freshness reason of weight x signal.
  const top = p.rerank(feed(999))[0];
  assert.ok(top.reasons.some((r) => r.kind === 'freshness' && r.contribution > 0));
  const sum = top.reasons.reduce((a, r) => a + r.contribution, 0);
  assert.ok(Math.abs(sum - top.score) < 1e-9);
  p.dispose();
});

test('the learnt model is exported, imported, and erased with the profile', async () => {
  const p = await make();
  chooseNewest(p, 20);
  const exported = p.exportProfile();
  assert.equal(exported.version, 4);
  assert.equal(exported.model.choices, 20);
  const q = await make();
  q.importProfile(exported);
  assert.deepEqual(q.profile().model.weights, p.profile().model.weights);
  await q.forget();
  assert.equal(q.profile().model.choices, 0);
  assert.deepEqual(q.profile().model.weights, Object.fromEntries(Object.entries(DEFAULT_MODEL.weights).filter(([k]) => k !== 'position')));
  p.dispose();
  q.dispose();
});

test('strength 0 is a non-profiling mode: nothing is learnt from choices among its rankings', async () => {
  const p = await make();
  const items = feed(0);
  const ranked = p.rerank(items, { strength: 0 });
  p.record({ type: 'like', itemId: ranked[5].id, topics: items[ranked[5].originalIndex].topics });
  assert.equal(p.profile().model.choices, 0);
  p.dispose();
});

test('a site ships its own prior with createPersonalizer({ model }); model: { learning: false } keeps everyone at it', async () => {
  const p = await make({ model: { schema: 'localrank.model', version: 1, weights: { server: 2, freshness: 0.5 }, precision: 10 } });
  const m = p.profile().model;
  assert.equal(m.prior.server, 2);
  assert.equal(m.prior.freshness, 0.5);
  assert.equal(m.prior.topic, DEFAULT_MODEL.weights.topic, 'what the site leaves out keeps the default');
  p.dispose();
  const fixed = await make({ model: { learning: false } });
  chooseNewest(fixed, 5);
  assert.equal(fixed.profile().model.choices, 0);
  assert.equal(fixed.profile().model.learning, false);
  fixed.dispose();
});

test('a bad model prior is refused with the field and the fix', async () => {
  const cases = [
    [{ weights: { topics: 1 } }, 'options.model.weights.topics', /is not a signal: use server, topic/],
    [{ weights: { server: -1 } }, 'options.model.weights.server', /\[0, 100\]/],
    [{ weights: { position: 9 } }, 'options.model.weights.position', /\[0, 8\]/],
    [{ weight: { server: 1 } }, 'options.model.weight', /not a model field/],
    [{ precision: 0 }, 'options.model.precision', /must be a number/],
    [{ learning: 'yes' }, 'options.model.learning', /true or false/],
    [{ version: 2 }, 'options.model.version', /must be 1/],
    ['heavy', 'options.model', /must be an object/],
  ];
  for (const [model, field, message] of cases) {
    await assert.rejects(make({ model }), (e) => e instanceof LocalrankError && e.code === 'INVALID_ARGUMENT' && e.field === field && message.test(e.message), field);
  }
});
