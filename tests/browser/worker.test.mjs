// SPDX-License-Identifier: MIT
// localrank/worker in real Chromium, unbundled: the page imports the built
// package's dist/worker.mjs by URL, under script-src 'self' 'wasm-unsafe-eval'.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { packageSite } from './browser.mjs';

let site;

before(async () => {
  // /v1/reports: a collector stand-in on the page's origin that accepts every report.
  site = await packageSite('worker', ["import * as lr from '/localrank/dist/worker.mjs';", 'window.lr = lr;'],
    { '/v1/reports': { status: 202, type: 'application/json', body: '{"accepted":true}' } });
});
after(async () => { await site?.close(); });

/** A fresh page with the worker module loaded, watching console errors and CSP. */
const openPage = () => site.openPage();
const assertClean = (page, problems) => site.assertClean(page, problems);

test('worker: liking cooking raises the cooking item, computed in a module Worker', async () => {
  const { page, problems } = await openPage();
  const workerStarted = page.waitForEvent('worker');
  const result = await page.evaluate(async () => {
    const { createWorkerPersonalizer } = /** @type {any} */ (window).lr;
    const p = await createWorkerPersonalizer({ consent: { personalization: true }, seed: 1, autosaveMs: 0 });
    const items = [{ id: 'a', topics: ['sports'], serverScore: 0.9 }, { id: 'b', topics: ['politics'], serverScore: 0.6 }, { id: 'c', topics: ['cooking'], serverScore: 0.5 }];
    const before = (await p.rerank(items)).map((r) => r.id);
    const stored = await p.record([{ type: 'like', topics: { cooking: 1 } }, { type: 'click', topics: ['cooking'] }]);
    const ranked = await p.rerank(items);
    const adjusted = await p.adjust({ topic: 'sports', preference: 'never' });
    const afterNever = (await p.rerank(items)).map((r) => r.id);
    const profile = await p.profile();
    await p.dispose();
    return { before, stored, after: ranked.map((r) => r.id), reasons: ranked.find((r) => r.id === 'c').reasons.map((x) => x.kind),
      adjusted, afterNever, topics: profile.topics.map((t) => t.name) };
  });
  const worker = await workerStarted;
  assert.match(worker.url(), /\/localrank\/dist\/worker-thread\.mjs$/);
  assert.deepEqual(result.before, ['a', 'b', 'c']);
  assert.equal(result.stored, 2);
  assert.ok(result.after.indexOf('c') < 2, `the cooking item rose: ${JSON.stringify(result)}`);
  assert.ok(result.reasons.includes('topic'));
  assert.deepEqual(result.topics, ['cooking']);
  assert.equal(result.adjusted, true);
  assert.equal(result.afterNever.at(-1), 'a', '"never" on sports sinks the sports item');
  await assertClean(page, problems);
  await page.close();
});

test('worker: a rejected call rethrows LocalrankError with code, field and index, and changes nothing', async () => {
  const { page, problems } = await openPage();
  const result = await page.evaluate(async () => {
    const { createWorkerPersonalizer, LocalrankError } = /** @type {any} */ (window).lr;
    const p = await createWorkerPersonalizer({ consent: { personalization: true }, autosaveMs: 0 });
    /** @param {Promise<unknown>} promise */
    const caught = (promise) => promise.then(() => null, (e) => ({
      isLocalrankError: e instanceof LocalrankError, name: e.name, code: e.code, field: e.field, index: e.index, message: e.message,
    }));
    const badScore = await caught(p.rerank([{ id: 'a' }, { id: 'b', serverScore: 'high' }]));
    const badEvent = await caught(p.record([{ type: 'like', topics: ['x'] }, { type: 'teleport' }]));
    const misuse = await p.rerank([{ id: 'a' }], 'fast').then(() => null, (e) => e.constructor.name);
    const afterwards = await p.profile();
    await p.dispose();
    const badOption = await caught(createWorkerPersonalizer({ seed: -1 }));
    return { badScore, badEvent, misuse, events: afterwards.totalEvents, badOption };
  });
  assert.deepEqual({ ...result.badScore, message: undefined },
    { isLocalrankError: true, name: 'LocalrankError', code: 'INVALID_ITEM', field: 'items[1].serverScore', index: 1, message: undefined });
  assert.match(result.badScore.message, /items\[1\]\.serverScore/);
  assert.equal(result.badEvent.code, 'INVALID_EVENT');
  assert.equal(result.badEvent.index, 1);
  assert.equal(result.misuse, 'TypeError');
  assert.equal(result.events, 0, 'the batch with a bad event stored nothing');
  assert.equal(result.badOption.code, 'INVALID_ARGUMENT');
  assert.equal(result.badOption.field, 'options.seed');
  await assertClean(page, problems);
  await page.close();
});

test('worker: dispose stops the worker and later calls reject with DISPOSED', async () => {
  const { page, problems } = await openPage();
  const workerStarted = page.waitForEvent('worker');
  const disposeAndCall = page.evaluate(async () => {
    const { createWorkerPersonalizer } = /** @type {any} */ (window).lr;
    const p = await createWorkerPersonalizer({ consent: { personalization: true }, autosaveMs: 0 });
    const pendingBefore = p.record({ type: 'like', topics: ['cooking'] });
    const disposing = p.dispose();
    const later = await p.rerank([{ id: 'a' }]).then(() => 'resolved', (e) => e.code);
    await disposing;
    return { pendingBefore: await pendingBefore, later, again: await p.profile().then(() => 'resolved', (e) => e.code) };
  });
  const worker = await workerStarted;
  const closed = new Promise((resolve) => worker.once('close', resolve));
  const result = await disposeAndCall;
  assert.deepEqual(result, { pendingBefore: 1, later: 'DISPOSED', again: 'DISPOSED' }, 'a call sent before dispose still completes');
  await closed;
  await assertClean(page, problems);
  await page.close();
});

test('worker: the page clock stamps events and a page-side storage adapter keeps the profile across workers', async () => {
  const { page, problems } = await openPage();
  const result = await page.evaluate(async () => {
    const { createWorkerPersonalizer } = /** @type {any} */ (window).lr;
    const T = 1700000000000;
    // localStorage exists only in the page: the worker reaches it through the adapter.
    const storage = {
      get: (/** @type {string} */ k) => localStorage.getItem(k),
      set: (/** @type {string} */ k, /** @type {string} */ v) => localStorage.setItem(k, v),
      delete: (/** @type {string} */ k) => localStorage.removeItem(k),
    };
    localStorage.clear();
    const first = await createWorkerPersonalizer({ consent: { personalization: true }, autosaveMs: 0, storage, now: () => T, namespace: 'wt' });
    await first.record({ type: 'save', topics: ['travel'], creatorId: 'c7' });
    await first.flush();
    await first.dispose();
    const saved = localStorage.getItem('wt:slot:a'); // docs/storage.md: slots a and b
    const second = await createWorkerPersonalizer({ consent: { personalization: true }, autosaveMs: 0, storage, now: () => T + 1000, namespace: 'wt' });
    const profile = await second.profile();
    await second.dispose();
    return { saved: saved !== null, lastEventAt: profile.lastEventAt, topics: profile.topics.map((t) => t.name), creators: profile.creators.map((c) => c.name) };
  });
  assert.deepEqual(result, { saved: true, lastEventAt: 1700000000000, topics: ['travel'], creators: ['c7'] });
  await assertClean(page, problems);
  await page.close();
});

test('worker: events reach page handlers (profile-reset on unreadable data, error on a failed autosave) and storage errors cross back', async () => {
  const { page, problems } = await openPage();
  const result = await page.evaluate(async () => {
    const { createWorkerPersonalizer, LocalrankError } = /** @type {any} */ (window).lr;
    const resets = [];
    let failSaves = false;
    const storage = {
      get: () => '{"schema":"localrank.profile","version":1,"topics":"not a list"}',
      set: () => { if (failSaves) throw new Error('quota exceeded'); },
      delete: () => {},
    };
    const p = await createWorkerPersonalizer({
      consent: { personalization: true }, storage, autosaveMs: 5, on: { 'profile-reset': (d) => resets.push(d) },
    });
    failSaves = true;
    const autosaveError = new Promise((resolve) => p.on('error', resolve));
    await p.record({ type: 'like', topics: ['cooking'] });
    const event = await autosaveError;
    const flushError = await p.flush().then(() => null, (e) => ({ isLocalrankError: e instanceof LocalrankError, code: e.code, message: e.message }));
    await p.dispose();
    return {
      resets: resets.map((d) => typeof d.reason === 'string' && d.reason.length > 0 && typeof d.code === 'string'),
      event: { isLocalrankError: event instanceof LocalrankError, code: event.code },
      flushError,
    };
  });
  assert.deepEqual(result.resets, [true], 'one profile-reset with a reason and a code, seen by the handler given at creation');
  assert.deepEqual(result.event, { isLocalrankError: true, code: 'STORAGE_FAILED' });
  assert.equal(result.flushError.code, 'STORAGE_FAILED');
  assert.ok(result.flushError.isLocalrankError);
  assert.match(result.flushError.message, /quota exceeded/);
  await assertClean(page, problems);
  await page.close();
});

test('worker: typed-array embeddings are copied to the worker, the caller keeps its arrays', async () => {
  const { page, problems } = await openPage();
  const result = await page.evaluate(async () => {
    const { createWorkerPersonalizer } = /** @type {any} */ (window).lr;
    const p = await createWorkerPersonalizer({ consent: { personalization: true }, autosaveMs: 0, dim: 4 });
    const liked = new Float32Array([1, 0, 0, 0]);
    const items = [
      { id: 'far', embedding: new Float32Array([0, 1, 0, 0]), serverScore: 0.6 },
      { id: 'near', embedding: new Float32Array([0.9, 0.1, 0, 0]), serverScore: 0.5 },
    ];
    await p.record({ type: 'like', embedding: liked });
    const ranked = await p.rerank(items);
    await p.dispose();
    return { ranked: ranked.map((r) => r.id).sort(), likedLength: liked.length, itemLengths: items.map((it) => it.embedding.length) };
  });
  assert.deepEqual(result, { ranked: ['far', 'near'], likedLength: 4, itemLengths: [4, 4] }, 'no input array was detached');
  await assertClean(page, problems);
  await page.close();
});

test('worker: wasmUrl relative to the page is resolved before it reaches the worker', async () => {
  const { page, problems } = await openPage();
  const loaded = [];
  page.on('request', (r) => { const u = new URL(r.url()); if (u.pathname.endsWith('.wasm')) loaded.push(u.pathname + u.search); });
  const first = await page.evaluate(async () => {
    const { createWorkerPersonalizer } = /** @type {any} */ (window).lr;
    const p = await createWorkerPersonalizer({ wasmUrl: 'localrank/dist/localrank_core.wasm?explicit' });
    const r = await p.rerank([{ id: 'x' }, { id: 'y' }]);
    await p.dispose();
    return r[0].id;
  });
  assert.equal(first, 'x');
  assert.deepEqual(loaded, ['/localrank/dist/localrank_core.wasm?explicit']);
  await assertClean(page, problems);
  await page.close();
});

test('worker: reportWasmUrl relative to the page is resolved before it reaches the worker; without it the variant with reports is looked for next to wasmUrl; the lean module is not loaded', async () => {
  const { page, problems } = await openPage();
  const loaded = [];
  page.on('request', (r) => { const u = new URL(r.url()); if (u.pathname.endsWith('.wasm')) loaded.push(u.pathname + u.search); });
  const created = await page.evaluate(async () => {
    const { createWorkerPersonalizer } = /** @type {any} */ (window).lr;
    const taxonomy = ['cooking', 'sports', 'travel'];
    const out = [];
    for (const options of [{ reportWasmUrl: 'localrank/dist/localrank_core_reports.wasm?explicit' }, { wasmUrl: 'localrank/dist/localrank_core.wasm?beside' }]) {
      const p = await createWorkerPersonalizer({ ...options, taxonomy, storage: 'memory' });
      out.push(await p.privacyBudget().then(() => 'created'));
      await p.dispose();
    }
    return out;
  });
  assert.deepEqual(created, ['created', 'created']);
  // A personalizer with a taxonomy loads the device module with reports instead of localrank_core.wasm, not both.
  assert.deepEqual(loaded, ['/localrank/dist/localrank_core_reports.wasm?explicit', '/localrank/dist/localrank_core_reports.wasm']);
  await assertClean(page, problems);
  await page.close();
});

test('worker: a worker script that cannot load rejects creation with a clear error', async () => {
  // No problem watching here: the failed worker load is the point.
  const page = await site.browser.context.newPage();
  await page.goto(site.server.base);
  await page.waitForSelector('html[data-ready="true"]');
  const message = await page.evaluate(async () => {
    const { createWorkerPersonalizer } = /** @type {any} */ (window).lr;
    return createWorkerPersonalizer({ worker: '/missing-worker.mjs' }).then(() => 'created', (e) => e.message);
  });
  assert.match(message, /localrank worker failed/);
  await page.close();
});

test('worker: the page\'s Global Privacy Control reaches the worker (passed at creation): measurement stays off', async () => {
  const { page, problems } = await openPage();
  const workerStarted = page.waitForEvent('worker');
  await page.evaluate(async () => {
    Object.defineProperty(navigator, 'globalPrivacyControl', { value: true, configurable: true });
    const { createWorkerPersonalizer } = /** @type {any} */ (window).lr;
    /** @type {any} */ (window).p = await createWorkerPersonalizer({
      taxonomy: ['cooking', 'travel', 'music'], consent: { personalization: true, aggregateMeasurement: true }, autosaveMs: 0,
    });
  });
  const worker = await workerStarted;
  assert.notEqual(await worker.evaluate(() => /** @type {any} */ (navigator).globalPrivacyControl), true,
    'the worker has no GPC signal of its own: it must come from the page');
  const result = await page.evaluate(async () => {
    const p = /** @type {any} */ (window).p;
    await p.record({ type: 'like', topics: { cooking: 1 } });
    const consent = await p.consent.get();
    const report = await p.buildAggregateReport();
    const refused = await p.consent.set({ aggregateMeasurement: true }).then(() => null, (e) => e.code);
    await p.dispose();
    return { consent, report, refused };
  });
  assert.equal(result.consent.gpc, true);
  assert.equal(result.consent.aggregateMeasurement, false);
  assert.equal(result.report, null);
  assert.equal(result.refused, 'NOT_CONSENTED');
  await assertClean(page, problems);
  await page.close();
});

test('worker: scheduleAggregateReports in a module Worker: the page\'s token function, clock and report handler; the main API\'s errors', async () => {
  const { page, problems } = await openPage();
  const result = await page.evaluate(async () => {
    const { createWorkerPersonalizer } = /** @type {any} */ (window).lr;
    let now = Date.now();
    const p = await createWorkerPersonalizer({ taxonomy: ['cooking', 'sports'], consent: { personalization: true, aggregateMeasurement: true }, autosaveMs: 0, storage: 'memory', now: () => now, privacy: { testOnlyMemoryLedger: true } });
    /** @type {any[]} */
    const reports = [];
    p.on('report', (/** @type {any} */ r) => reports.push(r));
    let asked = 0;
    const token = async () => { asked++; return 'PrivateToken token="page"'; };
    // A relative URL: resolved against the page, not the worker's script.
    const s = await p.scheduleAggregateReports('/v1/reports', { retries: 0, auto: false, token });
    const first = s.nextAt;
    const early = await s.runDue();
    now = first;
    const sent = await s.runDue();
    /** @param {Promise<unknown>} promise */
    const caught = (promise) => promise.then(() => null, (/** @type {any} */ e) => ({ name: e.name, code: e.code, field: e.field, message: e.message, stack: String(e.stack) }));
    const badRetries = await caught(p.scheduleAggregateReports('/v1/reports', { retries: 11 }));
    const badRelay = await caught(p.sendAggregateReport('/v1/reports', { relay: { post() {} } }));
    const later = s.nextAt;
    s.stop();
    now = later;
    const stopped = await s.runDue();
    await p.dispose();
    return { first, early, status: sent?.status, reports: reports.map((r) => r?.status), sameReport: reports[0]?.report?.id === sent?.report?.id, asked, later, stopped, badRetries, badRelay };
  });
  assert.equal(result.early, undefined, 'nothing due before nextAt');
  assert.equal(result.status, 202, 'the due report reached the collector');
  assert.deepEqual(result.reports, [202], 'one report event in the page');
  assert.ok(result.sameReport);
  assert.equal(result.asked, 1, 'the page\'s token function answered the worker once');
  assert.ok(result.later > result.first, 'nextAt follows the worker\'s next draw');
  assert.equal(result.stopped, undefined, 'a stopped schedule sends nothing');
  assert.deepEqual([result.badRetries.name, result.badRetries.code, result.badRetries.field], ['LocalrankError', 'INVALID_ARGUMENT', 'options.retries']);
  assert.deepEqual([result.badRelay.code, result.badRelay.field], ['INVALID_ARGUMENT', 'options.relay']);
  assert.match(result.badRelay.message, /must come from createOhttpRelay\(\)/);
  assert.doesNotMatch(result.badRetries.stack, /worker-thread/, 'the stack is the caller\'s');
  await assertClean(page, problems);
  await page.close();
});
