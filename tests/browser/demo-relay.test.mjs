// SPDX-License-Identifier: MIT
// The demo in Chromium with its reports going through the Oblivious HTTP
// relay (localrank-relay, a separate process that connects to the collector
// from 127.0.0.2): the collector's request log of the report's requests holds
// no client address, cookie, User-Agent, Accept-Language or client hint; the
// relay's log and everything the browser sent it hold no report. The report
// leaves by itself, when the page's clock reaches the schedule's time. Without a
// relay, it goes to the collector without cookie, referrer or custom header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { openDemo, newPage, load, answerConsent, showView, backdateClock, runSchedule } from './demo-helpers.mjs';

/** The collector's request log: Fastify's logger, recording the peer address and every header of each request. */
/** @type {any[]} */
const collectorLog = [];
const logger = {
  level: 'info',
  stream: new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).trim().split('\n')) collectorLog.push(JSON.parse(l)); done(); } }),
  serializers: { req: (/** @type {any} */ req) => ({ method: req.method, url: req.url, address: req.socket?.remoteAddress, headers: req.headers }) },
};

/** @type {Awaited<ReturnType<typeof openDemo>>} */
let demo;
before(async () => { demo = await openDemo({ collector: { logger }, relayLocalAddress: '127.0.0.2', relayLog: true }); });
after(async () => { await demo?.close(); });

test('a report through the relay: the collector sees no address, cookie, User-Agent or client hint of the browser; the relay never sees the report', async () => {
  const { page, context, problems, close } = await newPage(demo);
  // The site's own session cookie, as a site with sign-in has: it must not reach the relay or the gateway.
  await context.addCookies([{ name: 'site-session', value: 'session-secret-4711', url: demo.base }]);
  /** @type {import('playwright-core').Request[]} */
  const requests = [];
  page.on('request', (r) => requests.push(r));
  await backdateClock(page);
  await load(page, demo.base);
  await answerConsent(page, 'all');
  assert.equal(await page.getAttribute('body', 'data-reports'), null, 'nothing sent at load or on consent');
  await runSchedule(page, 1);
  await showView(page, 'Your data');
  const report = JSON.parse(await page.textContent('#report-payload'));
  assert.equal(report.schema, 'localrank.report');
  assert.match(await page.textContent('#report-next'), /The next report leaves at a random time/);

  const relay = /** @type {any} */ (demo.server).demo.relay;
  const relayOrigin = new URL(relay.url).origin;
  const origin = new URL(demo.base).origin;
  // What the browser sent: the report only to the relay, encrypted, with no cookie.
  const posts = requests.filter((r) => r.method() === 'POST');
  assert.deepEqual(posts.map((r) => new URL(r.url()).origin + new URL(r.url()).pathname), [`${relayOrigin}/`], 'one POST, to the relay');
  const sent = posts[0];
  const headers = await sent.allHeaders();
  assert.equal(headers['content-type'], 'message/ohttp-req');
  assert.equal(headers.cookie, undefined, 'no cookie to the relay');
  const body = /** @type {Buffer} */ (sent.postDataBuffer());
  for (const s of [report.id, report.data, report.config, 'localrank.report', '"epsilon"']) {
    assert.equal(body.indexOf(s), -1, `the relay received no ${s}`);
    assert.equal(body.indexOf(Buffer.from(s, 'hex').length > 4 ? Buffer.from(s, 'hex') : Buffer.from(s)), -1, `nor its bytes: ${s}`);
  }
  assert.ok(!requests.some((r) => r.method() === 'POST' && new URL(r.url()).origin === origin), 'no report went to the site itself');

  // The relay's log: one line per request, no address, header or body.
  const lines = relay.log.map((/** @type {string} */ l) => JSON.parse(l));
  assert.ok(lines.some((/** @type {any} */ e) => e.method === 'POST' && e.url === '/' && e.status === 200), JSON.stringify(lines));
  for (const e of lines) assert.deepEqual(Object.keys(e).sort(), ['at', 'bytesIn', 'bytesOut', 'method', 'status', 'url']);
  const relayText = relay.log.join('\n');
  for (const s of [report.id, report.data, 'session-secret-4711', '127.0.0.1']) assert.ok(!relayText.includes(s), `the relay's log holds no ${s}`);

  // The collector's request log: the report's requests came from the relay's address, with none of the browser's headers.
  const entries = collectorLog.filter((e) => e.req).map((e) => e.req);
  const reportRequests = entries.filter((r) => r.url === '/.well-known/ohttp-gateway' || r.url.startsWith('/v1/reports'));
  assert.ok(reportRequests.some((r) => r.method === 'POST' && r.url === '/.well-known/ohttp-gateway'), 'the report reached the gateway');
  const browserUa = await page.evaluate(() => navigator.userAgent);
  for (const r of reportRequests) {
    assert.equal(r.address, '127.0.0.2', `${r.method} ${r.url} came from the relay, not the browser (127.0.0.1)`);
    const h = r.headers;
    assert.equal(h.cookie, undefined);
    assert.equal(h['accept-language'], undefined);
    assert.equal(h.origin, undefined);
    assert.equal(h.referer, undefined);
    assert.equal(h['x-forwarded-for'], undefined);
    assert.equal(h.forwarded, undefined);
    assert.notEqual(h['user-agent'], browserUa);
    assert.deepEqual(Object.keys(h).filter((k) => k.startsWith('sec-')), [], 'no client hints or fetch metadata');
    assert.ok(!JSON.stringify(h).includes('session-secret-4711'));
  }
  // The page's own requests did carry all of this: the log would have shown it.
  assert.ok(entries.some((r) => r.address === '127.0.0.1' && r.headers['user-agent'] === browserUa && r.url === '/'), 'the page load is in the log with its User-Agent');
  const est = await demo.server.collector.estimate('0001-01-01', '9999-12-31');
  assert.equal(est.reports, 1, 'and the collector counted the report');
  assert.deepEqual(problems, []);
  await close();
});

test('without a relay the scheduled report goes straight to the collector with no cookie, no referrer and no custom header', async () => {
  const direct = await openDemo({ relay: false });
  try {
    const { page, context, problems, close } = await newPage(direct);
    await context.addCookies([{ name: 'site-session', value: 'session-secret-4711', url: direct.base }]);
    /** @type {import('playwright-core').Request[]} */
    const posts = [];
    page.on('request', (r) => { if (r.method() === 'POST') posts.push(r); });
    await backdateClock(page);
    await load(page, direct.base);
    await answerConsent(page, 'all');
    await runSchedule(page, 1);
    assert.deepEqual(posts.map((r) => new URL(r.url()).pathname), ['/v1/reports']);
    const headers = await posts[0].allHeaders();
    assert.equal(headers.cookie, undefined, 'credentials omitted: the site\'s cookie stays home');
    assert.equal(headers.referer, undefined, 'no referrer');
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers.authorization, undefined);
    assert.deepEqual(Object.keys(headers).filter((k) => k.startsWith('x-')), [], 'no custom header');
    assert.equal((await direct.server.collector.estimate('0001-01-01', '9999-12-31')).reports, 1);
    assert.deepEqual(problems, []);
    await close();
  } finally {
    await direct.close();
  }
});
