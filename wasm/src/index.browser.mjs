// SPDX-License-Identifier: MIT
// Browser and bundler entry: `new URL(..., import.meta.url)` lets bundlers
// (Vite, webpack, Rollup, esbuild) find and emit the .wasm files; `wasmUrl` /
// `wasmBinary` override the device module's, `reportWasmUrl` /
// `reportWasmBinary` the report module's (loaded, with its glue, only for a
// personalizer given a taxonomy: report-module.js).
import createLocalrankCore from './localrank_core.mjs';
import { createPersonalizerWith } from './personalizer.js';
import { defaultStorageKind } from './storage.js';
import { fetchWasm, loadFromBinary, reportWasmLocation } from './load-wasm.js';

export { LocalrankError, ErrorCode } from './errors.js';
export { LIMITS, EVENT_TYPES } from './core-buffers.js';
export { DEFAULT_MODEL } from './model.js';
export { Personalizer } from './personalizer.js';
export { memoryStorage, webStorage, indexedDBStorage } from './storage.js';

/** @type {Map<string, Promise<any>>} */
const cache = new Map();

/**
 * The core module for these options: fetched and compiled here (load-wasm.js),
 * so that a failure is one LocalrankError WASM_LOAD_FAILED naming the fix.
 * @param {Record<string, any>} o
 */
function loadCore(o) {
  if (o.wasmBinary) return loadFromBinary(createLocalrankCore, o.wasmBinary);
  return fetchOnce(createLocalrankCore, String(o.wasmUrl ?? new URL('./localrank_core.wasm', import.meta.url).href), 'options.wasmUrl');
}

/**
 * The report module for these options (a personalizer given a taxonomy):
 * its glue imported and its .wasm fetched only now.
 * @param {Record<string, any>} o
 */
async function loadReport(o) {
  const { default: createLocalrankReport } = await import('./localrank_report.mjs');
  if (o.reportWasmBinary) return loadFromBinary(createLocalrankReport, o.reportWasmBinary, 'options.reportWasmBinary');
  const href = String(reportWasmLocation(o, new URL('./localrank_report.wasm', import.meta.url).href, globalThis.location?.href));
  return fetchOnce(createLocalrankReport, href, 'options.reportWasmUrl');
}

/**
 * One fetch and compilation per URL.
 * @param {(options: object) => Promise<any>} createModule @param {string} href @param {string} field
 */
function fetchOnce(createModule, href, field) {
  if (!cache.has(href)) {
    const loading = fetchWasm(createModule, href, field);
    cache.set(href, loading);
    // A failed load (offline, 404) must not stick: the next call tries again.
    loading.catch(() => cache.delete(href));
  }
  return /** @type {Promise<any>} */ (cache.get(href));
}

/**
 * Creates a personalizer. See docs/api.md.
 * @param {import('./index').PersonalizerOptions} [options]
 */
export function createPersonalizer(options) {
  return createPersonalizerWith(loadCore, options, defaultStorageKind('browser'), loadReport);
}
