// SPDX-License-Identifier: MIT
// Persistence in real Chromium: IndexedDB (the browser default) and
// localStorage survive a reload with the same ranking; two tabs recording at
// the same time both end up in the stored profile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { launch, watchProblems } from './browser.mjs';
import { serveStatic } from './static-server.mjs';

const here = (rel) => fileURLToPath(new URL(rel, import.meta.url)).replace(/\/$/, '');

let server, browser, url;
before(async () => {
  // The built package and the test page, under the strict CSP the package must live with.
  server = await serveStatic({ mounts: { '/wasm/dist/': here('../../wasm/dist/'), '/wasm/src/': here('../../wasm/src/'), '/tests/browser/pages/': here('./pages/') } });
  url = `${server.base}tests/browser/pages/storage.html`;
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  assert.deepEqual(server?.cspReports ?? [], [], 'no CSP violations');
});

async function openPage() {
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, problems };
}

const likes = (topic, n) => Array.from({ length: n }, () => ({ type: 'like', topics: { [topic]: 1 } }));

test('IndexedDB is the browser default and a reload restores the same ranking', async () => {
  const { page, problems } = await openPage();
  await page.evaluate(() => lr.open({ namespace: 'reload' }));
  const cold = await page.evaluate(() => lr.rank());
  await page.evaluate((events) => lr.record(events), likes('travel', 3));
  const ranked = await page.evaluate(() => lr.rank());
  assert.notDeepEqual(ranked, cold, 'the likes changed the ranking');
  await page.evaluate(() => lr.flush());
  const slot = await page.evaluate(() => lr.slotHeader('reload:slot:a'));
  assert.equal(slot?.binary, true, 'the profile is in IndexedDB, as bytes');
  assert.equal(slot.magic, 'LRST');
  assert.equal(slot.header.format, 'localrank.store');
  assert.equal(slot.header.version, 2);

  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.evaluate(() => lr.open({ namespace: 'reload' }));
  assert.deepEqual(await page.evaluate(() => lr.rank()), ranked);
  assert.equal(await page.evaluate(() => lr.profile().totalEvents), 3);
  assert.deepEqual(await page.evaluate(() => lr.seen), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a profile an older localrank saved in IndexedDB (JSON slot) loads, and the next save is binary', async () => {
  const { page, problems } = await openPage();
  await page.evaluate(() => lr.open({ namespace: 'mig-source', storage: 'memory' }));
  await page.evaluate((events) => lr.record(events), likes('travel', 4));
  const ranked = await page.evaluate(() => lr.rank());
  const old = await page.evaluate(() => lr.oldSlot(7));
  await page.evaluate(() => lr.open({ namespace: 'mig-other' })); // makes sure the database exists
  await page.evaluate((slot) => lr.idbPut('mig:slot:a', slot), old);

  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.evaluate(() => lr.open({ namespace: 'mig' }));
  assert.deepEqual(await page.evaluate(() => lr.seen), [], 'no reset, no error');
  assert.equal(await page.evaluate(() => lr.profile().totalEvents), 4);
  assert.deepEqual(await page.evaluate(() => lr.rank()), ranked);
  await page.evaluate((events) => lr.record(events), likes('travel', 1));
  await page.evaluate(() => lr.flush());
  const slot = await page.evaluate(() => lr.slotHeader('mig:slot:b'));
  assert.equal(slot?.binary, true);
  assert.equal(slot.header.version, 2);
  assert.equal(slot.header.seq, 8);
  assert.deepEqual(problems, []);
  await page.close();
});

test('localStorage works and survives a reload', async () => {
  const { page, problems } = await openPage();
  await page.evaluate(() => lr.open({ namespace: 'ls', storage: 'localStorage' }));
  await page.evaluate((events) => lr.record(events), likes('cooking', 2));
  const ranked = await page.evaluate(() => lr.rank());
  assert.equal(ranked[0], 'c');
  await page.evaluate(() => lr.flush());
  const slot = await page.evaluate(() => lr.slotHeader('ls:slot:a', 'localStorage'));
  assert.equal(slot?.binary, false, 'localStorage holds text (base64 of the snapshot)');
  assert.equal(slot.header.format, 'localrank.store');
  assert.equal(slot.header.version, 2);
  assert.equal(await page.evaluate(() => lr.idbGet('ls:slot:a')), null, 'nothing went to IndexedDB');

  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.evaluate(() => lr.open({ namespace: 'ls', storage: 'localStorage' }));
  assert.deepEqual(await page.evaluate(() => lr.rank()), ranked);
  assert.equal(await page.evaluate(() => lr.profile().totalEvents), 2);
  assert.deepEqual(problems, []);
  await page.close();
});

test('two tabs recording at the same time both end up in the stored profile', async () => {
  const N = 40;
  const tabs = [await openPage(), await openPage()];
  await Promise.all(tabs.map(({ page }) => page.evaluate(() => lr.open({ namespace: 'tabs', autosaveMs: 15 }))));
  // Each tab records its own topic with pauses, saving often (autosave plus explicit flushes).
  await Promise.all(tabs.map(({ page }, t) => page.evaluate(async ({ topic, n }) => {
    for (let i = 0; i < n; i++) {
      lr.record({ type: 'click', topics: { [topic]: 1 } });
      if (i % 7 === 0) await lr.flush();
      await new Promise((r) => setTimeout(r, 3));
    }
    await lr.flush();
  }, { topic: `topic${t}`, n: N })));
  await tabs[0].page.evaluate(() => lr.flush());

  // Another tab's save reaches each open tab through the BroadcastChannel.
  for (const { page } of tabs) {
    await page.waitForFunction((total) => lr.profile().totalEvents === total, 2 * N);
  }
  const check = await openPage();
  await check.page.evaluate(() => lr.open({ namespace: 'tabs' }));
  const view = await check.page.evaluate(() => lr.profile());
  assert.equal(view.totalEvents, 2 * N, 'no event lost or counted twice');
  assert.deepEqual(view.topics.map((x) => [x.name, x.events]).sort(), [['topic0', N], ['topic1', N]]);
  for (const { page, problems } of [...tabs, check]) {
    assert.deepEqual(await page.evaluate(() => lr.seen.filter((e) => e.name !== 'sync')), []);
    assert.deepEqual(problems, []);
    await page.close();
  }
});
