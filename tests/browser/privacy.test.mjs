// SPDX-License-Identifier: MIT
// The privacy API in real Chromium: reports built with the browser's
// crypto.getRandomValues on the main thread and in localrank/worker, accepted
// by the Node aggregator; Global Privacy Control; forget on localStorage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createAggregator } from 'localrank/server';
import { packageSite } from './browser.mjs';

const CONFIG = {
  taxonomy: ['cooking', 'baking', 'fitness', 'travel', 'music'],
  segments: [{ id: 'home-cooks', topics: { cooking: 1, baking: 0.7, music: 0.5 } }],
};
let site;

before(async () => {
  site = await packageSite('privacy', [
    "import * as lr from '/localrank/dist/index.browser.mjs';",
    "import * as lw from '/localrank/dist/worker.mjs';",
    'window.lr = lr; window.lw = lw;',
    `window.CONFIG = ${JSON.stringify(CONFIG)};`,
  ]);
});
after(async () => { await site?.close(); });

const openPage = (initScript) => site.openPage(initScript);
const assertClean = (page, problems) => site.assertClean(page, problems);

test('browser: reports use crypto randomness, stop at the cap and are accepted by the server; forget empties localStorage', async () => {
  const { page, problems } = await openPage();
  const out = await page.evaluate(async () => {
    const w = /** @type {any} */ (window);
    const storage = {
      get: (k) => localStorage.getItem(k), set: (k, v) => localStorage.setItem(k, v), delete: (k) => localStorage.removeItem(k),
      keys: () => Object.keys(localStorage),
    };
    localStorage.setItem('another-app', 'kept');
    const p = await w.lr.createPersonalizer({ ...w.CONFIG, storage, autosaveMs: 0 });
    await p.consent.set({ personalization: true, aggregateMeasurement: true });
    p.record({ type: 'like', itemId: 'post-1', topics: { cooking: 1 } });
    await p.flush();
    const reports = [];
    for (let i = 0; i < 5; i++) reports.push(p.buildAggregateReport());
    await p.flush();
    const keysBefore = Object.keys(localStorage).sort();
    const budget = p.privacyBudget();
    await p.forget();
    const keysAfter = Object.keys(localStorage).sort();
    p.dispose();
    return { reports, budget, keysBefore, keysAfter };
  });
  assert.equal(out.reports[4], null, 'the fifth report is refused (cap 4)');
  assert.equal(out.budget.remaining, 0);
  assert.deepEqual(out.keysBefore.filter((k) => !k.startsWith('localrank:slot:')),
    ['another-app', 'localrank.privacy-ledger', 'localrank.report-memo', 'localrank:consent']);
  assert.ok(out.keysBefore.some((k) => k.startsWith('localrank:slot:')), 'the profile was saved');
  // The report memo (noise drawn for every value, nothing of the person) and the privacy ledger (dates and epsilon
  // only; erasing it would buy more reports) outlive forget(): docs/privacy.md.
  assert.deepEqual(out.keysAfter, ['another-app', 'localrank.privacy-ledger', 'localrank.report-memo']);
  const agg = await createAggregator({ ...CONFIG, minReports: 1 });
  for (const r of out.reports.slice(0, 4)) agg.ingest(r);
  assert.equal(agg.reports, 4);
  agg.dispose();
  await assertClean(page, problems);
  await page.close();
});

test('browser: with Global Privacy Control, aggregate measurement cannot be switched on', async () => {
  const { page, problems } = await openPage(() => {
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });
  });
  const out = await page.evaluate(async () => {
    const w = /** @type {any} */ (window);
    const p = await w.lr.createPersonalizer({ ...w.CONFIG, autosaveMs: 0, consent: { aggregateMeasurement: true } });
    let error = null;
    try { await p.consent.set({ aggregateMeasurement: true }); } catch (e) { error = { code: e.code, field: e.field }; }
    const result = { consent: p.consent.get(), report: p.buildAggregateReport(), error };
    p.dispose();
    return result;
  });
  assert.equal(out.consent.gpc, true);
  assert.equal(out.consent.aggregateMeasurement, false);
  assert.equal(out.report, null);
  assert.deepEqual(out.error, { code: 'NOT_CONSENTED', field: 'consent.aggregateMeasurement' });
  await assertClean(page, problems);
  await page.close();
});

test('worker: consent, reports and budget are forwarded to the worker\'s personalizer', async () => {
  const { page, problems } = await openPage();
  const out = await page.evaluate(async () => {
    const w = /** @type {any} */ (window);
    const p = await w.lw.createWorkerPersonalizer({ ...w.CONFIG, autosaveMs: 0 });
    const before = await p.buildAggregateReport();
    const consent = await p.consent.set({ personalization: true, aggregateMeasurement: true });
    await p.record({ type: 'like', topics: { baking: 1 } });
    const report = await p.buildAggregateReport();
    const budget = await p.privacyBudget();
    await p.forget();
    const afterForget = await p.consent.get();
    await p.dispose();
    return { before, consent, report, budget, afterForget };
  });
  assert.equal(out.before, null, 'opt-in: nothing before consent');
  assert.equal(out.consent.aggregateMeasurement, true);
  assert.equal(out.budget.spent, 1);
  assert.equal(out.afterForget.aggregateMeasurement, false);
  const agg = await createAggregator({ ...CONFIG, minReports: 1 });
  agg.ingest(out.report);
  agg.dispose();
  await assertClean(page, problems);
  await page.close();
});

test('two tabs: withdrawing personalization in one stops profiling in the other at once, also in a worker', async () => {
  const one = await openPage();
  const two = await openPage();
  const three = await openPage();
  const create = (page, worker) => page.evaluate(async (useWorker) => {
    const w = /** @type {any} */ (window);
    const create = useWorker ? w.lw.createWorkerPersonalizer : w.lr.createPersonalizer;
    w.p = await create({ ...w.CONFIG, namespace: 'tabs', autosaveMs: 0 });
    w.heard = [];
    w.p.on('consent', (/** @type {any} */ d) => w.heard.push(d));
  }, worker);
  await create(one.page, false);
  await create(two.page, false);
  await create(three.page, true);
  await one.page.evaluate(() => /** @type {any} */ (window).p.consent.set({ personalization: true }));
  for (const { page } of [two, three]) await page.waitForFunction(() => /** @type {any} */ (window).heard.length === 1);
  for (const { page } of [two, three]) {
    await page.evaluate(async () => { await /** @type {any} */ (window).p.record({ type: 'like', itemId: 'x', topics: { cooking: 1 } }); });
  }
  await one.page.evaluate(() => /** @type {any} */ (window).p.consent.set({ personalization: false }));
  for (const { page } of [two, three]) {
    await page.waitForFunction(() => /** @type {any} */ (window).heard.length === 2);
    const after = await page.evaluate(async () => {
      const p = /** @type {any} */ (window).p;
      const recorded = await p.record({ type: 'like', itemId: 'y', topics: { cooking: 1 } });
      return { consent: await p.consent.get(), held: (await p.profile()).totalEvents, recorded };
    });
    assert.equal(after.consent.personalization, false);
    assert.equal(after.held, 0, 'the other tab forgot what it had learnt');
    assert.equal(after.recorded, 0, 'and records nothing more');
  }
  for (const { page, problems } of [one, two, three]) {
    await page.evaluate(async () => { await /** @type {any} */ (window).p.dispose(); });
    await assertClean(page, problems);
    await page.close();
  }
});
