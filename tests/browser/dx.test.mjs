// SPDX-License-Identifier: MIT
// Developer experience in Chromium (issue 19): a missing or misserved .wasm
// and a CSP without 'wasm-unsafe-eval' give one LocalrankError
// WASM_LOAD_FAILED naming the URL, the answer and the fix, on the main thread
// and in the worker, with no Emscripten text and no console warning; and the
// worker has the whole API of the main thread, with the same errors, thrown
// with the caller's stack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, watchCsp, cspViolations } from './browser.mjs';
import { serveStatic } from './static-server.mjs';

const PKG = fileURLToPath(new URL('../../wasm', import.meta.url));
const WASM_PATH = '/localrank/dist/localrank_core.wasm';
const HTML = '<!doctype html><html><head><title>My app</title></head><body><div id="root"></div></body></html>';
let site, browser;

before(async () => {
  site = mkdtempSync(join(tmpdir(), 'localrank-dx-site-'));
  writeFileSync(join(site, 'index.html'), '<!doctype html><meta charset="utf-8"><title>dx</title><link rel="icon" href="data:,"><script type="module" src="/page.mjs"></script>');
  writeFileSync(join(site, 'page.mjs'), [
    "import * as main from '/localrank/dist/index.browser.mjs';",
    "import * as worker from '/localrank/dist/worker.mjs';",
    'window.main = main; window.worker = worker;',
    "document.documentElement.dataset.ready = 'true';",
  ].join('\n'));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

/**
 * Serves the site (the package under /localrank/) with `routes` and `csp`,
 * opens it, runs `fn` in the page, and returns its result with every console
 * message (any level) and the CSP violations.
 */
async function inPage({ routes = {}, csp } = {}, fn) {
  const server = await serveStatic({ mounts: { '/': site, '/localrank/': PKG }, routes, ...(csp ? { csp } : {}) });
  const page = await browser.context.newPage();
  const messages = [];
  page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => messages.push(`worker ${m.type()}: ${m.text()}`)));
  await watchCsp(page);
  try {
    await page.goto(server.base);
    await page.waitForSelector('html[data-ready="true"]', { state: 'attached' });
    const result = await page.evaluate(fn);
    return { result, messages, violations: await cspViolations(page), base: server.base, requests: server.requests };
  } finally {
    await page.close();
    await server.close();
  }
}

/** In the page: both entries' errors for the same options, as plain data. */
const loadBoth = async () => {
  const { main, worker } = /** @type {any} */ (window);
  const plain = (e) => ({ isLocalrankError: e instanceof main.LocalrankError, code: e.code, field: e.field, message: String(e.message) });
  const fromMain = await main.createPersonalizer({ autosaveMs: 0 }).then(() => null, plain);
  const fromWorker = await worker.createWorkerPersonalizer({ autosaveMs: 0 }).then(() => null, plain);
  return { fromMain, fromWorker };
};

/** Asserts one WASM_LOAD_FAILED error's content. */
function assertLoadError(e, base, parts) {
  assert.ok(e, 'createPersonalizer rejected');
  assert.equal(e.isLocalrankError, true, JSON.stringify(e));
  assert.equal(e.code, 'WASM_LOAD_FAILED');
  assert.equal(e.field, 'options.wasmUrl');
  assert.ok(e.message.includes(new URL(WASM_PATH, base).href), `names the URL: ${e.message}`);
  for (const p of parts) assert.match(e.message, p);
  assert.doesNotMatch(e.message, /Aborted|ASSERTIONS|magic word|both async and sync/, 'no Emscripten text');
}

test('an HTML page served where the .wasm should be: WASM_LOAD_FAILED with URL, status, content type and wasmUrl, main thread and worker, no console output', async () => {
  const run = await inPage({ routes: { [WASM_PATH]: { status: 200, type: 'text/html; charset=utf-8', body: HTML } } }, loadBoth);
  for (const e of [run.result.fromMain, run.result.fromWorker]) {
    assertLoadError(e, run.base, [/HTTP 200/, /text\/html/, /not WebAssembly/, /<!doctype html>/i, /`wasmUrl`/]);
  }
  assert.deepEqual(run.messages, [], 'no console message of any level (no Emscripten warnings)');
  assert.deepEqual(run.violations, []);
});

test('a missing .wasm (404): WASM_LOAD_FAILED naming the URL and HTTP 404, main thread and worker', async () => {
  const run = await inPage({ routes: { [WASM_PATH]: { status: 404, type: 'text/plain', body: 'not found' } } }, loadBoth);
  for (const e of [run.result.fromMain, run.result.fromWorker]) assertLoadError(e, run.base, [/HTTP 404/, /text\/plain/, /`wasmUrl`/]);
  // Chromium itself logs the failed request; nothing else may appear (no Emscripten warnings).
  assert.deepEqual(run.messages.filter((m) => !/Failed to load resource: .*404/.test(m)), []);
});

const REPORT_WASM_PATH = '/localrank/dist/localrank_core_reports.wasm';
/** What only aggregate reports use: the device module with reports (glue, .wasm) and the report path's JavaScript. */
const REPORT_PATH = /localrank_core_reports|report-path\.js|\/report\.js|memo\.js|outbox\.js|schedule\.js/;

test('without a taxonomy nothing of the report path is requested (main thread and worker); with one, the device module with reports is fetched and reports are built', async () => {
  const run = await inPage({}, async () => {
    const { main, worker } = /** @type {any} */ (window);
    const options = { consent: { personalization: true, aggregateMeasurement: true }, autosaveMs: 0, storage: 'memory' };
    /** Everything a page without reports does, on either personalizer. */
    const use = async (p) => {
      await p.record({ type: 'like', itemId: 'z', topics: { cooking: 1 } });
      await p.rerank([{ id: 'a', topics: ['cooking'] }, { id: 'b', topics: ['sports'] }]);
      await p.consent.set({ aggregateMeasurement: false });
      const budget = await p.privacyBudget();
      const refused = await Promise.resolve().then(() => p.buildAggregateReport()).then(() => null, (e) => e.field);
      return { budget: budget.epsilonCap, refused };
    };
    const m = await main.createPersonalizer(options);
    const w = await worker.createWorkerPersonalizer(options);
    const without = { main: await use(m), worker: await use(w) };
    m.dispose();
    await w.dispose();
    const before = performance.getEntriesByType('resource').map((e) => e.name);
    const taxonomy = ['cooking', 'sports', 'travel', 'music'];
    // Reports need a storage that keeps the privacy ledger (IndexedDB, the default).
    const withTaxonomy = (namespace) => ({ ...options, storage: undefined, namespace, taxonomy });
    const mr = await main.createPersonalizer(withTaxonomy('main'));
    const wr = await worker.createWorkerPersonalizer(withTaxonomy('worker'));
    const report = (r) => r && { schema: r.schema, config: r.config };
    const withReports = { main: report(mr.buildAggregateReport()), worker: report(await wr.buildAggregateReport()) };
    mr.dispose();
    await wr.dispose();
    return { without, withReports, before };
  });
  const firstReportRequest = run.requests.findIndex((r) => REPORT_PATH.test(r));
  assert.deepEqual(run.result.without.main, { budget: 4, refused: 'options.taxonomy' });
  assert.deepEqual(run.result.without.worker, run.result.without.main);
  assert.ok(firstReportRequest > 0, `the report path was requested once reports were configured: ${run.requests.join(' ')}`);
  const beforeReports = run.requests.slice(0, firstReportRequest);
  assert.ok(beforeReports.includes('/localrank/dist/localrank_core.wasm') && beforeReports.includes('/localrank/dist/worker-thread.mjs'),
    `the device module was loaded on both threads first: ${beforeReports.join(' ')}`);
  assert.ok(!run.result.before.some((u) => REPORT_PATH.test(u)), `the page requested nothing of the report path: ${run.result.before.join(' ')}`);
  assert.ok(run.requests.includes(REPORT_WASM_PATH), 'the device module with reports was fetched');
  for (const r of [run.result.withReports.main, run.result.withReports.worker]) assert.equal(r?.schema, 'localrank.report');
  assert.equal(run.result.withReports.worker.config, run.result.withReports.main.config);
  assert.deepEqual(run.messages, []);
  assert.deepEqual(run.violations, []);
});

test('a page with reports loads the device module with reports instead of the lean one, never both (main thread and worker)', async () => {
  const run = await inPage({}, async () => {
    const { main, worker } = /** @type {any} */ (window);
    const options = { autosaveMs: 0, storage: 'memory', taxonomy: ['cooking', 'sports', 'travel'] };
    const m = await main.createPersonalizer(options);
    const w = await worker.createWorkerPersonalizer(options);
    const budgets = [m.privacyBudget().epsilonCap, (await w.privacyBudget()).epsilonCap];
    m.dispose();
    await w.dispose();
    return budgets;
  });
  assert.deepEqual(run.result, [4, 4]);
  const wasm = run.requests.filter((r) => r.endsWith('.wasm'));
  assert.ok(wasm.length > 0 && wasm.every((r) => r === REPORT_WASM_PATH), `only the variant with reports: ${wasm.join(' ')}`);
  assert.deepEqual(run.messages, []);
});

test('a missing or misserved device module with reports: WASM_LOAD_FAILED naming localrank_core_reports.wasm and reportWasmUrl, main thread and worker; without a taxonomy it is never noticed', async () => {
  const loadWithTaxonomy = async () => {
    const { main, worker } = /** @type {any} */ (window);
    const plain = (e) => ({ isLocalrankError: e instanceof main.LocalrankError, code: e.code, field: e.field, message: String(e.message) });
    const options = { autosaveMs: 0, storage: 'memory', taxonomy: ['cooking', 'sports', 'travel'] };
    const fromMain = await main.createPersonalizer(options).then(() => null, plain);
    const fromWorker = await worker.createWorkerPersonalizer(options).then(() => null, plain);
    const plainPage = await main.createPersonalizer({ autosaveMs: 0, storage: 'memory' }).then((p) => { p.dispose(); return 'created'; }, plain);
    return { fromMain, fromWorker, plainPage };
  };
  for (const [answer, parts] of [[{ status: 404, type: 'text/plain', body: 'not found' }, [/HTTP 404/]],
    [{ status: 200, type: 'text/html; charset=utf-8', body: HTML }, [/HTTP 200/, /text\/html/, /not WebAssembly/]]]) {
    const run = await inPage({ routes: { [REPORT_WASM_PATH]: answer } }, loadWithTaxonomy);
    for (const e of [run.result.fromMain, run.result.fromWorker]) {
      assert.ok(e, 'creation with a taxonomy rejected');
      assert.equal(e.isLocalrankError, true, JSON.stringify(e));
      assert.equal(e.code, 'WASM_LOAD_FAILED');
      assert.equal(e.field, 'options.reportWasmUrl');
      assert.ok(e.message.includes(new URL(REPORT_WASM_PATH, run.base).href), `names the URL: ${e.message}`);
      for (const p of [...parts, /Serve localrank_core_reports\.wasm/, /`reportWasmUrl`/]) assert.match(e.message, p);
    }
    assert.equal(run.result.plainPage, 'created');
  }
});

test("a Content-Security-Policy without 'wasm-unsafe-eval': WASM_LOAD_FAILED says to add it, main thread and worker", async () => {
  const run = await inPage({ csp: "script-src 'self'" }, loadBoth);
  for (const e of [run.result.fromMain, run.result.fromWorker]) {
    assertLoadError(e, run.base, [/Content-Security-Policy/, /add 'wasm-unsafe-eval'/]);
  }
});

test('the worker forwards the whole API: explain, rerankPacked, topicId, creatorId give what the main thread gives', async () => {
  const run = await inPage({}, async () => {
    const { main, worker } = /** @type {any} */ (window);
    const items = [{ id: 'a', topics: ['sports'], serverScore: 0.9 }, { id: 'b', topics: ['cooking'], serverScore: 0.5 }];
    /** Runs the same calls on either personalizer (await works on plain values too). */
    const script = async (p) => {
      await p.record({ type: 'like', itemId: 'z', topics: { cooking: 1 } });
      const ranked = (await p.rerank(items)).map((r) => r.id);
      const explained = await p.explain('b');
      const sports = await p.topicId('sports'), cooking = await p.topicId('cooking'), creator = await p.creatorId('c1');
      const packed = await p.rerankPacked({
        ids: ['a', 'b'], topicOffsets: Int32Array.of(0, 1, 2), topicIds: Int32Array.of(sports, cooking),
        creator: Int32Array.of(creator, -1), serverScore: Float64Array.of(0.9, 0.5),
      });
      const packedExplained = await p.explain('a');
      return { ranked, summary: explained.summary, rank: explained.rank, ids: [sports, cooking, creator],
        order: [...packed.order], score: [...packed.score], packedSummary: packedExplained.summary };
    };
    // One clock for both: scores decay with time.
    const options = { consent: { personalization: true }, seed: 3, autosaveMs: 0, storage: 'memory', now: () => 1700000000000 };
    const m = await main.createPersonalizer(options);
    const w = await worker.createWorkerPersonalizer(options);
    const out = { main: await script(m), worker: await script(w), methods: [...worker.WORKER_METHODS] };
    m.dispose();
    await w.dispose();
    return out;
  });
  assert.deepEqual(run.result.worker, run.result.main);
  assert.equal(run.result.main.rank, run.result.main.ranked.indexOf('b'));
  for (const name of ['explain', 'rerankPacked', 'topicId', 'creatorId']) assert.ok(run.result.methods.includes(name), name);
  assert.deepEqual(run.messages, []);
});

test('worker errors are the main thread errors, thrown at the caller\'s await with the caller\'s stack', async () => {
  const run = await inPage({}, async () => {
    const { main, worker } = /** @type {any} */ (window);
    const plain = (e) => ({ name: e.name, code: e.code, field: e.field, index: e.index, message: e.message, isLocalrankError: e instanceof main.LocalrankError });
    const m = await main.createPersonalizer({ consent: { personalization: true }, autosaveMs: 0, storage: 'memory' });
    const w = await worker.createWorkerPersonalizer({ consent: { personalization: true }, autosaveMs: 0, storage: 'memory' });
    const calls = [
      (p) => p.record({ type: 'click', itemID: 'p1' }),
      (p) => p.rerank([{ id: 'a', topic: 'cooking' }]),
      (p) => p.rerank([{ id: 'a' }], { diversty: 1 }),
      (p) => p.rerankPacked({ topicOffsets: Int32Array.of(0, 1), topicIds: Int32Array.of(99) }),
      (p) => p.topicId(''),
      (p) => p.explain(42),
    ];
    const results = [];
    for (const call of calls) {
      let fromMain = null;
      try { await call(m); } catch (e) { fromMain = plain(e); }
      const fromWorker = await call(w).then(() => null, plain);
      results.push({ fromMain, fromWorker });
    }
    // The stack of a worker error: where this function awaited it.
    async function callerOfTheWorker() {
      await w.record({ type: 'click' });
    }
    const stack = await callerOfTheWorker().then(() => '', (e) => String(e.stack));
    m.dispose();
    await w.dispose();
    return { results, stack };
  });
  for (const { fromMain, fromWorker } of run.result.results) {
    assert.ok(fromMain, 'the main thread threw');
    assert.deepEqual(fromWorker, fromMain);
  }
  assert.match(run.result.results[0].fromMain.message, /did you mean `itemId`/);
  assert.match(run.result.stack, /^LocalrankError: event names no item/);
  assert.match(run.result.stack, /callerOfTheWorker/, `the caller's frame is in the stack: ${run.result.stack}`);
  assert.doesNotMatch(run.result.stack, /onMessage|worker-thread/, 'the library\'s message handler is not where it appears thrown');
});
