// SPDX-License-Identifier: MIT
// Consent, erasure, export and the device side of aggregate reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createPersonalizer, LocalrankError } from 'localrank/testing';
import { T0, FEED, ids } from './helpers.mjs';
import { seededWords, mapStorage, withGpc, TAXONOMY, SEGMENTS } from './privacy-helpers.mjs';

const DAY = 24 * 3600 * 1000;

async function make({ start, ...options } = {}) {
  let now = start ?? T0;
  const p = await createPersonalizer({
    now: () => now, autosaveMs: 0, taxonomy: TAXONOMY, ...options,
    // Reports over memory storage (whose ledger dies with the page) only because these tests opt in.
    privacy: { random: seededWords(7), testOnlyMemoryLedger: true, ...options.privacy },
  });
  return Object.assign(p, { setNow: (t) => { now = t; } });
}

test('consent is opt-in: both purposes are off until granted', async () => {
  const p = await make();
  const c = p.consent.get();
  assert.equal(c.personalization, false);
  assert.equal(c.aggregateMeasurement, false);
  assert.equal(c.updatedAt, null);
  assert.equal(p.record({ type: 'like', topics: { cooking: 1 } }), 0);
  assert.equal(p.buildAggregateReport(), null);
  p.dispose();
});

test('consent is stored with a timestamp and policy version and survives a reload', async () => {
  const storage = mapStorage();
  const p = await make({ storage });
  p.setNow(T0 + 5000);
  const c = await p.consent.set({ personalization: true });
  assert.deepEqual({ ...c, gpc: undefined }, { personalization: true, aggregateMeasurement: false, updatedAt: T0 + 5000, policyVersion: '1', gpc: undefined, gpcOverride: false });
  assert.equal(p.record({ type: 'like', topics: { cooking: 1 } }), 1);
  p.dispose();
  const stored = JSON.parse(storage.map.get('localrank:consent'));
  assert.equal(stored.updatedAt, T0 + 5000);
  assert.equal(stored.policyVersion, '1');
  const q = await make({ storage });
  assert.equal(q.consent.get().personalization, true);
  q.dispose();
  // A new policy version asks again: the old record is not used.
  const r = await make({ storage, privacy: { policyVersion: '2' } });
  assert.equal(r.consent.get().personalization, false);
  r.dispose();
});

test('consent.set rejects unknown purposes and non-booleans and changes nothing', async () => {
  const p = await make();
  await assert.rejects(p.consent.set({ marketing: true }), (e) => e instanceof LocalrankError && e.field === 'consent.marketing');
  await assert.rejects(p.consent.set({ personalization: 'yes' }), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'consent.personalization');
  await assert.rejects(p.consent.set(null), TypeError);
  assert.equal(p.consent.get().personalization, false);
  p.dispose();
});

test('withdrawing personalization erases the profile in memory and storage', async () => {
  const storage = mapStorage();
  const p = await make({ storage, consent: { personalization: true } });
  p.record({ type: 'like', topics: { cooking: 1 } });
  await p.flush();
  const profileKeys = () => [...storage.map.keys()].filter((k) => k.startsWith('localrank:slot:'));
  assert.ok(profileKeys().length > 0);
  await p.consent.set({ personalization: false });
  assert.equal(p.profile().topics.length, 0);
  assert.equal(p.profile().totalEvents, 0);
  assert.deepEqual(profileKeys(), []);
  assert.deepEqual(ids(p.rerank(FEED)), ids(FEED));
  p.dispose();
});

test('an integrator passing personalization: false at creation erases a stored profile', async () => {
  const storage = mapStorage();
  const p = await make({ storage, consent: { personalization: true } });
  p.record({ type: 'like', topics: { cooking: 1 } });
  await p.flush();
  p.dispose();
  const kept = await make({ storage });
  assert.equal(kept.profile().topics.length, 1, 'no consent given at creation: the stored profile is kept, unused');
  kept.dispose();
  const q = await make({ storage, consent: { personalization: false } });
  assert.equal(q.profile().topics.length, 0);
  assert.deepEqual([...storage.map.keys()].filter((k) => k.startsWith('localrank:slot:')), []);
  q.dispose();
});

test('consent given at creation is applied but not stored: the integrator keeps that record', async () => {
  const storage = mapStorage();
  const p = await make({ storage, consent: { personalization: true } });
  assert.equal(p.consent.get().personalization, true);
  assert.equal(p.consent.get().updatedAt, null);
  assert.equal(storage.map.has('localrank:consent'), false);
  p.dispose();
});

test('with Global Privacy Control aggregate measurement cannot be switched on without an override', async () => {
  await withGpc(async () => {
    const p = await make({ consent: { personalization: true, aggregateMeasurement: true } });
    assert.equal(p.consent.get().gpc, true);
    assert.equal(p.consent.get().aggregateMeasurement, false);
    await assert.rejects(p.consent.set({ aggregateMeasurement: true }), (e) => e.code === 'NOT_CONSENTED' && e.field === 'consent.aggregateMeasurement');
    assert.equal(p.buildAggregateReport(), null);
    assert.equal(p.consent.get().personalization, true, 'other purposes are unaffected');
    p.dispose();
    const q = await make({ privacy: { honorGpc: false } });
    await q.consent.set({ aggregateMeasurement: true });
    assert.notEqual(q.buildAggregateReport(), null);
    q.dispose();
  });
});

test('GPC switched on after a grant stops reports', async () => {
  const storage = mapStorage();
  const p = await make({ storage });
  await p.consent.set({ aggregateMeasurement: true });
  p.dispose();
  await withGpc(async () => {
    const q = await make({ storage });
    assert.equal(q.buildAggregateReport(), null);
    q.dispose();
  });
});

test('exportProfile then importProfile reproduces the profile and the ranking', async () => {
  const a = await make({ consent: { personalization: true } });
  a.record([
    { type: 'like', topics: { cooking: 1 }, creatorId: 'c3', at: T0 - 3 * DAY },
    { type: 'share', topics: { travel: 1 }, at: T0 - DAY },
    { type: 'hide', topics: { politics: 1 }, at: T0 - 1000 },
  ]);
  const exported = a.exportProfile();
  assert.equal(exported.schema, 'localrank.profile');
  assert.equal(typeof exported.version, 'number');
  const b = await make({ consent: { personalization: true } });
  b.importProfile(JSON.parse(JSON.stringify(exported)));
  assert.deepEqual(b.profile().topics, a.profile().topics);
  assert.deepEqual(b.profile().creators, a.profile().creators);
  assert.deepEqual(ids(b.rerank(FEED)), ids(a.rerank(FEED)));
  a.dispose();
  b.dispose();
});

test('forget leaves the storage empty', async () => {
  const storage = mapStorage();
  await storage.set('other-app:settings', 'kept');
  const p = await make({ storage });
  await p.consent.set({ personalization: true, aggregateMeasurement: true });
  p.record({ type: 'like', topics: { cooking: 1 } });
  await p.flush();
  assert.notEqual(p.buildAggregateReport(), null);
  await p.flush();
  await storage.set('localrank:something-else', 'x');
  for (const k of ['localrank:consent', 'localrank.privacy-ledger', 'localrank:something-else']) assert.ok(storage.map.has(k), k);
  assert.ok([...storage.map.keys()].some((k) => k.startsWith('localrank:slot:')));
  await p.forget();
  // The report memo (noise, nothing of the person) and the privacy ledger (dates and epsilon; erasing it would buy
  // reports: budget.test.mjs) stay: docs/privacy.md.
  assert.deepEqual([...storage.map.keys()].sort(), ['localrank.privacy-ledger', 'localrank.report-memo', 'other-app:settings']);
  assert.equal(p.profile().topics.length, 0);
  assert.equal(p.consent.get().personalization, false);
  assert.equal(p.record({ type: 'like', topics: { cooking: 1 } }), 0);
  p.dispose();
});

test('forget erases the known keys of an adapter without keys()', async () => {
  const map = new Map();
  const storage = { get: (k) => map.get(k) ?? null, set: (k, v) => { map.set(k, v); }, delete: (k) => { map.delete(k); } };
  const p = await make({ storage, consent: { personalization: true, aggregateMeasurement: true } });
  p.record({ type: 'like', topics: { cooking: 1 } });
  await p.flush();
  p.buildAggregateReport();
  await p.forget();
  assert.deepEqual([...map.keys()].sort(), ['localrank.privacy-ledger', 'localrank.report-memo'], 'only the ledger and the report memo (no behaviour) stay');
  p.dispose();
});

test('the accountant refuses past the cap, and its ledger survives a reload', async () => {
  const storage = mapStorage();
  const p = await make({ storage, consent: { aggregateMeasurement: true }, privacy: { epsilonPerReport: 1, epsilonCap: 4, windowDays: 30 } });
  for (let i = 0; i < 4; i++) {
    p.setNow(T0 + i * DAY);
    assert.notEqual(p.buildAggregateReport(), null, `report ${i}`);
  }
  p.setNow(T0 + 4 * DAY);
  assert.equal(p.buildAggregateReport(), null);
  assert.deepEqual(p.privacyBudget(), {
    epsilonPerReport: 1, epsilonCap: 4, windowDays: 30, spent: 4, remaining: 0, reportsLeft: 0, nextReportAt: T0 + 30 * DAY,
  });
  await p.flush();
  p.dispose();
  const q = await make({ storage, start: T0 + 5 * DAY, consent: { aggregateMeasurement: true } });
  assert.equal(q.buildAggregateReport(), null, 'a reload does not refill the budget');
  q.setNow(T0 + 30 * DAY);
  assert.equal(q.buildAggregateReport(), null, 'a clock moved forward buys nothing (budget.test.mjs)');
  q.dispose();
  // 30 days of real time later (the ledger's real-time anchor moved back by as much), the first spend has left the window.
  const ledger = JSON.parse(storage.map.get('localrank.privacy-ledger'));
  ledger.seenReal -= 30 * DAY;
  storage.map.set('localrank.privacy-ledger', JSON.stringify(ledger));
  const r = await make({ storage, start: T0 + 30 * DAY, consent: { aggregateMeasurement: true } });
  assert.notEqual(r.buildAggregateReport(), null, 'the first spend left the window');
  assert.equal(r.buildAggregateReport(), null);
  r.dispose();
});

test('an unreadable ledger blocks reports for a window and reports an error', async () => {
  const storage = mapStorage();
  await storage.set('localrank:privacy-ledger', '{broken');
  const errors = [];
  const p = await make({ storage, consent: { aggregateMeasurement: true }, on: { error: (e) => errors.push(e) } });
  assert.equal(p.buildAggregateReport(), null);
  assert.equal(errors[0]?.code, 'CORRUPT_PROFILE');
  await p.flush();
  p.dispose();
  // A window of real time later, reports resume.
  const ledger = JSON.parse(storage.map.get('localrank.privacy-ledger'));
  ledger.seenReal -= 31 * DAY;
  storage.map.set('localrank.privacy-ledger', JSON.stringify(ledger));
  const q = await make({ storage, start: T0 + 31 * DAY, consent: { aggregateMeasurement: true } });
  assert.notEqual(q.buildAggregateReport(), null);
  q.dispose();
});

test('a report has no identifier of its sender (only a fresh random id per report), no item id, a day-granular date and a constant size', async () => {
  const sizes = new Set();
  const ids = new Set();
  for (const [i, topics] of [{}, { cooking: 1 }, { travel: 2, fitness: 1 }, { sports: 1 }].entries()) {
    const p = await make({ consent: { personalization: true, aggregateMeasurement: true }, segments: SEGMENTS, privacy: { random: seededWords(i) } });
    if (Object.keys(topics).length) p.record({ type: 'like', itemId: 'item-secret-42', creatorId: 'creator-x', topics });
    for (let k = 0; k < 4; k++) {
      const r = p.buildAggregateReport();
      const text = JSON.stringify(r);
      sizes.add(text.length);
      assert.deepEqual(Object.keys(r).sort(), ['config', 'data', 'day', 'epsilon', 'id', 'kind', 'mechanism', 'schema', 'version']);
      assert.match(r.id, /^[0-9a-f]{32}$/);
      ids.add(r.id);
      assert.equal(r.day, '2023-11-14');
      assert.match(r.data, /^[0-9a-f]+$/);
      for (const secret of ['item-secret', 'creator-x', 'cooking', 'travel', String(T0)]) assert.ok(!text.includes(secret), secret);
    }
    p.dispose();
  }
  assert.equal(sizes.size, 1, `sizes ${[...sizes]}`);
  assert.equal(ids.size, 16, 'every report has its own id, even from devices seeded alike');
});

test('report randomness is reproducible only when a test seeds it', async () => {
  const build = async (random) => {
    const p = await make({ consent: { aggregateMeasurement: true }, privacy: { random } });
    const out = [p.buildAggregateReport(), p.buildAggregateReport(), p.buildAggregateReport()];
    p.dispose();
    return out;
  };
  // The noise is reproducible; the report id never is (crypto.getRandomValues, not the seeded source).
  const [a, b] = [await build(seededWords(3)), await build(seededWords(3))];
  const withoutId = (/** @type {any[]} */ rs) => rs.map(({ id, ...r }) => r);
  assert.deepEqual(withoutId(a), withoutId(b));
  assert.equal(new Set([...a, ...b].map((r) => r.id)).size, 6);
  // Default source: crypto.getRandomValues. 4 devices' memos x 7 perturbed bits: equal by chance ~ never.
  const datas = new Set();
  for (let i = 0; i < 4; i++) {
    const p1 = await createPersonalizer({ taxonomy: TAXONOMY, storage: mapStorage(), consent: { aggregateMeasurement: true } });
    datas.add(p1.buildAggregateReport().data);
    p1.dispose();
  }
  assert.ok(datas.size > 1);
});

test('sendAggregateReport posts JSON without credentials, and nothing without consent', async () => {
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ method: req.method, type: req.headers['content-type'], cookie: req.headers.cookie, body });
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end('{"accepted":true}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/v1/reports`;
  try {
    const off = await make();
    assert.equal(await off.sendAggregateReport(url), null);
    assert.equal(received.length, 0);
    off.dispose();
    const p = await make({ consent: { aggregateMeasurement: true } });
    const sent = await p.sendAggregateReport(url);
    assert.equal(sent.status, 202);
    assert.equal(received.length, 1);
    assert.equal(received[0].method, 'POST');
    assert.match(received[0].type, /^application\/json/);
    assert.equal(received[0].cookie, undefined);
    assert.deepEqual(JSON.parse(received[0].body), sent.report);
    await assert.rejects(p.sendAggregateReport('http://127.0.0.1:1/v1/reports', { retries: 0 }), (e) => e.code === 'SEND_FAILED');
    assert.equal(p.privacyBudget().spent, 2, 'a failed send still spent its epsilon');
    p.dispose();
  } finally {
    server.close();
  }
});

test('aggregate reports need a taxonomy; bad privacy options name the field', async () => {
  const p = await createPersonalizer({ consent: { aggregateMeasurement: true } });
  assert.throws(() => p.buildAggregateReport(), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.taxonomy');
  p.dispose();
  await assert.rejects(make({ privacy: { epsilonPerReport: 0 } }), (e) => e.field === 'options.privacy.epsilonPerReport');
  await assert.rejects(make({ privacy: { epsilonCap: 0.5 } }), (e) => e.field === 'options.privacy.epsilonCap');
  await assert.rejects(make({ taxonomy: ['a', 'a'] }), (e) => e.field === 'options.taxonomy[1]' && e.index === 1);
  await assert.rejects(make({ segments: [{ id: 's', topics: { nope: 1 } }] }), (e) => e.field === 'options.segments[0].topics.nope');
  await assert.rejects(make({ consent: { personalization: 1 } }), (e) => e.field === 'options.consent.personalization');
});

test('disposed personalizers refuse privacy calls', async () => {
  const p = await make();
  p.dispose();
  assert.throws(() => p.buildAggregateReport(), (e) => e.code === 'DISPOSED');
  assert.throws(() => p.consent.get(), (e) => e.code === 'DISPOSED');
  await assert.rejects(p.forget(), (e) => e.code === 'DISPOSED');
});
