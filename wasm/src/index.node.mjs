// SPDX-License-Identifier: MIT
// Node entry: reads the .wasm files next to this file (Node's fetch cannot load
// file: URLs): the device module, or for a personalizer given a taxonomy its
// variant with the report encoder instead.
import createLocalrankCore from './localrank_core.mjs';
import { createPersonalizerWith } from './personalizer.js';
import { instantiateWasm, loadFromBinary, wasmLoadError, REPORTS_WASM } from './load-wasm.js';

export { LocalrankError, ErrorCode } from './errors.js';
export { LIMITS, EVENT_TYPES } from './core-buffers.js';
export { DEFAULT_MODEL } from './model.js';
export { Personalizer } from './personalizer.js';
export { memoryStorage, webStorage, indexedDBStorage } from './storage.js';

/** @type {Map<string, Promise<any>>} */
const cache = new Map();

/**
 * The device module, or with `reports` its variant with the report encoder:
 * `reportWasmBinary`, `reportWasmUrl`, else next to `wasmUrl`, else next to this module.
 * @param {Record<string, any>} o @param {boolean} reports
 */
async function loadCore(o, reports) {
  if (!reports) {
    if (o.wasmBinary) return loadFromBinary(createLocalrankCore, o.wasmBinary);
    return readOnce(createLocalrankCore, await wasmLocation(o.wasmUrl, 'localrank_core.wasm'), 'options.wasmUrl');
  }
  const { default: createReports } = await import('./localrank_core_reports.mjs');
  // Its glue may be this module's glue given other export names (scripts/lib/assemble-package.mjs sharedGlue).
  const createWithReports = (/** @type {object} */ options) => createReports(options, createLocalrankCore);
  if (o.reportWasmBinary) return loadFromBinary(createWithReports, o.reportWasmBinary, 'options.reportWasmBinary');
  const url = o.reportWasmUrl !== undefined && o.reportWasmUrl !== null ? await wasmLocation(o.reportWasmUrl)
    : new URL(`./${REPORTS_WASM}`, await wasmLocation(o.wasmUrl, 'localrank_core.wasm'));
  return readOnce(createWithReports, url, 'options.reportWasmUrl');
}

/**
 * One read and compilation per file.
 * @param {(options: object) => Promise<any>} createModule @param {URL} url @param {string} field
 */
function readOnce(createModule, url, field) {
  const cacheKey = url.href;
  if (!cache.has(cacheKey)) {
    const loading = (async () => {
      const [{ readFile }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
      const where = url.protocol === 'file:' ? fileURLToPath(url) : url.href;
      let bytes;
      try {
        bytes = await readFile(url);
      } catch (e) {
        throw wasmLoadError(where, `could not be read (${/** @type {any} */ (e)?.code ?? e})`, field, e);
      }
      return instantiateWasm(createModule, bytes, where, field);
    })();
    cache.set(cacheKey, loading);
    // A failed load (missing file) must not stick: the next call tries again.
    loading.catch(() => cache.delete(cacheKey));
  }
  return /** @type {Promise<any>} */ (cache.get(cacheKey));
}

/**
 * `wasmUrl` (or `reportWasmUrl`) in Node: a URL object or `file:` URL string,
 * or a file path (relative to the working directory). Default: `file` next to this module.
 * @param {unknown} option @param {string} [file]
 * @returns {Promise<URL>}
 */
async function wasmLocation(option, file = '') {
  if (option === undefined || option === null) return new URL(`./${file}`, import.meta.url);
  if (option instanceof URL) return option;
  const text = String(option);
  if (/^file:/i.test(text)) return new URL(text);
  const { pathToFileURL } = await import('node:url');
  return pathToFileURL(text);
}

/**
 * Creates a personalizer. See docs/api.md.
 * @param {import('./index').PersonalizerOptions} [options]
 */
export function createPersonalizer(options) {
  return createPersonalizerWith(loadCore, options, 'memory');
}
