// SPDX-License-Identifier: MIT
// Test page: exposes a personalizer built from the package in wasm/dist as
// `window.lr`, for tests/browser/storage.test.mjs to drive with page.evaluate.
import { createPersonalizer } from '/wasm/dist/index.browser.mjs';
// The slot format older localrank versions wrote (profile JSON), to check such data still loads
// (from the sources: the package's dist is bundled).
import { encodeJsonSlot } from '/wasm/src/slots.js';

const FEED = [
  { id: 'a', topics: { sports: 1 }, creatorId: 'c1', serverScore: 0.9 },
  { id: 'b', topics: { politics: 1 }, creatorId: 'c2', serverScore: 0.8 },
  { id: 'c', topics: { cooking: 1 }, creatorId: 'c3', serverScore: 0.7 },
  { id: 'd', topics: ['travel'], creatorId: 'c4', serverScore: 0.6 },
  { id: 'e', topics: { cooking: 0.5, travel: 0.5 }, creatorId: 'c5', serverScore: 0.5 },
];

/** @type {import('/wasm/dist/index.d.ts').Personalizer | null} */
let p = null;
/** Everything the personalizer emitted, in order. */
const seen = [];

window.lr = {
  seen,
  async open(options = {}) {
    p = await createPersonalizer({
      consent: { personalization: true },
      seed: 42,
      ...options,
      on: {
        'profile-reset': (d) => seen.push({ name: 'profile-reset', reason: d.reason }),
        error: (e) => seen.push({ name: 'error', code: e.code, message: e.message }),
        sync: (d) => seen.push({ name: 'sync', seq: d.seq }),
      },
    });
  },
  record: (events) => p.record(events),
  rank: () => p.rerank(FEED).map((r) => r.id),
  flush: () => p.flush(),
  profile: () => p.profile(),
  /** Reads a key straight from localrank's IndexedDB database. */
  idbGet: (key) => new Promise((resolve, reject) => {
    const open = indexedDB.open('localrank');
    // Never create the database here: that would hide a package that does not.
    open.onupgradeneeded = () => open.transaction.abort();
    open.onerror = () => resolve(null);
    open.onsuccess = () => {
      const db = open.result;
      const req = db.transaction('kv', 'readonly').objectStore('kv').get(key);
      req.onsuccess = () => { db.close(); resolve(req.result ?? null); };
      req.onerror = () => { db.close(); reject(req.error); };
    };
  }),
  /** The current profile as a slot in the format of localrank before the binary snapshot. */
  oldSlot: (seq) => encodeJsonSlot(seq, JSON.stringify(p.exportProfile()), 'old-tab', Date.now(), 2),
  /** Writes a key straight into localrank's IndexedDB database (which must exist). */
  idbPut: (key, value) => new Promise((resolve, reject) => {
    const open = indexedDB.open('localrank');
    open.onupgradeneeded = () => open.transaction.abort();
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('kv', 'readwrite');
      tx.objectStore('kv').put(value, key);
      tx.oncomplete = () => { db.close(); resolve(true); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    };
  }),
  /**
   * The header of a stored slot and how it is stored: bytes (`LRST`, u32 header
   * length, header JSON, snapshot) or text (header JSON, newline, base64).
   */
  slotHeader: async (key, where = 'indexedDB') => {
    const raw = where === 'indexedDB' ? await window.lr.idbGet(key) : localStorage.getItem(key);
    if (raw === null) return null;
    if (typeof raw === 'string') return { binary: false, header: JSON.parse(raw.slice(0, raw.indexOf('\n'))) };
    if (!(raw instanceof Uint8Array)) return { binary: false, header: null, type: typeof raw };
    const magic = new TextDecoder().decode(raw.subarray(0, 4));
    const room = new DataView(raw.buffer, raw.byteOffset).getUint32(4, true);
    return { binary: true, magic, header: JSON.parse(new TextDecoder().decode(raw.subarray(8, 8 + room))) };
  },
};
document.body.dataset.ready = 'true';
