// SPDX-License-Identifier: MIT
// Browser and bundler entry: `new URL(..., import.meta.url)` lets bundlers
// (Vite, webpack, Rollup, esbuild) find and emit the .wasm files; `wasmUrl` /
// `wasmBinary` override the device module's, `reportWasmUrl` /
// `reportWasmBinary` those of its variant with the report encoder (loaded, with
// its glue, instead of it for a personalizer given a taxonomy).
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
 * The device module for these options, or with `reports` its variant with the
 * report encoder (its glue imported only then): fetched and compiled here
 * (load-wasm.js), so that a failure is one LocalrankError WASM_LOAD_FAILED
 * naming the file and the option.
 * @param {Record<string, any>} o @param {boolean} reports
 */
async function loadCore(o, reports) {
  if (!reports) {
    if (o.wasmBinary) return loadFromBinary(createLocalrankCore, o.wasmBinary);
    return fetchOnce(createLocalrankCore, String(o.wasmUrl ?? new URL('./localrank_core.wasm', import.meta.url).href), 'options.wasmUrl');
  }
  const { default: createReports } = await import('./localrank_core_reports.mjs');
  // Its glue may be this module's glue given other export names (scripts/lib/assemble-package.mjs sharedGlue).
  const createWithReports = (/** @type {object} */ options) => createReports(options, createLocalrankCore);
  if (o.reportWasmBinary) return loadFromBinary(createWithReports, o.reportWasmBinary, 'options.reportWasmBinary');
  const href = String(reportWasmLocation(o, new URL('./localrank_core_reports.wasm', import.meta.url).href, globalThis.location?.href));
  return fetchOnce(createWithReports, href, 'options.reportWasmUrl');
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
  return createPersonalizerWith(loadCore, options, defaultStorageKind('browser'));
}
