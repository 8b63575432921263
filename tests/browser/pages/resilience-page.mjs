// SPDX-License-Identifier: MIT
// Test page: a personalizer from the package in wasm/dist over IndexedDB or
// localStorage, through an adapter whose faults the test switches
// (`lr.faults`): calls that hang, throw, take random time, sets that are lost
// or land late. Exposed as `window.lr` for tests/browser/resilience.test.mjs.
import { createPersonalizer, indexedDBStorage, webStorage } from '/wasm/dist/index.browser.mjs';

const faults = { hangGet: false, hangSet: false, fail: '', lose: 0, late: 0, latency: [0, 0] };
const seen = [];
/** Late writes not landed yet. */
let landing = 0;
/** @type {any} */
let p = null;

/** @param {any} base @param {boolean} binary */
function hostile(base, binary) {
  const never = () => new Promise(() => {});
  const wait = () => new Promise((r) => setTimeout(r, faults.latency[0] + Math.random() * (faults.latency[1] - faults.latency[0])));
  const op = async (fn) => {
    await wait();
    if (faults.fail) throw new Error(faults.fail);
    return fn();
  };
  return {
    binary,
    get: (k) => (faults.hangGet ? never() : op(() => base.get(k))),
    set: (k, v) => {
      if (faults.hangSet) return never();
      const r = Math.random();
      if (r < faults.lose) return op(() => {});
      if (r < faults.lose + faults.late) {
        landing++;
        setTimeout(async () => { await base.set(k, v); landing--; }, 30 + Math.random() * 150);
        return op(() => {});
      }
      return op(() => base.set(k, v));
    },
    delete: (k) => (faults.hangSet ? never() : op(() => base.delete(k))),
    keys: () => op(() => base.keys()),
  };
}

window.lr = {
  faults,
  seen,
  hasWebLocks: () => Boolean(navigator.locks),
  /** @param {{kind: 'indexedDB'|'localStorage', namespace: string, storageTimeoutMs?: number}} o */
  async open({ kind, namespace, storageTimeoutMs = 300 }) {
    const base = kind === 'indexedDB' ? indexedDBStorage() : webStorage();
    p = await createPersonalizer({
      storage: hostile(base, kind === 'indexedDB'), namespace, storageTimeoutMs, autosaveMs: 0, seed: 1,
      consent: { personalization: true },
      on: { error: (e) => seen.push({ code: e.code, message: e.message }) },
    });
  },
  /** Records `n` clicks on `topic`. */
  record: (topic, n) => {
    for (let i = 0; i < n; i++) p.record({ type: 'click', topics: { [topic]: 1 } });
  },
  /** Flushes; resolves to the error code instead of throwing. */
  flush: () => p.flush().then(() => 'ok', (e) => e.code ?? String(e)),
  /** Waits until every late write has landed. */
  settled: async () => { while (landing > 0) await new Promise((r) => setTimeout(r, 20)); },
  topics: () => p.profile({ top: 100 }).topics.map((t) => [t.name, t.events]).sort(),
  total: () => p.profile().totalEvents,
  dispose: () => p.dispose(),
};
document.body.dataset.ready = 'true';
