// SPDX-License-Identifier: MIT
// The demo with Privacy Pass on, in Chromium: each report carries a token the
// page got from the demo's issuer, the token request carries no behaviour (a
// blinded message), the report carries no cookie, and the collector counts
// nothing without a token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openDemo, newPage, load, answerConsent, showView } from './demo-helpers.mjs';

/** @type {Awaited<ReturnType<typeof openDemo>>} */
let demo;
before(async () => { demo = await openDemo({ tokens: true }); });
after(async () => { await demo?.close(); });

test('with tokens on, each report spends one token from the demo issuer; the issuer sees no behaviour, the collector no cookie', async () => {
  const { page, problems, close } = await newPage(demo);
  /** @type {import('playwright-core').Request[]} */
  const requests = [];
  page.on('request', (r) => { if (r.method() === 'POST') requests.push(r); });
  await load(page, demo.base);
  await answerConsent(page, 'all');
  await page.waitForFunction(() => Number(document.body.dataset.reports) >= 1);
  await showView(page, 'Your data');
  await page.getByRole('button', { name: 'Send a report now' }).click();
  await page.waitForFunction(() => Number(document.body.dataset.reports) >= 2);

  const posts = await Promise.all(requests.map(async (r) => ({ path: new URL(r.url()).pathname, headers: await r.allHeaders(), body: r.postDataBuffer() })));
  assert.deepEqual(posts.map((r) => r.path), ['/v1/token-request', '/v1/reports', '/v1/token-request', '/v1/reports']);
  for (const r of posts.filter((x) => x.path === '/v1/token-request')) {
    assert.equal(r.headers['content-type'], 'application/private-token-request');
    assert.equal(r.body?.length, 259, 'a blind RSA token request: type, key id, 256 blinded bytes, nothing else');
  }
  assert.equal(posts[0].headers.cookie, undefined, 'the first token request: no device key yet');
  assert.match(posts[2].headers.cookie ?? '', /^lr-demo-device=[0-9a-f]{32}$/, 'the issuer knows this browser by its own cookie');
  for (const r of posts.filter((x) => x.path === '/v1/reports')) {
    assert.match(r.headers.authorization ?? '', /^PrivateToken token=/);
    assert.equal(r.headers.cookie, undefined, 'a report carries no cookie');
  }
  assert.notEqual(posts[1].headers.authorization, posts[3].headers.authorization, 'one token per report');
  const estimates = async () => (await (await fetch(new URL('v1/estimates', demo.base))).json()).reports;
  assert.equal(await estimates(), 2);
  // The same report sent without its token is not counted.
  const res = await fetch(new URL('v1/reports', demo.base), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: posts[3].body });
  assert.equal(res.status, 401);
  assert.equal(await estimates(), 2);
  assert.deepEqual(problems, []);
  await close();
});
