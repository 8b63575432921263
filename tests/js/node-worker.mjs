// SPDX-License-Identifier: MIT
// localrank/worker in Node, for tests: a worker_threads Worker dressed as the
// Web Worker that localrank/worker expects (postMessage, addEventListener,
// terminate), running the package's real worker-thread.mjs. This file is
// both sides: imported by a test it exports nodeWorker(); started as the
// worker's script it gives worker-thread.mjs the scope of a Web Worker.
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

if (!isMainThread && parentPort) {
  const port = parentPort;
  const scope = /** @type {any} */ (globalThis);
  scope.postMessage = (/** @type {any} */ m, /** @type {any[]} */ transfer) => port.postMessage(m, transfer);
  scope.addEventListener = (/** @type {string} */ type, /** @type {(e: any) => void} */ fn) => {
    if (type === 'message') port.on('message', (data) => fn({ data }));
  };
  scope.close = () => port.close();
  await import('localrank/worker-thread');
}

/** A Worker running localrank's worker-thread.mjs, as localrank/worker's `options.worker`. */
export function nodeWorker() {
  const w = new Worker(new URL(import.meta.url));
  return {
    postMessage: (/** @type {any} */ m, /** @type {any[]} */ transfer) => w.postMessage(m, transfer),
    addEventListener(/** @type {string} */ type, /** @type {(e: any) => void} */ fn) {
      if (type === 'message') w.on('message', (data) => fn({ data }));
      else if (type === 'error') w.on('error', (e) => fn({ message: e.message }));
      else if (type === 'messageerror') w.on('messageerror', () => fn({}));
    },
    terminate: () => { w.terminate(); },
  };
}

/** The core's bytes: the worker cannot fetch a file: URL in Node. */
export const wasmBinary = () => readFileSync(fileURLToPath(import.meta.resolve('localrank/localrank_core.wasm')));
/** The bytes of the device module with reports, for a worker given a taxonomy (the same reason). */
export const reportWasmBinary = () => readFileSync(fileURLToPath(import.meta.resolve('localrank/localrank_core_reports.wasm')));
