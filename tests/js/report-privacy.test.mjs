// SPDX-License-Identifier: MIT
// Issue 22 (items 2, 3, 5, 6): privacy that holds against the site's own
// server. Each test reproduces an attack and shows it fails: linked reports
// averaged, a per-device configuration, out-of-bounds epsilon, narrow or
// sensitive segments, the test-only randomness in production, GPC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as production from 'localrank';
import { createPersonalizer } from 'localrank/testing';
import { createAggregator, createReportEncoder } from 'localrank/server';
import { seededWords, mapStorage, withGpc, TAXONOMY, SEGMENTS } from './privacy-helpers.mjs';
import { T0 } from './helpers.mjs';
import { simulateLinkage } from '../../scripts/lib/privacy-linkage.mjs';
import { browserFiles } from '../../scripts/lib/package-files.mjs';

const DAY = 24 * 3600 * 1000;
const CONFIG = { taxonomy: TAXONOMY, segments: SEGMENTS, epsilonPerReport: 1 };

/** @param {Record<string, any>} [options] */
async function device({ start, ...options } = {}) {
  let now = start ?? T0;
  const p = await createPersonalizer({
    now: () => now, autosaveMs: 0, taxonomy: TAXONOMY, segments: SEGMENTS, storage: mapStorage(),
    consent: { personalization: true, aggregateMeasurement: true }, ...options,
    privacy: { random: seededWords(5), ...options.privacy },
  });
  return Object.assign(p, { setNow: (/** @type {number} */ t) => { now = t; } });
}

test('linkage: a server averaging 12 windows of linked reports recovers the top topic at about chance once answers are memoized', async () => {
  const out = await simulateLinkage({ devices: 300, windows: [1, 12], modes: ['fresh', 'memo'], seed: 11 });
  const at = (mode, w) => out.results.find((r) => r.mode === mode && r.windows === w).recovered;
  // Without memoization the attack works (the audit measured 88.6% after 12 windows)...
  assert.ok(at('fresh', 12) > 0.4, `fresh noise, 12 windows: ${at('fresh', 12)}`);
  // ...with it, 12 windows reveal no more than one report's answer (~7.6% at epsilon 1, chance 4.3%).
  assert.ok(at('memo', 12) < 0.12, `memoized, 12 windows: ${at('memo', 12)} (chance ${out.chance})`);
  assert.ok(at('memo', 12) <= at('memo', 1) + 0.03, 'more windows recover nothing more');
});

test('an unchanged value is answered from the memo, which survives a reload, forget() and a new namespace', async () => {
  const storage = mapStorage();
  const topicData = new Set();
  const collect = async (options) => {
    const p = await device({ storage, ...options });
    p.record({ type: 'like', topics: { cooking: 3, travel: 1 } });
    for (let i = 0; i < 4; i++) {
      const r = p.buildAggregateReport();
      if (r && r.kind === 0) topicData.add(r.data);
    }
    await p.flush();
    return p;
  };
  // Each creation is seeded differently: only the stored memo can make the answers equal.
  (await collect({ privacy: { random: seededWords(1) } })).dispose();
  (await collect({ privacy: { random: seededWords(2) }, start: T0 + 40 * DAY })).dispose();
  const p = await collect({ privacy: { random: seededWords(3) }, start: T0 + 80 * DAY });
  await p.forget();
  p.dispose();
  await collect({ privacy: { random: seededWords(4) }, start: T0 + 120 * DAY, namespace: 'other' });
  assert.equal(topicData.size, 1, `one answer for cooking across reloads, forget() and namespaces: ${[...topicData]}`);
});

test('the stored memo holds no behaviour: it is the same whatever the person did', async () => {
  const stored = [];
  for (const topics of [{ cooking: 5 }, { politics: 2, sports: 7 }]) {
    const storage = mapStorage();
    const p = await device({ storage, privacy: { random: seededWords(9) } });
    p.record({ type: 'like', topics });
    p.buildAggregateReport();
    await p.flush();
    stored.push(storage.map.get('localrank.report-memo'));
    for (const t of TAXONOMY) assert.ok(!stored.at(-1).includes(t));
    p.dispose();
  }
  assert.equal(stored[0], stored[1]);
});

test('instantaneous noise: reports of an unchanged value differ, and the aggregator estimates them without bias', async () => {
  const config = { ...CONFIG, instantEpsilon: 2 };
  const p = await device({ privacy: { instantEpsilon: 2, random: seededWords(21) } });
  p.record({ type: 'like', topics: { cooking: 3 } });
  const datas = new Set();
  for (let i = 0; i < 4; i++) datas.add(p.buildAggregateReport().data);
  assert.ok(datas.size > 1, 'the memo is not sent as is');
  p.dispose();
  const agg = await createAggregator({ ...config, minReports: 1 });
  const enc = await createReportEncoder({ ...config, random: seededWords(22) });
  for (let i = 0; i < 6000; i++) agg.ingest(enc.encode({ interest: i % 3 === 0 ? { cooking: 1 } : { music: 1 } }));
  const e = agg.estimate();
  assert.ok(e.epsilonOfOneReport < 1 && e.epsilonOfOneReport > 0, `one report: epsilon ${e.epsilonOfOneReport}`);
  const cooking = e.topics.find((t) => t.topic === 'cooking');
  assert.ok(Math.abs(cooking.count - 2000) < 3 * cooking.stdError, `cooking ${cooking.count} +- ${cooking.stdError}`);
  agg.dispose();
  enc.dispose();
});

test('a per-device configuration variant (a segment weight moved by 1e-12) builds no report: CONFIG_MISMATCH, also an error event', async () => {
  const variant = structuredClone(SEGMENTS);
  variant[1].topics.fitness += 1e-12;
  const errors = [];
  const p = await device({ segments: variant, privacy: { config: CONFIG }, on: { error: (e) => errors.push(e) } });
  p.record({ type: 'like', topics: { cooking: 1 } });
  assert.throws(() => p.buildAggregateReport(), (e) => e.code === 'CONFIG_MISMATCH' && e.field === 'options.privacy.config' && /pin/.test(e.message));
  await assert.rejects(p.sendAggregateReport('http://127.0.0.1:1/v1/reports'), (e) => e.code === 'CONFIG_MISMATCH');
  assert.equal(p.privacyBudget().spent, 0, 'no epsilon spent');
  assert.deepEqual(errors.map((e) => e.code), ['CONFIG_MISMATCH']);
  p.dispose();
  // The pinned configuration itself (or its fingerprint) reports.
  const agg = await createAggregator(CONFIG);
  for (const pin of [CONFIG, agg.fingerprint]) {
    const q = await device({ privacy: { config: pin } });
    q.record({ type: 'like', topics: { cooking: 1 } });
    agg.ingest(q.buildAggregateReport());
    q.dispose();
  }
  // Without a configuration at run time, the pinned one is used.
  const r = await device({ taxonomy: undefined, segments: undefined, privacy: { config: CONFIG } });
  agg.ingest(r.buildAggregateReport());
  r.dispose();
  assert.equal(agg.reports, 3);
  agg.dispose();
});

test('out-of-bounds epsilon, cap or window is refused, at creation and in a pinned configuration (no report)', async () => {
  const cases = [
    [{ privacy: { epsilonPerReport: 4 } }, 'options.privacy.epsilonPerReport'],
    [{ privacy: { epsilonPerReport: 2.01 } }, 'options.privacy.epsilonPerReport'],
    [{ privacy: { epsilonCap: 9 } }, 'options.privacy.epsilonCap'],
    [{ privacy: { epsilonCap: 1000 } }, 'options.privacy.epsilonCap'],
    [{ privacy: { windowDays: 1 / 24 } }, 'options.privacy.windowDays'],
    [{ privacy: { windowDays: 6 } }, 'options.privacy.windowDays'],
    [{ taxonomy: undefined, segments: undefined, privacy: { config: { ...CONFIG, epsilonPerReport: 4 } } }, 'options.privacy.config.epsilonPerReport'],
  ];
  for (const [options, field] of cases) {
    await assert.rejects(device(options), (e) => e.code === 'INVALID_ARGUMENT' && e.field === field && /bound/.test(e.message), field);
  }
  await assert.rejects(createAggregator({ ...CONFIG, epsilonPerReport: 4 }), (e) => e.field === 'options.epsilonPerReport');
  const p = await device({ privacy: { epsilonPerReport: 2, epsilonCap: 8, windowDays: 7 } });
  assert.notEqual(p.buildAggregateReport(), null);
  p.dispose();
});

test('segments: at most 32, each over >= 3 topics, none sitting on one topic, none naming a sensitive topic', async () => {
  const seg = (id, topics) => ({ id, topics });
  const three = { cooking: 1, travel: 1, music: 1 };
  const cases = [
    [[seg('politics-watchers', { politics: 1 })], 'options.segments[0].topics'],
    [[seg('s', { cooking: 1, travel: 1 })], 'options.segments[0].topics'],
    // "Sits on one topic": one weight is more than half of the segment's total.
    [[seg('disguised', { politics: 1, cooking: 0.1, travel: 0.1 })], 'options.segments[0].topics'],
    [Array.from({ length: 33 }, (_, i) => seg(`s${i}`, three)), 'options.segments'],
  ];
  for (const [segments, field] of cases) {
    await assert.rejects(device({ segments }), (e) => e.code === 'INVALID_ARGUMENT' && e.field === field, field);
  }
  await assert.rejects(device({ sensitiveTopics: ['politics'], segments: [seg('s', { politics: 1, cooking: 1, travel: 1 })] }),
    (e) => e.field === 'options.segments[0].topics.politics');
  const p = await device({ segments: Array.from({ length: 32 }, (_, i) => seg(`s${i}`, three)) });
  p.dispose();
});

test('a sensitive topic never enters a report: the top topic is taken over the others, and no estimate is published for it', async () => {
  const config = { ...CONFIG, sensitiveTopics: ['politics'] };
  const enc = await createReportEncoder({ ...config, random: seededWords(31) });
  assert.deepEqual(enc.match({ politics: 9, cooking: 1 }), { topic: 'cooking', segment: 'home-cooks' });
  assert.deepEqual(enc.match({ politics: 9 }), { topic: null, segment: null });
  const agg = await createAggregator({ ...config, minReports: 1 });
  for (let i = 0; i < 200; i++) agg.ingest(enc.encode({ interest: { politics: 5 } }));
  const e = agg.estimate();
  assert.ok(!e.topics.some((t) => t.topic === 'politics'));
  assert.equal(e.topics.length, TAXONOMY.length - 1);
  // A device with the same configuration reports (its fingerprint covers the sensitive list).
  const p = await device({ sensitiveTopics: ['politics'] });
  p.record({ type: 'like', topics: { politics: 5 } });
  agg.ingest(p.buildAggregateReport());
  p.dispose();
  enc.dispose();
  agg.dispose();
});

test('privacy.random is not an option of the production package; localrank/testing is Node only and not in the browser bundle', async () => {
  await assert.rejects(production.createPersonalizer({ taxonomy: TAXONOMY, privacy: { random: seededWords(1) } }),
    (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.privacy.random');
  const dist = new URL('../../wasm/dist/', import.meta.url).pathname;
  const files = browserFiles(dist);
  assert.ok(!files.includes('testing.mjs'));
  const pkg = JSON.parse(readFileSync(new URL('../../wasm/package.json', import.meta.url), 'utf8'));
  assert.deepEqual(Object.keys(pkg.exports['./testing']), ['node']);
});

test('importProfile needs personalization consent', async () => {
  const a = await device();
  a.record({ type: 'like', topics: { cooking: 2 } });
  const exported = a.exportProfile();
  a.dispose();
  const b = await device({ consent: { aggregateMeasurement: true } });
  assert.throws(() => b.importProfile(exported), (e) => e.code === 'NOT_CONSENTED' && e.field === 'consent.personalization');
  assert.equal(b.profile().topics.length, 0);
  await b.consent.set({ personalization: true });
  b.importProfile(exported);
  assert.equal(b.profile().topics[0].name, 'cooking');
  b.dispose();
});

test('GPC passed at creation (as localrank/worker does for its worker) blocks measurement; the override is recorded', async () => {
  const p = await device({ privacy: { gpc: true } });
  assert.equal(p.consent.get().aggregateMeasurement, false);
  assert.equal(p.consent.get().gpc, true);
  assert.equal(p.buildAggregateReport(), null);
  await assert.rejects(p.consent.set({ aggregateMeasurement: true }), (e) => e.code === 'NOT_CONSENTED');
  p.dispose();
  const storage = mapStorage();
  const q = await device({ storage, consent: undefined, privacy: { gpc: true, honorGpc: false } });
  const c = await q.consent.set({ aggregateMeasurement: true });
  assert.equal(c.gpcOverride, true);
  const record = JSON.parse(storage.map.get('localrank:consent'));
  assert.equal(record.gpc, true);
  assert.equal(record.gpcOverride, true, 'the integrator override is in the stored record');
  q.dispose();
  // The page's own signal still counts where there is one.
  await withGpc(async () => {
    const r = await device();
    assert.equal(r.consent.get().aggregateMeasurement, false);
    r.dispose();
  });
});
