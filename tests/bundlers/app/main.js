// SPDX-License-Identifier: MIT
// The app every bundler check builds: it imports localrank by name, reranks on
// the main thread and in a Web Worker, builds an aggregate report on both (a
// taxonomy: the device module with reports, a second .wasm, its glue and the
// report path's chunks are loaded on demand instead of the lean module), and
// reports to the test via window.__result.
import { createPersonalizer, LocalrankError } from 'localrank';
import { createWorkerPersonalizer } from 'localrank/worker';

// Set by the build (define): how this bundler's output finds the worker and the .wasm.
const WORKER_URL = /** @type {string | undefined} */ (globalThis.LOCALRANK_WORKER_URL);
const WASM_URL = /** @type {string | undefined} */ (globalThis.LOCALRANK_WASM_URL);

const items = [
  { id: 'sports-1', topics: ['sports'], serverScore: 0.52 },
  { id: 'politics-1', topics: ['politics'], serverScore: 0.505 },
  { id: 'cooking-1', topics: ['cooking'], serverScore: 0.5 },
];
const likes = [{ type: 'like', topics: { cooking: 1 } }, { type: 'click', topics: ['cooking'] }];

/** @param {() => unknown} fn */
async function codeOf(fn) {
  try {
    await fn();
    return 'no error';
  } catch (e) {
    return e instanceof LocalrankError ? `${e.code} ${e.field} ${e.index}` : `not a LocalrankError: ${e}`;
  }
}

const result = {};
try {
  const options = { consent: { personalization: true }, seed: 3, autosaveMs: 0, ...(WASM_URL ? { wasmUrl: WASM_URL } : {}) };
  const p = await createPersonalizer(options);
  result.mainBefore = p.rerank(items).map((r) => r.id);
  p.record(likes);
  result.mainAfter = p.rerank(items).map((r) => r.id);
  result.mainError = await codeOf(() => p.rerank([{ id: 'x' }, { id: 'x' }]));
  p.dispose();

  const w = await createWorkerPersonalizer({ ...options, ...(WORKER_URL ? { worker: WORKER_URL } : {}) });
  await w.record(likes);
  result.workerAfter = (await w.rerank(items)).map((r) => r.id);
  result.workerError = await codeOf(() => w.rerank([{ id: 'y', serverScore: Number.NaN }]));
  await w.dispose();

  const reporting = { ...options, taxonomy: ['sports', 'politics', 'cooking', 'travel'], consent: { personalization: true, aggregateMeasurement: true } };
  const r = await createPersonalizer({ ...reporting, namespace: 'main-reports' });
  r.record(likes);
  result.mainReport = r.buildAggregateReport()?.schema;
  r.dispose();
  const wr = await createWorkerPersonalizer({ ...reporting, namespace: 'worker-reports', ...(WORKER_URL ? { worker: WORKER_URL } : {}) });
  await wr.record(likes);
  result.workerReport = (await wr.buildAggregateReport())?.schema;
  await wr.dispose();
} catch (e) {
  result.failure = String(e instanceof Error ? e.stack ?? e.message : e);
}
/** @type {any} */ (window).__result = result;
document.body.dataset.done = 'true';
