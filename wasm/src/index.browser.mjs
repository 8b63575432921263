// SPDX-License-Identifier: MIT
// Browser and bundler entry: `new URL(..., import.meta.url)` lets Vite and
// webpack find and emit the .wasm; `wasmUrl` / `wasmBinary` override it.
import createLocalrankCore from './localrank_core.mjs';
import { createPersonalizerWith } from './personalizer.js';
import { defaultStorageKind } from './storage.js';
import { fetchWasm, loadFromBinary } from './load-wasm.js';

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
  const href = String(o.wasmUrl ?? new URL('./localrank_core.wasm', import.meta.url).href);
  if (!cache.has(href)) {
    const loading = fetchWasm(createLocalrankCore, href, 'options.wasmUrl');
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
