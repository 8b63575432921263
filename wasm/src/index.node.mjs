// SPDX-License-Identifier: MIT
// Node entry: reads the .wasm next to this file (Node's fetch cannot load file: URLs).
import createLocalrankCore from './localrank_core.mjs';
import { createPersonalizerWith } from './personalizer.js';

export { LocalrankError, ErrorCode } from './errors.js';
export { LIMITS, EVENT_TYPES } from './core-buffers.js';
export { Personalizer } from './personalizer.js';
export { memoryStorage } from './storage.js';

/** @type {Map<string, Promise<any>>} */
const cache = new Map();

/** @param {Record<string, any>} o */
async function loadCore(o) {
  if (o.wasmBinary) return createLocalrankCore({ wasmBinary: o.wasmBinary });
  const url = o.wasmUrl ? new URL(String(o.wasmUrl), import.meta.url) : new URL('./localrank_core.wasm', import.meta.url);
  const cacheKey = url.href;
  if (!cache.has(cacheKey)) {
    cache.set(cacheKey, (async () => {
      const { readFile } = await import('node:fs/promises');
      return createLocalrankCore({ wasmBinary: await readFile(url) });
    })());
  }
  return /** @type {Promise<any>} */ (cache.get(cacheKey));
}

/**
 * Creates a personalizer. See docs/api.md.
 * @param {import('./index').PersonalizerOptions} [options]
 */
export function createPersonalizer(options) {
  return createPersonalizerWith(loadCore, options);
}
