// SPDX-License-Identifier: MIT
// The demo with Privacy Pass on, in Chromium: each report carries a token the
// page got from the demo's issuer, the token request carries no behaviour (a
// blinded message), the report carries no cookie, and the collector counts
// nothing without a token. The report travels encrypted through the relay, its
// token inside.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createOhttpRelay } from 'localrank/ohttp';
import { openDemo, newPage, load, answerConsent, showView, backdateClock, runSchedule } from './demo-helpers.mjs';

/** @type {Awaited<ReturnType<typeof openDemo>>} */
let demo;
before(async () => { demo = await openDemo({ tokens: true, collector: { publish: { everyMinutes: 0, minNewReports: 1 } } }); });
after(async () => { await demo?.close(); });

test('with tokens on, each report spends one token from the demo issuer; the issuer sees no behaviour, the collector no cookie', async () => {
  const { page, problems, close } = await newPage(demo);
  /** @type {import('playwright-core').Request[]} */
  const requests = [];
  page.on('request', (r) => { if (r.method() === 'POST') requests.push(r); });
  await backdateClock(page);
  await load(page, demo.base);
  await answerConsent(page, 'all');
  await runSchedule(page, 1);
  await showView(page, 'Your data');
  const report = JSON.parse(await page.textContent('#report-payload'));

  const relay = /** @type {any} */ (demo.server).demo.relay.url;
  const posts = await Promise.all(requests.map(async (r) => ({ url: r.url(), path: new URL(r.url()).pathname, headers: await r.allHeaders(), body: r.postDataBuffer() })));
  assert.deepEqual(posts.map((r) => r.path), ['/v1/token-request', '/'], 'a token, then the report through the relay');
  assert.equal(posts[1].url, relay);
  for (const r of posts.filter((x) => x.path === '/v1/token-request')) {
    assert.equal(r.headers['content-type'], 'application/private-token-request');
    assert.equal(r.body?.length, 259, 'a blind RSA token request: type, key id, 256 blinded bytes, nothing else');
  }
  assert.equal(posts[0].headers.cookie, undefined, 'the first token request: no device key yet');
  assert.equal(posts[1].headers.cookie, undefined, 'a report carries no cookie');
  assert.equal(posts[1].headers.authorization, undefined, 'the token is inside the encrypted request, not on the relay\'s');
  assert.equal(posts[1].headers['content-type'], 'message/ohttp-req');
  const estimates = async () => (await (await fetch(new URL('v1/estimates', demo.base))).json()).reports;
  assert.equal(await estimates(), 1, 'the collector counted the report with its token');
  // The same report again, through the relay as the page sends it but without its token: not counted.
  const keyConfig = new Uint8Array(await (await fetch(new URL('ohttp-keys', relay))).arrayBuffer());
  const res = await createOhttpRelay({ url: relay, keyConfig }).post(new URL('v1/reports', demo.base), { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) });
  assert.equal(res.status, 401);
  assert.equal(await estimates(), 1);
  assert.deepEqual(problems, []);
  await close();
});
