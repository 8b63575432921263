// SPDX-License-Identifier: MIT
// What crosses postMessage between `localrank/worker` (the page) and
// worker-thread.mjs (inside the Worker): the forwarded method names and how
// errors are written to the wire and rebuilt on the other side.
import { LocalrankError } from './errors.js';

/**
 * Personalizer methods that the worker facade forwards, each returning a
 * promise. A dotted name (`'consent.set'`) is a method of a sub-object. Adding
 * a method to Personalizer means adding its name here (and to worker.d.ts).
 */
export const WORKER_METHODS = Object.freeze([
  'record', 'rerank', 'rerankPacked', 'explain', 'topicId', 'creatorId', 'adjust', 'profile', 'exportProfile',
  'importProfile', 'flush', 'consent.get', 'consent.set', 'forget', 'buildAggregateReport', 'sendAggregateReport',
  'privacyBudget', 'scheduleAggregateReports',
]);

/**
 * @typedef {{name: string, message: string, code?: string, field?: string, index?: number, retryAfterMs?: number}} WireError
 */

/**
 * An error as plain, cloneable data.
 * @param {unknown} e
 * @returns {WireError}
 */
export function errorToWire(e) {
  if (e instanceof LocalrankError) {
    // retryAfterMs: a SEND_FAILED whose report is kept for a later send.
    return { name: 'LocalrankError', message: e.message, code: e.code, field: e.field, index: e.index, retryAfterMs: /** @type {any} */ (e).retryAfterMs };
  }
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/**
 * Rebuilds an error thrown on the other side: a LocalrankError keeps its
 * code, field and index; TypeError and RangeError keep their class.
 * @param {WireError} w
 * @returns {Error}
 */
export function errorFromWire(w) {
  if (w.name === 'LocalrankError') {
    const e = new LocalrankError(w.code ?? 'INVALID_ARGUMENT', w.message, { field: w.field, index: w.index });
    if (w.retryAfterMs !== undefined) /** @type {any} */ (e).retryAfterMs = w.retryAfterMs;
    return e;
  }
  if (w.name === 'TypeError') return new TypeError(w.message);
  if (w.name === 'RangeError') return new RangeError(w.message);
  const e = new Error(w.message);
  e.name = w.name;
  return e;
}

/**
 * Gives an error rebuilt from the wire the stack of the call that is waiting
 * for it (captured when the call was sent), so that it reads like an error
 * thrown at the caller's `await`, not in the library's message handler.
 * @param {Error} e @param {Error} site  made by the caller's call
 * @returns {Error}
 */
export function atCallSite(e, site) {
  const stack = site.stack;
  if (typeof stack === 'string') {
    // V8 starts with "Error\n" (the site's own header); Firefox and Safari list frames only.
    const frames = stack.startsWith('Error\n') ? stack.slice(6) : stack.startsWith('Error') ? '' : stack;
    try {
      e.stack = `${e.name}: ${e.message}\n${frames}`;
    } catch {
      // A read-only stack: keep the rebuilt one.
    }
  }
  return e;
}

/**
 * ArrayBuffers that a result owns outright (typed arrays that do not share
 * their buffer, so never a view of wasm memory), so they can be transferred
 * instead of copied. Looks at the value and its own members only: results
 * hold typed arrays at the top, and a rerank of 10,000 items stays cheap.
 * @param {unknown} value
 * @returns {ArrayBuffer[]}
 */
export function ownedBuffers(value) {
  /** @type {Set<ArrayBuffer>} */
  const found = new Set();
  /** @param {unknown} v @param {number} depth */
  const walk = (v, depth) => {
    if (v === null || typeof v !== 'object' || depth > 1) return;
    if (ArrayBuffer.isView(v)) {
      const b = v.buffer;
      if (b instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === b.byteLength) found.add(b);
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return [...found];
}
