// SPDX-License-Identifier: MIT
// Issue 21 in real Chromium, over IndexedDB and localStorage: storage that
// hangs, throws, loses or lands writes late never makes a flush wait past the
// storage deadline, and once it recovers every event is stored; two real tabs
// (separate realms, so separate adapter objects) writing at the same time with
// random latency keep every event in 20 rounds, with Web Locks and without
// them (the lease written through the adapter). No timing assertions: a call
// that hung would fail the test by its timeout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { launch, watchProblems } from './browser.mjs';
import { serveStatic } from './static-server.mjs';

const here = (rel) => fileURLToPath(new URL(rel, import.meta.url)).replace(/\/$/, '');

let server, browser, url;
before(async () => {
  server = await serveStatic({ mounts: { '/wasm/dist/': here('../../wasm/dist/'), '/tests/browser/pages/': here('./pages/') } });
  url = `${server.base}tests/browser/pages/resilience.html`;
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  assert.deepEqual(server?.cspReports ?? [], [], 'no CSP violations');
});

/** A tab on the test page; `noWebLocks` hides navigator.locks (a browser without them). */
async function openTab({ noWebLocks = false } = {}) {
  const page = await browser.context.newPage();
  if (noWebLocks) await page.addInitScript(() => { Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true }); });
  const problems = watchProblems(page);
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, problems };
}

/** What a fresh tab loads from the store. */
async function storedTopics(kind, namespace) {
  const { page } = await openTab();
  await page.evaluate((o) => lr.open(o), { kind, namespace });
  const topics = await page.evaluate(() => lr.topics());
  await page.close();
  return topics;
}

for (const kind of ['indexedDB', 'localStorage']) {
  test(`${kind}: a hung, throwing, lossy and late storage never holds a flush past the deadline, and after recovery every event is stored`, { timeout: 120000 }, async () => {
    const namespace = `hostile-${kind}`;
    const { page, problems } = await openTab();
    await page.evaluate((o) => lr.open(o), { kind, namespace });
    const results = [];
    for (const [name, faults] of [
      ['hung set', { hangSet: true }],
      ['hung get', { hangGet: true }],
      ['throwing', { fail: 'storage unavailable' }],
      ['lossy, late, slow', { lose: 0.3, late: 0.3, latency: [0, 40] }],
    ]) {
      await page.evaluate((f) => Object.assign(lr.faults, { hangGet: false, hangSet: false, fail: '', lose: 0, late: 0, latency: [0, 0] }, f), faults);
      await page.evaluate((topic) => lr.record(topic, 5), name.split(' ')[0]);
      results.push([name, await page.evaluate(() => lr.flush())]);
    }
    for (const [name, result] of results.slice(0, 3)) assert.equal(result, 'STORAGE_FAILED', name);
    assert.ok((await page.evaluate(() => lr.seen)).every((e) => e.code === 'STORAGE_FAILED'));
    // Recovery.
    await page.evaluate(() => Object.assign(lr.faults, { hangGet: false, hangSet: false, fail: '', lose: 0, late: 0, latency: [0, 0] }));
    await page.evaluate(() => lr.settled());
    assert.equal(await page.evaluate(() => lr.flush()), 'ok');
    assert.equal(await page.evaluate(() => lr.flush()), 'ok');
    assert.deepEqual(await storedTopics(kind, namespace), [['hung', 10], ['lossy,', 5], ['throwing', 5]]);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test(`${kind}: a get that never returns at creation gives an empty, unsaved profile and an error event, never a hang`, { timeout: 60000 }, async () => {
    const namespace = `hung-open-${kind}`;
    const { page, problems } = await openTab();
    await page.evaluate((o) => lr.open(o), { kind, namespace });
    await page.evaluate(() => lr.record('kept', 3));
    assert.equal(await page.evaluate(() => lr.flush()), 'ok');
    await page.evaluate(() => lr.dispose());
    await page.evaluate(() => { lr.faults.hangGet = true; });
    await page.evaluate((o) => lr.open(o), { kind, namespace });
    assert.equal(await page.evaluate(() => lr.total()), 0);
    assert.ok((await page.evaluate(() => lr.seen)).some((e) => e.code === 'STORAGE_FAILED'));
    await page.evaluate(() => lr.record('new', 2));
    await page.evaluate(() => { lr.faults.hangGet = false; });
    let result = '';
    for (let i = 0; i < 10 && result !== 'ok'; i++) result = await page.evaluate(() => lr.flush());
    assert.equal(result, 'ok');
    assert.deepEqual(await storedTopics(kind, namespace), [['kept', 3], ['new', 2]]);
    assert.deepEqual(problems, []);
    await page.close();
  });

  for (const noWebLocks of [false, true]) {
    const how = noWebLocks ? 'without Web Locks (a lease through the adapter)' : 'with Web Locks';
    test(`${kind}, ${how}: two real tabs writing at the same time with random latency keep every event in 20 rounds`, { timeout: 180000 }, async () => {
      const namespace = `tabs-${kind}-${noWebLocks ? 'lease' : 'locks'}`;
      const tabs = [await openTab({ noWebLocks }), await openTab({ noWebLocks })];
      for (const { page } of tabs) {
        assert.equal(await page.evaluate(() => lr.hasWebLocks()), !noWebLocks);
        await page.evaluate((o) => lr.open(o), { kind, namespace, storageTimeoutMs: 3000 });
        await page.evaluate(() => { lr.faults.latency = [0, 8]; });
      }
      for (let round = 0; round < 20; round++) {
        const results = await Promise.all(tabs.map(({ page }, t) => page.evaluate((topic) => { lr.record(topic, 5); return lr.flush(); }, `tab${t}`)));
        // A flush may give up waiting for the other tab (STORAGE_FAILED); the events wait for the next one.
        assert.ok(results.every((r) => r === 'ok' || r === 'STORAGE_FAILED'), String(results));
      }
      for (const { page } of tabs) {
        await page.evaluate(() => { lr.faults.latency = [0, 0]; });
        assert.equal(await page.evaluate(() => lr.flush()), 'ok');
      }
      assert.deepEqual(await storedTopics(kind, namespace), [['tab0', 100], ['tab1', 100]]);
      for (const { page, problems } of tabs) {
        assert.deepEqual(problems, []);
        await page.close();
      }
    });
  }
}
