// SPDX-License-Identifier: MIT
// Devices keep what they could not deliver (wasm/src/outbox.js): a report that
// got a network error, 429 or 5xx is re-sent unchanged (same id, no new
// epsilon) until delivered or too old; the collector counts it once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createPersonalizer } from 'localrank';
import { startServer } from '../../web-demo/server.mjs';
import { DEMO_REPORT_CONFIG } from '../../web-demo/demo-config.mjs';
import { mapStorage } from './privacy-helpers.mjs';

const DAY = 86400000;
const FAST = { retries: 0 };

/** A collector stand-in answering each POST with the next status of `script` (then 202). */
async function scripted(script) {
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push(JSON.parse(body));
      const [status, headers] = script.shift() ?? [202, {}];
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(status === 202 ? '{"accepted":true}' : '{"error":{"code":"X","message":"","field":""}}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1/reports`, received, close: () => new Promise((r) => server.close(r)) };
}

async function device(o = {}) {
  let now = o.now ?? Date.parse('2026-12-07T10:00:00Z');
  const p = await createPersonalizer({
    taxonomy: DEMO_REPORT_CONFIG.taxonomy, sensitiveTopics: DEMO_REPORT_CONFIG.sensitiveTopics, segments: DEMO_REPORT_CONFIG.segments, consent: { personalization: true, aggregateMeasurement: true },
    storage: o.storage ?? 'memory', autosaveMs: 0, now: () => now, privacy: { testOnlyMemoryLedger: true },
  });
  return Object.assign(p, { setNow: (t) => { now = t; } });
}

test('a 503 or 429 is re-sent within the call, honouring Retry-After, as the same report (same id)', async () => {
  const c = await scripted([[503, { 'Retry-After': '0' }], [429, { 'Retry-After': '0' }]]);
  const p = await device();
  try {
    const sent = await p.sendAggregateReport(c.url, { retries: 2 });
    assert.equal(sent.status, 202);
    assert.equal(c.received.length, 3);
    assert.deepEqual(c.received[1], c.received[0]);
    assert.deepEqual(c.received[2], sent.report);
    assert.equal(p.privacyBudget().spent, 1, 'one epsilon for three sends');
  } finally {
    p.dispose();
    await c.close();
  }
});

test('an undelivered report is kept and re-sent by the next call, spending no new epsilon; a refused one is dropped', async () => {
  const storage = mapStorage();
  const p = await device({ storage });
  const down = 'http://127.0.0.1:1/v1/reports';
  const c = await scripted([[400, {}]]);
  try {
    const failed = await p.sendAggregateReport(down, FAST).catch((e) => e);
    assert.equal(failed.code, 'SEND_FAILED');
    assert.ok(failed.retryAfterMs > 0);
    assert.equal(p.privacyBudget().spent, 1);
    const kept = JSON.parse(storage.map.get('localrank:report-outbox')).report;
    // Kept across a reload of the page: a new personalizer on the same storage re-sends it.
    p.dispose();
    const again = await device({ storage });
    assert.equal(again.privacyBudget().spent, 1);
    const refused = await again.sendAggregateReport(c.url, FAST).catch((e) => e);
    assert.equal(refused.code, 'SEND_FAILED', 'a 400 is final');
    assert.deepEqual(c.received[0], kept, 'the kept report, unchanged');
    assert.equal(again.privacyBudget().spent, 1, 'no new epsilon for the re-send');
    assert.equal(storage.map.has('localrank:report-outbox'), false, 'refused: dropped');
    const next = await again.sendAggregateReport(c.url, FAST);
    assert.notEqual(next.report.id, kept.id, 'a new report after a refused one');
    assert.equal(again.privacyBudget().spent, 2);
    again.dispose();
  } finally {
    await c.close();
  }
});

test('a kept report is dropped once its day is too old for a collector, and on consent withdrawal', async () => {
  const storage = mapStorage();
  const p = await device({ storage });
  const c = await scripted([]);
  try {
    await assert.rejects(p.sendAggregateReport('http://127.0.0.1:1/v1/reports', FAST));
    const kept = JSON.parse(storage.map.get('localrank:report-outbox')).report;
    p.setNow(Date.parse('2026-12-09T23:00:00Z'));
    const twoDaysOn = await p.sendAggregateReport(c.url, FAST);
    assert.equal(twoDaysOn.report.id, kept.id, 'two days on: still accepted, re-sent');
    await assert.rejects(p.sendAggregateReport('http://127.0.0.1:1/v1/reports', FAST));
    p.setNow(Date.parse('2026-12-09T23:00:00Z') + 3 * DAY);
    const later = await p.sendAggregateReport(c.url, FAST);
    assert.notEqual(later.report.id, twoDaysOn.report.id, 'too old: dropped, a new report built');
    assert.equal(later.report.day, '2026-12-12');
    await assert.rejects(p.sendAggregateReport('http://127.0.0.1:1/v1/reports', FAST));
    await p.consent.set({ aggregateMeasurement: false });
    assert.equal(await p.sendAggregateReport(c.url, FAST), null);
    assert.equal(storage.map.has('localrank:report-outbox'), false, 'withdrawn: dropped');
    assert.equal(c.received.length, 2);
  } finally {
    p.dispose();
    await c.close();
  }
});

test('1,000 devices sending at once to a rate-limited collector: every report is eventually counted once, each device spends epsilon once', { timeout: 120000 }, async () => {
  const app = await startServer({ port: 0, db: ':memory:', tokens: false, collector: { rateLimit: { perSecond: 250, burst: 250 } } });
  const url = `http://127.0.0.1:${app.server.address().port}/v1/reports`;
  const devices = await Promise.all(Array.from({ length: 1000 }, () => device({ now: Date.now() })));
  // Count the collector's answers as the devices see them.
  const statuses = new Map();
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (...a) => {
    const res = await realFetch(...a);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    return res;
  };
  try {
    for (const [i, p] of devices.entries()) p.record({ type: 'like', topics: { [DEMO_REPORT_CONFIG.taxonomy[i % 24]]: 1 } });
    const results = await Promise.all(devices.map((p) => p.sendAggregateReport(url, { retries: 10 })));
    assert.ok(results.every((r) => r?.status === 202), 'every device delivered');
    assert.ok(devices.every((p) => p.privacyBudget().spent === 1), 'no device spent epsilon twice');
    const est = await (await fetch(url.replace('/reports', '/estimates'))).json();
    assert.equal(est.reports, 1000, 'each report counted once');
    assert.ok((statuses.get(429) ?? 0) > 0, 'the rate limit was hit');
    console.log(`1,000 devices at once: answers ${JSON.stringify(Object.fromEntries(statuses))}`);
  } finally {
    globalThis.fetch = realFetch;
    for (const p of devices) p.dispose();
    await app.close();
  }
});
