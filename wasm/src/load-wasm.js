// SPDX-License-Identifier: MIT
// Loads the WebAssembly core for the entries (browser, worker, Node): fetches
// or reads the .wasm and compiles it here, so that a missing or misserved file
// or a Content-Security-Policy without 'wasm-unsafe-eval' is one
// LocalrankError WASM_LOAD_FAILED naming the URL, the answer and the fix,
// instead of the Emscripten glue's console warnings and abort text. The glue
// then only instantiates the compiled module (its `instantiateWasm` hook).
import { LocalrankError } from './errors.js';

/** What to do about a .wasm that did not load (ends every message but the CSP one). */
const FIX = 'Serve localrank_core.wasm (node_modules/localrank/dist/) there as application/wasm, or pass its URL ' +
  'as `wasmUrl` (or its bytes as `wasmBinary`); see docs/integration.md';

/**
 * The error for `source`, which `what`; a CSP refusal gets the CSP fix.
 * @param {string} source @param {string} what @param {string} field @param {unknown} [cause]
 */
function loadError(source, what, field, cause) {
  const text = cause instanceof Error ? `${cause.name} ${cause.message}` : String(cause ?? '');
  const message = /Content.Security.Policy|\bCSP\b|unsafe-eval/i.test(text)
    ? `${source} was blocked by Content-Security-Policy: add 'wasm-unsafe-eval' to script-src (see docs/integration.md)`
    : `${source} ${what}. ${FIX}`;
  return new LocalrankError('WASM_LOAD_FAILED', message, cause === undefined ? { field } : { field, cause });
}

/**
 * Compiles .wasm bytes.
 * @param {Uint8Array} bytes @param {string} source  where they come from, for the message
 * @param {string} field @param {string} [answer]  e.g. `HTTP 200, text/html`
 * @returns {Promise<WebAssembly.Module>}
 */
export async function compileBytes(bytes, source, field, answer = '') {
  if (!(bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d)) {
    // The start of what came instead (an HTML page, an error text), printable.
    const start = String.fromCharCode(...bytes.subarray(0, 24)).replace(/[^\x20-\x7e]/g, '.');
    throw loadError(source, `${answer ? `(${answer}) ` : ''}is not WebAssembly: it ${bytes.length ? `starts with "${start}"` : 'is empty'}`, field);
  }
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw loadError(source, `could not be compiled (${e}): damaged, or from another localrank version?`, field, e);
  }
}

/**
 * Fetches and compiles the .wasm at `href` (browsers and workers).
 * @param {string} href @param {string} field
 * @returns {Promise<WebAssembly.Module>}
 */
export async function fetchAndCompile(href, field) {
  /** @type {Response} */
  let response;
  try {
    response = await fetch(href, { credentials: 'same-origin' });
  } catch (e) {
    throw loadError(href, `could not be fetched (${e}: offline, or blocked by connect-src?)`, field, e);
  }
  const answer = `HTTP ${response.status}, ${response.headers.get('content-type') ?? 'no content type'}`;
  if (!response.ok) throw loadError(href, `answered ${answer}`, field);
  if (/^application\/wasm/i.test(answer.slice(answer.indexOf(',') + 2)) && WebAssembly.compileStreaming) {
    try {
      return await WebAssembly.compileStreaming(response);
    } catch (e) {
      throw loadError(href, `could not be compiled (${e}): damaged, or from another localrank version?`, field, e);
    }
  }
  // Another content type: compiled all the same if it is WebAssembly.
  return compileBytes(new Uint8Array(await response.arrayBuffer()), href, field, answer);
}

/**
 * Runs an Emscripten module factory on a compiled module: the glue fetches
 * nothing and prints nothing. A failed instantiation rejects with WASM_LOAD_FAILED.
 * @param {(options: object) => Promise<any>} createModule @param {WebAssembly.Module} compiled
 * @param {string} source @param {string} field
 * @returns {Promise<any>}
 */
export function instantiate(createModule, compiled, source, field) {
  return new Promise((resolve, reject) => {
    createModule({
      locateFile: () => source,
      /** @param {WebAssembly.Imports} imports @param {(i: WebAssembly.Instance, m: WebAssembly.Module) => void} done */
      instantiateWasm(imports, done) {
        WebAssembly.instantiate(compiled, imports).then((instance) => done(instance, compiled),
          (e) => reject(loadError(source, `could not be instantiated (${e}): from another localrank version?`, field, e)));
        return {};
      },
    }).then(resolve, reject);
  });
}

/**
 * The loader for `wasmBinary` (every entry).
 * @param {(options: object) => Promise<any>} createModule @param {unknown} binary
 */
export async function loadFromBinary(createModule, binary) {
  const field = 'options.wasmBinary';
  const bytes = binary instanceof ArrayBuffer ? new Uint8Array(binary)
    : ArrayBuffer.isView(binary) ? new Uint8Array(binary.buffer, binary.byteOffset, binary.byteLength) : null;
  if (!bytes) throw new LocalrankError('INVALID_ARGUMENT', `${field} must be an ArrayBuffer or a Uint8Array of the .wasm`, { field });
  return instantiate(createModule, await compileBytes(bytes, field, field), 'localrank_core.wasm', field);
}
