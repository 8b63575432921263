// SPDX-License-Identifier: MIT
// The demo in real Chromium: consent, a click, and a visible rerank.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { startServer } from '../../web-demo/server.mjs';
import { launch, watchProblems } from './browser.mjs';

const ARTIFACTS = new URL('../../artifacts/', import.meta.url);
let server, browser, base;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer({ port: 0 });
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.close();
});

const feedIds = (page) => page.$$eval('#feed > li', (els) => els.map((e) => e.dataset.id));

test('consent, then liking posts of one topic reorders the feed towards it', async () => {
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  await page.goto(base);
  await page.getByRole('button', { name: 'Personalize on this device' }).click();
  await page.waitForSelector('body[data-ready="true"]');
  const before = await feedIds(page);
  assert.equal(before.length, 20);
  // Like the last post of the page twice (it and others sharing its topic should rise).
  const last = page.locator('#feed > li').last();
  const target = await last.getAttribute('data-id');
  await last.locator('button[data-action="like"]').click();
  await last.locator('button[data-action="open"]').click();
  await page.click('#refresh');
  await page.waitForFunction(() => Number(document.body.dataset.reranks) >= 2);
  const afterIds = await feedIds(page);
  assert.notDeepEqual(afterIds, before, 'the feed reordered');
  assert.ok(afterIds.indexOf(target) < before.indexOf(target), `${target} rose from ${before.indexOf(target)} to ${afterIds.indexOf(target)}`);
  await page.screenshot({ path: new URL('demo-feed.png', ARTIFACTS).pathname, fullPage: false });
  assert.deepEqual(problems, []);
  await page.close();
});

test('declining consent keeps the server order', async () => {
  const page = await browser.context.newPage();
  await page.goto(base);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByRole('button', { name: 'Keep the original order' }).click();
  await page.waitForSelector('body[data-ready="true"]');
  const first = await feedIds(page);
  const last = page.locator('#feed > li').last();
  await last.locator('button[data-action="like"]').click();
  await page.click('#refresh');
  assert.deepEqual(await feedIds(page), first);
  await page.close();
});
