// SPDX-License-Identifier: MIT
// Loads the WebAssembly modules for the entries (browser, worker, Node): the
// device module, or for a personalizer given a taxonomy its variant with the
// report encoder (localrank_core_reports.wasm), loaded instead of it.
// The entry fetches or reads the .wasm and it is compiled here, so that a missing
// or misserved file or a Content-Security-Policy without 'wasm-unsafe-eval'
// is one LocalrankError WASM_LOAD_FAILED naming the URL, the answer and the
// fix, instead of the Emscripten glue's console warnings and abort text. The
// glue then only instantiates the compiled module (its `instantiateWasm` hook).
import { LocalrankError } from './errors.js';

/**
 * The error for `source`, which `what`; a CSP refusal (in `cause`) gets the CSP fix instead.
 * `field` names the option (options.wasmUrl, options.reportWasmBinary, ...), and so the module.
 * @param {string} source @param {string} what @param {string} field @param {unknown} [cause]
 */
export function wasmLoadError(source, what, field, cause) {
  const [file, url, binary] = /report/i.test(field)
    ? [REPORTS_WASM, 'reportWasmUrl', 'reportWasmBinary'] : ['localrank_core.wasm', 'wasmUrl', 'wasmBinary'];
  return new LocalrankError('WASM_LOAD_FAILED', /Content.Security.Policy|\bCSP\b|unsafe-eval/i.test(String(cause))
    ? `${source} was blocked by Content-Security-Policy: add 'wasm-unsafe-eval' to script-src (see docs/integration.md)`
    : `${source} ${what}. Serve ${file} (node_modules/localrank/dist/) there as application/wasm, or pass ` +
      `its URL as \`${url}\` (or its bytes as \`${binary}\`); see docs/integration.md`, { field, cause });
}

/** The device module with the report encoder (wasm/CMakeLists.txt). */
export const REPORTS_WASM = 'localrank_core_reports.wasm';

/**
 * Where the device module with reports is: `reportWasmUrl`, else next to
 * `wasmUrl` (the same folder; `base` resolves a relative one), else `fallback`
 * (next to the entry).
 * @param {Record<string, any>} o @param {string|URL} fallback @param {string} [base]
 * @returns {string|URL}
 */
export function reportWasmLocation(o, fallback, base) {
  if (o.reportWasmUrl !== undefined && o.reportWasmUrl !== null) return o.reportWasmUrl;
  if (o.wasmUrl === undefined || o.wasmUrl === null) return fallback;
  return new URL(`./${REPORTS_WASM}`, new URL(String(o.wasmUrl), base)).href;
}

/**
 * Compiles and instantiates the .wasm with an Emscripten module factory: the
 * glue fetches nothing and prints nothing.
 * @param {(options: object) => Promise<any>} createModule
 * @param {ArrayBufferView|ArrayBuffer} bytes  the .wasm (what came from `source`)
 * @param {string} source  where the bytes came from, for the message
 * @param {string} field  the option naming it
 * @param {string} [answer]  how the server answered, e.g. `HTTP 200, text/html`
 * @returns {Promise<any>}
 */
export async function instantiateWasm(createModule, bytes, source, field, answer) {
  const b = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  if (b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) {
    // The start of what came instead (an HTML page, an error text), printable.
    const start = String.fromCharCode(...b.subarray(0, 24)).replace(/[^\x20-\x7e]/g, '.');
    throw wasmLoadError(source, `${answer ? `(${answer}) ` : ''}is not WebAssembly: it ${b.length ? `starts with "${start}"` : 'is empty'}`, field);
  }
  /** @type {WebAssembly.Module} */
  let compiled;
  try {
    compiled = await WebAssembly.compile(b);
  } catch (e) {
    throw wasmLoadError(source, `could not be compiled (${e}): damaged, or from another localrank version?`, field, e);
  }
  return new Promise((resolve, reject) => {
    createModule({
      /** @param {WebAssembly.Imports} imports @param {(i: WebAssembly.Instance, m: WebAssembly.Module) => void} done */
      instantiateWasm(imports, done) {
        WebAssembly.instantiate(compiled, imports).then((instance) => done(instance, compiled),
          (e) => reject(wasmLoadError(source, `could not be instantiated (${e}): from another localrank version?`, field, e)));
        return {};
      },
    }).then(resolve, reject);
  });
}

/**
 * Fetches the .wasm at `href` and instantiates it (browsers and workers).
 * @param {(options: object) => Promise<any>} createModule @param {string} href @param {string} field
 */
export async function fetchWasm(createModule, href, field) {
  /** @type {Response} */
  let response;
  try {
    response = await fetch(href, { credentials: 'same-origin' });
  } catch (e) {
    throw wasmLoadError(href, `could not be fetched (${e}: offline, or blocked by connect-src?)`, field, e);
  }
  const answer = `HTTP ${response.status}, ${response.headers.get('content-type') ?? 'no content type'}`;
  if (!response.ok) throw wasmLoadError(href, `answered ${answer}`, field);
  return instantiateWasm(createModule, await response.arrayBuffer(), href, field, answer);
}

/**
 * The loader for `wasmBinary` or `reportWasmBinary` (every entry).
 * @param {(options: object) => Promise<any>} createModule @param {unknown} binary @param {string} [field]
 */
export function loadFromBinary(createModule, binary, field = 'options.wasmBinary') {
  if (!(binary instanceof ArrayBuffer) && !ArrayBuffer.isView(binary)) {
    throw new LocalrankError('INVALID_ARGUMENT', `${field} must be an ArrayBuffer or a Uint8Array of the .wasm`, { field });
  }
  return instantiateWasm(createModule, binary, field, field);
}
