// SPDX-License-Identifier: MIT
// A privacy budget that only grows (issue 22, item 4): the attacks that used
// to buy extra reports (three tabs, a clock moved forward or back, forget(), a
// new namespace, memory storage) are reproduced and give nothing more than the
// cap. wasm/src/ledger.js; docs/privacy.md, "Budget".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createPersonalizer, memoryStorage } from 'localrank';
import { T0 } from './helpers.mjs';
import { mapStorage, TAXONOMY } from './privacy-helpers.mjs';

const DAY = 24 * 3600 * 1000;
const LEDGER = 'localrank.privacy-ledger';
const CAP = { epsilonPerReport: 1, epsilonCap: 4, windowDays: 30 };

/** A device: aggregate measurement granted, a clock the test moves. */
async function device({ start, ...o } = {}) {
  let now = start ?? T0;
  const p = await createPersonalizer({
    taxonomy: TAXONOMY, autosaveMs: 0, now: () => now, consent: { personalization: true, aggregateMeasurement: true },
    ...o, privacy: { ...CAP, ...o.privacy },
  });
  return Object.assign(p, { setNow: (t) => { now = t; } });
}

/** Builds reports until refused; how many it got. */
async function drain(p) {
  let n = 0;
  while (p.buildAggregateReport() !== null) n++;
  await p.flush();
  return n;
}

/** Separate adapter objects over one Map, each call a few ms late (like separate tabs). */
function sharedMap() {
  const map = new Map();
  const later = (fn) => new Promise((r) => setTimeout(() => r(fn()), Math.random() * 4));
  const adapter = () => ({
    get: (k) => later(() => (map.has(k) ? map.get(k) : null)),
    set: (k, v) => later(() => { map.set(k, v); }),
    delete: (k) => later(() => { map.delete(k); }),
    keys: () => later(() => [...map.keys()]),
  });
  return { map, adapter };
}

async function collector() {
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { received.push(JSON.parse(body)); res.writeHead(202); res.end('{}'); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1/reports`, received, close: () => new Promise((r) => server.close(r)) };
}

test('three tabs over one store, with the clock moved forward by 31 days ten times, send no more than the cap', { timeout: 60000 }, async () => {
  const store = sharedMap();
  const c = await collector();
  let now = T0;
  const tabs = await Promise.all([0, 1, 2].map(() => createPersonalizer({
    storage: store.adapter(), taxonomy: TAXONOMY, autosaveMs: 0, now: () => now, privacy: CAP,
    consent: { personalization: true, aggregateMeasurement: true },
  })));
  try {
    for (let jump = 0; jump <= 10; jump++) {
      if (jump > 0) now += 31 * DAY;
      // Every tab tries three reports at once.
      await Promise.allSettled(tabs.flatMap((p) => [0, 1, 2].map(() => p.sendAggregateReport(c.url, { retries: 0 }))));
    }
    assert.ok(c.received.length >= 1, 'reports do go out');
    assert.ok(c.received.length <= 4, `${c.received.length} reports sent against a cap of 4`);
    const ledger = JSON.parse(store.map.get(LEDGER));
    assert.ok(ledger.spends.length >= c.received.length, 'every report sent is in the stored ledger');
    // And a fourth tab that opens now sees the budget spent.
    const late = await createPersonalizer({ storage: store.adapter(), taxonomy: TAXONOMY, now: () => now, privacy: CAP, consent: { aggregateMeasurement: true } });
    assert.equal(late.buildAggregateReport(), null);
    late.dispose();
  } finally {
    for (const p of tabs) p.dispose();
    await c.close();
  }
});

test('one tab whose clock moves forward 31 days ten times gets no new window', async () => {
  const p = await device({ storage: mapStorage() });
  let sent = await drain(p);
  for (let jump = 1; jump <= 10; jump++) {
    p.setNow(T0 + jump * 31 * DAY);
    sent += await drain(p);
  }
  assert.equal(sent, 4);
  p.dispose();
});

test('a clock moved back: the window ends at the latest time seen and spends dated later still count', async () => {
  const storage = mapStorage();
  const p = await device({ storage });
  assert.equal(await drain(p), 4);
  p.setNow(T0 - 90 * DAY);
  assert.equal(p.buildAggregateReport(), null);
  assert.equal(p.privacyBudget().spent, 4);
  p.dispose();
  const q = await device({ storage, start: T0 - 400 * DAY });
  assert.equal(q.buildAggregateReport(), null, 'a reload with the clock a year back');
  assert.equal(q.privacyBudget().spent, 4);
  q.dispose();
});

test('a new page with the clock 31 days ahead gets no new window either: the budget clock moves with real time only', async () => {
  const storage = mapStorage();
  const p = await device({ storage });
  assert.equal(await drain(p), 4);
  p.dispose();
  for (let jump = 1; jump <= 10; jump++) {
    const q = await device({ storage, start: T0 + jump * 31 * DAY });
    assert.equal(await drain(q), 0, `page ${jump}`);
    q.dispose();
  }
});

test('after a window of real time the budget is back', async () => {
  const storage = mapStorage();
  const p = await device({ storage });
  assert.equal(await drain(p), 4);
  p.dispose();
  // The ledger as it would be after 31 days: its real-time anchor is that old.
  const ledger = JSON.parse(storage.map.get(LEDGER));
  ledger.seenReal -= 31 * DAY;
  storage.map.set(LEDGER, JSON.stringify(ledger));
  const q = await device({ storage, start: T0 + 31 * DAY });
  assert.equal(await drain(q), 4);
  q.dispose();
});

test('forget() keeps the ledger (dates and epsilon only): no extra report, now or after a reload', async () => {
  const storage = mapStorage();
  const p = await device({ storage });
  assert.equal(await drain(p), 4);
  await p.forget();
  const kept = JSON.parse(storage.map.get(LEDGER));
  assert.deepEqual(Object.keys(kept.spends[0]).sort(), ['at', 'epsilon', 'id'], 'nothing about behaviour');
  assert.equal(kept.spends.length, 4);
  await p.consent.set({ aggregateMeasurement: true });
  assert.equal(p.buildAggregateReport(), null);
  p.dispose();
  const q = await device({ storage });
  assert.equal(q.buildAggregateReport(), null);
  q.dispose();
});

test('a new namespace on the same storage shares the budget', async () => {
  const storage = mapStorage();
  const p = await device({ storage, namespace: 'feed-a' });
  assert.equal(await drain(p), 4);
  p.dispose();
  const q = await device({ storage, namespace: 'feed-b' });
  assert.equal(q.buildAggregateReport(), null);
  q.dispose();
});

test('no report over storage that does not persist, unless a test opts in by name', async () => {
  const fallback = await device({ storage: undefined });
  assert.equal(fallback.buildAggregateReport(), null, 'the memory fallback');
  assert.equal(fallback.privacyBudget().reportsLeft, 0);
  assert.equal(fallback.privacyBudget().nextReportAt, null);
  fallback.dispose();
  const adapter = await device({ storage: memoryStorage() });
  assert.equal(adapter.buildAggregateReport(), null, 'memoryStorage() as an adapter');
  adapter.dispose();
  const optedIn = await device({ storage: 'memory', privacy: { testOnlyMemoryLedger: true } });
  assert.notEqual(optedIn.buildAggregateReport(), null);
  optedIn.dispose();
  await assert.rejects(device({ privacy: { testOnlyMemoryLedger: 'yes' } }), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.privacy.testOnlyMemoryLedger');
});

test('a ledger an older build kept per namespace is merged in, and survives forget()', async () => {
  const storage = mapStorage();
  const old = { schema: 'localrank.privacy-ledger', version: 1, epsilonCap: 4, windowMs: 30 * DAY, spends: [1, 2, 3].map((i) => ({ at: T0 - i * DAY, epsilon: 1 })) };
  storage.map.set('localrank:privacy-ledger', JSON.stringify(old));
  const p = await device({ storage });
  assert.equal(p.privacyBudget().spent, 3);
  await p.forget();
  assert.equal(storage.map.has('localrank:privacy-ledger'), false);
  assert.equal(JSON.parse(storage.map.get(LEDGER)).spends.length, 3);
  await p.consent.set({ aggregateMeasurement: true });
  assert.equal(await drain(p), 1);
  p.dispose();
});
