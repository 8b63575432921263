// SPDX-License-Identifier: MIT
// When reports leave (wasm/src/schedule.js, wasm/src/outbox.js): at a random
// time within the window, spaced apart, one report per send, never at start,
// on consent or on a call; consent is asked again right before a report
// leaves, and withdrawing it aborts a send in flight. The schedule runs on the
// personalizer's clock (`options.now`) with `auto: false`, so these tests
// drive it deterministically through `runDue()`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createPersonalizer } from 'localrank';
import { DEMO_REPORT_CONFIG } from '../../web-demo/demo-config.mjs';
import { mapStorage } from './privacy-helpers.mjs';

const DAY = 86400000;
const MINUTE = 60000;
const T0 = Date.parse('2026-12-07T10:00:00Z');

/** A collector stand-in: records each POST; `hold` keeps answers back until released. */
async function collector({ hold = false } = {}) {
  /** @type {{body: string, closed: boolean}[]} */
  const received = [];
  /** @type {(() => void)[]} */
  const waiting = [];
  /** @type {((n: number) => void)|null} */
  let onRequest = null;
  const server = createServer((req, res) => {
    let body = '';
    const entry = { body: '', closed: false };
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      entry.body = body;
      received.push(entry);
      onRequest?.(received.length);
      const answer = () => { res.writeHead(202, { 'Content-Type': 'application/json' }); res.end('{"accepted":true}'); };
      if (hold) waiting.push(answer);
      else answer();
    });
    res.on('close', () => { if (!res.writableFinished) entry.closed = true; });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(null)));
  return {
    url: `http://127.0.0.1:${/** @type {any} */ (server.address()).port}/v1/reports`,
    received,
    arrived: (/** @type {number} */ n) => new Promise((r) => { if (received.length >= n) r(null); else onRequest = (k) => { if (k >= n) r(null); }; }),
    release: () => { for (const w of waiting.splice(0)) w(); },
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(() => r(null))); },
  };
}

async function device(storage = mapStorage(), consent = { personalization: true, aggregateMeasurement: true }) {
  let now = T0;
  const p = await createPersonalizer({
    taxonomy: DEMO_REPORT_CONFIG.taxonomy, segments: DEMO_REPORT_CONFIG.segments, consent,
    storage, autosaveMs: 0, now: () => now,
  });
  return Object.assign(p, { storage, setNow: (/** @type {number} */ t) => { now = t; } });
}

test('the schedule draws a random time half a slot to 1.5 slots ahead, sends nothing before it, one report at it, and spaces the next', async (t) => {
  const c = await collector();
  const p = await device();
  t.after(async () => { p.dispose(); await c.close(); });
  /** @type {any[]} */
  const events = [];
  p.on('report', (r) => events.push(r));
  // Defaults: epsilon 1 per report, cap 4 per 30 days: a slot of 7.5 days.
  const slot = 7.5 * DAY;
  const s = await p.scheduleAggregateReports(c.url, { retries: 0, auto: false });
  const first = /** @type {number} */ (s.nextAt);
  assert.ok(first >= T0 + slot / 2 && first <= T0 + 1.5 * slot, `first send ${(first - T0) / DAY} days after the start`);
  assert.equal(c.received.length, 0, 'nothing leaves at the start');
  assert.equal(await s.runDue(), undefined, 'not due yet');
  p.setNow(first - 1);
  assert.equal(await s.runDue(), undefined);
  await p.consent.set({ aggregateMeasurement: true });
  assert.equal(c.received.length, 0, 'nor on a consent change');

  p.setNow(first);
  const sent = await s.runDue();
  assert.equal(sent?.status, 202);
  assert.equal(c.received.length, 1, 'one report per send');
  assert.deepEqual(JSON.parse(c.received[0].body), sent.report);
  assert.deepEqual(events, [sent]);
  assert.equal(p.privacyBudget().spent, 1);
  const second = /** @type {number} */ (s.nextAt);
  assert.ok(second >= first + slot / 2 && second <= first + 1.5 * slot, 'the next one at least half a slot later');
  assert.equal(await s.runDue(), undefined, 'and not before');
  assert.equal(JSON.parse(p.storage.map.get('localrank:report-schedule')).at, second, 'the time is kept on storage');
});

test('a reload keeps the drawn time; a time that passed while no page was open is redrawn 1 to 10 minutes later, not at the start', async (t) => {
  const c = await collector();
  const storage = mapStorage();
  const p = await device(storage);
  const s = await p.scheduleAggregateReports(c.url, { retries: 0, auto: false });
  const at = /** @type {number} */ (s.nextAt);
  p.dispose();
  const again = await device(storage);
  t.after(async () => { again.dispose(); await c.close(); });
  const s2 = await again.scheduleAggregateReports(c.url, { retries: 0, auto: false });
  assert.equal(s2.nextAt, at, 'a reload does not redraw');
  s2.stop();
  // Opened again long after the time passed.
  const late = at + 3 * DAY;
  again.setNow(late);
  const s3 = await again.scheduleAggregateReports(c.url, { retries: 0, auto: false });
  const redrawn = /** @type {number} */ (s3.nextAt);
  assert.ok(redrawn >= late + MINUTE && redrawn <= late + 10 * MINUTE, `redrawn ${(redrawn - late) / MINUTE} minutes after the start`);
  assert.equal(await s3.runDue(), undefined);
  assert.equal(c.received.length, 0, 'nothing at the start');
  again.setNow(redrawn);
  assert.equal((await s3.runDue())?.status, 202);
  assert.equal(c.received.length, 1);
});

test('without consent a due send sends nothing and the schedule goes on; the draws differ between devices', async (t) => {
  const c = await collector();
  const p = await device(mapStorage(), { personalization: true, aggregateMeasurement: false });
  t.after(async () => { p.dispose(); await c.close(); });
  const s = await p.scheduleAggregateReports(c.url, { retries: 0, auto: false });
  const first = /** @type {number} */ (s.nextAt);
  p.setNow(first);
  assert.equal(await s.runDue(), null);
  assert.equal(c.received.length, 0);
  assert.ok(/** @type {number} */ (s.nextAt) > first);
  const times = new Set();
  for (let i = 0; i < 8; i++) {
    const d = await device();
    times.add((await d.scheduleAggregateReports(c.url, { auto: false })).nextAt);
    d.dispose();
  }
  assert.equal(times.size, 8, 'each device draws its own time');
});

test('consent is asked again right before a report leaves: withdrawn during a retry wait, the report is dropped and never sent again', async (t) => {
  // The first attempt fails (nothing listens), the retry would wait 1 s; consent is withdrawn meanwhile.
  const p = await device();
  t.after(() => p.dispose());
  const sending = p.sendAggregateReport('http://127.0.0.1:1/v1/reports', { retries: 3 });
  await new Promise((r) => setTimeout(r, 50));
  await p.consent.set({ aggregateMeasurement: false });
  assert.equal(await sending, null);
  assert.equal(p.storage.map.has('localrank:report-outbox'), false, 'the kept report is dropped');
});

test('withdrawing consent aborts a send in flight: the request is cut, the report dropped', async (t) => {
  const c = await collector({ hold: true });
  const p = await device();
  t.after(async () => { p.dispose(); c.release(); await c.close(); });
  const sending = p.sendAggregateReport(c.url, { retries: 2 });
  await c.arrived(1);
  await p.consent.set({ aggregateMeasurement: false });
  assert.equal(await sending, null, 'the send gives up');
  assert.equal(p.storage.map.has('localrank:report-outbox'), false, 'nothing kept to re-send');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(c.received[0].closed, true, 'the connection was closed before the collector answered');
  assert.equal(c.received.length, 1, 'no retry');
});

test('withdrawing consent in another tab aborts this tab\'s send in flight', { timeout: 10000 }, async (t) => {
  const c = await collector({ hold: true });
  // Two "tabs": personalizers on one storage adapter of the same origin and namespace.
  const storage = mapStorage();
  const a = await device(storage);
  const b = await device(storage);
  // The channel does not keep Node's event loop alive: a timer does while the test waits.
  const alive = setInterval(() => {}, 5);
  t.after(async () => { clearInterval(alive); a.dispose(); b.dispose(); c.release(); await c.close(); });
  const sending = a.sendAggregateReport(c.url, { retries: 2 });
  await c.arrived(1);
  await b.consent.set({ aggregateMeasurement: false });
  assert.equal(await sending, null, 'the other tab\'s withdrawal reached this one and cut the send');
  assert.equal(a.consent.get().aggregateMeasurement, false);
  assert.equal(c.received.length, 1, 'no retry');
});
