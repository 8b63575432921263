// SPDX-License-Identifier: MIT
// scheduleAggregateReports (and sendAggregateReport's token and relay) through
// localrank/worker: the personalizer runs in a real worker thread (the
// package's worker-thread.mjs over node:worker_threads, tests/js/node-worker.mjs),
// the token function and the clock stay in the page, the relay is rebuilt in
// the worker from its {url, keyConfig}, and errors are the main API's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createPersonalizer, LocalrankError } from 'localrank';
import { createWorkerPersonalizer } from 'localrank/worker';
import { createOhttpRelay } from 'localrank/ohttp';
import { createCollector, startRelay } from 'localrank-collector';
import { DEMO_REPORT_CONFIG } from '../../web-demo/demo-config.mjs';
import { mapStorage } from './privacy-helpers.mjs';
import { nodeWorker, wasmBinary, reportWasmBinary } from './node-worker.mjs';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const DAY = 86400000;
const TOKEN = 'PrivateToken token="page-token"';

/** A collector stand-in: records each POST's body and Authorization header. */
async function collector() {
  /** @type {{body: string, authorization?: string}[]} */
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ body, authorization: req.headers.authorization });
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end('{"accepted":true}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(null)));
  return {
    url: `http://127.0.0.1:${/** @type {any} */ (server.address()).port}/v1/reports`,
    received,
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(() => r(null))); },
  };
}

const OPTIONS = { taxonomy: DEMO_REPORT_CONFIG.taxonomy, sensitiveTopics: DEMO_REPORT_CONFIG.sensitiveTopics, segments: DEMO_REPORT_CONFIG.segments, consent: { personalization: true, aggregateMeasurement: true }, autosaveMs: 0 };

/** A personalizer in a worker thread, on a clock the test sets. */
async function workerDevice(storage = mapStorage(), start = T0) {
  let now = start;
  const p = await createWorkerPersonalizer({ ...OPTIONS, storage, now: () => now, worker: nodeWorker(), wasmBinary: wasmBinary(), reportWasmBinary: reportWasmBinary() });
  return Object.assign(p, { storage, setNow: (/** @type {number} */ t) => { now = t; } });
}

test('worker: a schedule sends nothing before its time and one report at it, with the token the page\'s function gave', async (t) => {
  const c = await collector();
  const p = await workerDevice();
  t.after(async () => { await p.dispose(); await c.close(); });
  /** @type {any[]} */
  const reports = [];
  p.on('report', (r) => reports.push(r));
  let asked = 0;
  const s = await p.scheduleAggregateReports(c.url, { retries: 0, auto: false, token: async () => { asked++; return TOKEN; } });
  const first = s.nextAt;
  const slot = 7.5 * DAY; // defaults: epsilon 1 per report, cap 4 per 30 days
  assert.ok(first >= T0 + slot / 2 && first <= T0 + 1.5 * slot, `first send ${(first - T0) / DAY} days after the start`);
  assert.equal(JSON.parse(p.storage.map.get('localrank:report-schedule')).at, first, 'kept on the page\'s storage');
  assert.equal(await s.runDue(), undefined, 'not due yet');
  p.setNow(first - 1);
  assert.equal(await s.runDue(), undefined);
  assert.equal(c.received.length, 0);
  assert.equal(asked, 0, 'no token asked before a report is built');

  p.setNow(first);
  const sent = await s.runDue();
  assert.equal(sent?.status, 202);
  assert.equal(asked, 1, 'the page\'s token function answered the worker');
  assert.equal(c.received.length, 1, 'one report per send');
  assert.equal(c.received[0].authorization, TOKEN);
  assert.deepEqual(JSON.parse(c.received[0].body), sent.report);
  assert.deepEqual(reports, [sent], 'the report event reached the page');
  assert.equal((await p.privacyBudget()).spent, 1);
  const second = s.nextAt;
  assert.ok(second >= first + slot / 2 && second <= first + 1.5 * slot, 'nextAt follows the worker\'s next draw');
  assert.equal(await s.runDue(), undefined, 'and not before');

  s.stop();
  p.setNow(second);
  assert.equal(await s.runDue(), undefined, 'stopped');
  assert.equal(c.received.length, 1);
});

test('worker: a token function that throws is an error event, as in the main API; a replaced schedule sends nothing', async (t) => {
  const c = await collector();
  let mainNow = T0;
  const main = await createPersonalizer({ ...OPTIONS, storage: 'memory', now: () => mainNow, privacy: { testOnlyMemoryLedger: true } });
  const p = await workerDevice();
  t.after(async () => { main.dispose(); await p.dispose(); await c.close(); });
  const boom = async () => { throw new TypeError('the issuer is down'); };
  /** @type {any[]} */
  const mainErrors = [];
  main.on('error', (e) => mainErrors.push(e));
  const ms = await main.scheduleAggregateReports(c.url, { retries: 0, auto: false, token: boom });
  /** @type {any[]} */
  const errors = [];
  p.on('error', (e) => errors.push(e));
  const old = await p.scheduleAggregateReports(c.url, { auto: false, token: () => TOKEN });
  const s = await p.scheduleAggregateReports(c.url, { retries: 0, auto: false, token: boom });
  p.setNow(T0 + 30 * DAY);
  assert.equal(await old.runDue(), undefined, 'the replaced schedule is stopped');
  assert.equal(await s.runDue(), undefined, 'a failed send resolves undefined');
  mainNow = ms.nextAt;
  assert.equal(await ms.runDue(), undefined);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof LocalrankError);
  assert.deepEqual([errors[0].code, errors[0].field, errors[0].message], [mainErrors[0].code, mainErrors[0].field, mainErrors[0].message]);
  assert.match(errors[0].message, /no token: TypeError: the issuer is down/);
  assert.equal(c.received.length, 0, 'nothing sent without a token');
  assert.ok(s.nextAt > T0 + 30 * DAY, 'tried again later');
});

test('worker: through an OHTTP relay, given as the relay createOhttpRelay made or as {url, keyConfig}', async (t) => {
  const collector = await createCollector({ config: DEMO_REPORT_CONFIG, store: 'sqlite::memory:', ohttp: true, logger: false, publish: { everyMinutes: 0, minNewReports: 1 } });
  await collector.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${/** @type {any} */ (collector.server.address()).port}`;
  const relay = await startRelay({ gateway: `${base}/.well-known/ohttp-gateway`, log: () => {} });
  const relayUrl = `http://127.0.0.1:${/** @type {any} */ (relay.server.address()).port}/`;
  const keyConfig = new Uint8Array(await (await fetch(`${relayUrl}ohttp-keys`)).arrayBuffer());
  // The collector takes reports of its own days only: the devices run on today's clock, with a send time kept on
  // their storage a minute ahead (a reload keeps it, report-schedule.test.mjs).
  const today = Date.now();
  const kept = () => mapStorage(new Map([['localrank:report-schedule', JSON.stringify({ at: today + 60000 })]]));
  const a = await workerDevice(kept(), today);
  const b = await workerDevice(kept(), today);
  /** @type {any[]} */
  const errors = [];
  for (const d of [a, b]) d.on('error', (e) => errors.push(e));
  t.after(async () => { await a.dispose(); await b.dispose(); await relay.close(); await collector.close(); });

  const sa = await a.scheduleAggregateReports(`${base}/v1/reports`, { retries: 0, auto: false, relay: createOhttpRelay({ url: relayUrl, keyConfig }) });
  assert.equal(sa.nextAt, today + 60000);
  a.setNow(sa.nextAt);
  assert.equal((await sa.runDue())?.status, 202, String(errors[0]?.stack));
  const sb = await b.scheduleAggregateReports(`${base}/v1/reports`, { retries: 0, auto: false, relay: { url: relayUrl, keyConfig: Buffer.from(keyConfig).toString('base64url') } });
  b.setNow(sb.nextAt);
  assert.equal((await sb.runDue())?.status, 202);
  // sendAggregateReport takes the same relay.
  assert.equal((await a.sendAggregateReport(`${base}/v1/reports`, { retries: 0, relay: createOhttpRelay({ url: relayUrl, keyConfig }) }))?.status, 202);
  const est = await (await fetch(`${base}/v1/estimates`)).json();
  assert.equal(est.reports, 3, 'the collector counted the three reports that came through the relay');
});

test('worker: bad delivery options are refused with the main API\'s LocalrankError, thrown at the caller\'s await', async (t) => {
  const main = await createPersonalizer({ ...OPTIONS, storage: 'memory', privacy: { testOnlyMemoryLedger: true } });
  const p = await workerDevice();
  t.after(async () => { main.dispose(); await p.dispose(); });
  const url = 'http://127.0.0.1:1/v1/reports';
  const cases = [{ retries: 11 }, { retries: 1.5 }, { token: 'Bearer x' }, { token: 42 }, { relay: {} }, { relay: 'https://relay.example/' }, { relay: null }, { relay: { post() {} } }];
  for (const options of cases) {
    /** @type {any} */
    let expected;
    await main.scheduleAggregateReports(url, { ...options, auto: false }).catch((e) => { expected = e; });
    assert.ok(expected instanceof LocalrankError, JSON.stringify(options));
    for (const method of /** @type {const} */ (['scheduleAggregateReports', 'sendAggregateReport'])) {
      await assert.rejects(p[method](url, { ...options, auto: false }), (/** @type {any} */ e) => {
        assert.ok(e instanceof LocalrankError, `${method} ${JSON.stringify(options)}: ${e}`);
        assert.deepEqual([e.code, e.field, e.message], [expected.code, expected.field, expected.message]);
        assert.match(e.stack, /worker-schedule\.test\.mjs/, 'the stack is the caller\'s');
        return true;
      });
    }
  }
  // A relay made in the worker from bad data: createOhttpRelay's own error.
  /** @type {any} */
  let made;
  try {
    createOhttpRelay({ url: 'ftp://relay.example/', keyConfig: 'AAAA' });
  } catch (e) {
    made = e;
  }
  await assert.rejects(p.scheduleAggregateReports(url, { relay: { url: 'ftp://relay.example/', keyConfig: 'AAAA' } }), (/** @type {any} */ e) => e instanceof LocalrankError && e.code === made.code && e.field === made.field && e.message === made.message);
  await assert.rejects(p.scheduleAggregateReports(url, { relay: { url: 'https://relay.example/', keyConfig: 'AAAA' } }), (/** @type {any} */ e) => e instanceof LocalrankError && e.field === 'relay.keyConfig');
  // Nothing was scheduled by the refused calls.
  assert.equal(p.storage.map.has('localrank:report-schedule'), false);
});

test('worker: with auto, the page\'s timer sends when the page\'s clock reaches nextAt', async (t) => {
  const c = await collector();
  const p = await workerDevice();
  t.after(async () => { await p.dispose(); await c.close(); });
  const reported = new Promise((resolve) => p.on('report', resolve));
  const s = await p.scheduleAggregateReports(c.url, { retries: 0 });
  // Not due at the call's time: runDue re-arms the timer, which fires (at least 1 s later) on the page's clock.
  p.setNow(s.nextAt - 1);
  assert.equal(await s.runDue(), undefined);
  p.setNow(s.nextAt);
  const r = /** @type {any} */ (await reported);
  assert.equal(r?.status, 202);
  assert.equal(c.received.length, 1);
  s.stop();
});

test('worker: after dispose a schedule sends nothing', async () => {
  const c = await collector();
  const p = await workerDevice();
  const s = await p.scheduleAggregateReports(c.url, { auto: false });
  await p.dispose();
  p.setNow(s.nextAt);
  assert.equal(await s.runDue(), undefined);
  assert.equal(c.received.length, 0);
  await c.close();
});
