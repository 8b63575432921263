// SPDX-License-Identifier: MIT
// Storage adapters: values under string keys. Every adapter stores strings;
// one that also stores bytes (Uint8Array) says so with `binary: true` and then
// receives the profile as bytes instead of base64 text. Built in: IndexedDB
// and memory (binary), localStorage (any Web Storage area, strings); a custom
// adapter's methods may return plain values or promises. docs/storage.md
// describes how they are used.
import { LocalrankError } from './errors.js';
import { within, storageFailed } from './lock.js';

/** How long one adapter call may take before it counts as failed (`options.storageTimeoutMs`). */
export const DEFAULT_STORAGE_TIMEOUT_MS = 5000;

/**
 * @typedef {string|Uint8Array} StoredValue  what a `binary` adapter stores; others only get strings
 * @typedef {object} StorageAdapter
 * @property {(key: string) => (StoredValue|ArrayBuffer|null|undefined|Promise<StoredValue|ArrayBuffer|null|undefined>)} get
 * @property {(key: string, value: StoredValue) => (void|Promise<void>)} set
 * @property {(key: string) => (void|Promise<void>)} delete
 * @property {() => (Iterable<string>|Promise<Iterable<string>>)} [keys] optional: every stored key (lets an erase find all of them)
 * @property {boolean} [binary] optional: `set` also takes a Uint8Array and `get` gives it back (as a
 *   Uint8Array, ArrayBuffer or other view of the same bytes); the profile is then stored as bytes, not base64
 * @property {boolean} [persistent] optional: false for a store that does not outlive the page (no aggregate
 *   report is built over it: its privacy ledger would be lost)
 * @property {boolean} [lease] optional: where Web Locks are missing, exclude other realms with a lease written
 *   through this adapter (default: true in browsers; in Node only when set, for a store several processes share)
 */

/**
 * The adapter as the persistence layer sees it: every method returns a promise,
 * `get` yields a string or null, `getSlot` a string, bytes or null (anything
 * else an adapter returns is a STORAGE_FAILED error).
 * @typedef {object} ResolvedStorage
 * @property {(key: string) => Promise<string|null>} get
 * @property {(key: string) => Promise<StoredValue|null>} getSlot
 * @property {(key: string, value: StoredValue) => Promise<void>} set
 * @property {(key: string) => Promise<void>} delete
 * @property {() => Promise<string[]|null>} keys  null when the adapter cannot list its keys
 * @property {'indexedDB'|'localStorage'|'memory'|'custom'} kind
 * @property {object} identity  the same object for personalizers that share the data
 * @property {boolean} shared  false for a private in-memory store (no other tab can see it)
 * @property {boolean} binary  the adapter stores bytes (Uint8Array) as well as strings
 * @property {boolean} persistent  what is stored outlives the page
 * @property {boolean} lease  without Web Locks, also take a lease through the adapter (other realms may share it)
 * @property {number} timeoutMs  deadline of each call
 */

/**
 * An in-memory adapter. Each call makes a new, private store; pass the same
 * adapter object to several personalizers to let them share it.
 * @returns {StorageAdapter}
 */
export function memoryStorage() {
  const map = new Map();
  return {
    binary: true,
    persistent: false,
    get: (key) => (map.has(key) ? map.get(key) : null),
    set: (key, value) => { map.set(key, value); },
    delete: (key) => { map.delete(key); },
    keys: () => [...map.keys()],
  };
}

/**
 * An adapter over a Web Storage area (default `localStorage`). Values count
 * against the origin's quota (about 5 MB in most browsers); a full quota makes
 * `set` throw, which the personalizer reports as an `error` event.
 * @param {Storage} [area]
 * @returns {StorageAdapter}
 */
export function webStorage(area) {
  // Reading `localStorage` itself throws in some sandboxed frames: resolve lazily.
  const target = () => area ?? globalThis.localStorage;
  return {
    get: (key) => target().getItem(key),
    set: (key, value) => { target().setItem(key, value); },
    delete: (key) => { target().removeItem(key); },
    keys: () => {
      const area = target();
      return Array.from({ length: area.length }, (_, i) => /** @type {string} */ (area.key(i)));
    },
  };
}

/**
 * An adapter over IndexedDB: one database (`name`, default `"localrank"`) with
 * one object store of strings and byte arrays (`binary`). Each call is its own
 * transaction, so a `set` either lands whole or not at all.
 * @param {{name?: string}} [options]
 * @returns {StorageAdapter}
 */
export function indexedDBStorage(options = {}) {
  const name = options.name ?? 'localrank';
  if (typeof name !== 'string' || !name) throw new TypeError('indexedDBStorage: options.name must be a non-empty string');
  const STORE = 'kv';
  /** @type {Promise<IDBDatabase>|null} */
  let opening = null;
  const open = () => {
    opening ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => { req.result.createObjectStore(STORE); };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading the database must not be blocked by us.
        db.onversionchange = () => { db.close(); opening = null; };
        db.onclose = () => { opening = null; };
        resolve(db);
      };
      req.onerror = () => { opening = null; reject(req.error ?? new Error(`indexedDB.open(${name}) failed`)); };
      req.onblocked = () => { opening = null; reject(new Error(`indexedDB.open(${name}) is blocked by another tab`)); };
    });
    return opening;
  };
  /**
   * @param {IDBTransactionMode} mode
   * @param {(s: IDBObjectStore) => IDBRequest} op
   * @returns {Promise<any>}
   */
  const run = async (mode, op) => {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = op(tx.objectStore(STORE));
      // Resolve on commit, not on the request: a write counts once it is durable.
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? req.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  };
  return {
    binary: true,
    get: (key) => run('readonly', (s) => s.get(key)).then((v) => (v === undefined ? null : v)),
    set: (key, value) => run('readwrite', (s) => s.put(value, key)).then(() => {}),
    delete: (key) => run('readwrite', (s) => s.delete(key)).then(() => {}),
    keys: () => run('readonly', (s) => s.getAllKeys()).then((ks) => ks.map(String)),
  };
}

/** Identities of the built-in shared stores (all personalizers of a realm share them). */
const BUILTIN_IDENTITY = { indexedDB: {}, localStorage: {} };

/** @param {string} kind */
function available(kind) {
  try {
    if (kind === 'indexedDB') return typeof indexedDB !== 'undefined' && indexedDB !== null;
    if (kind === 'localStorage') return typeof localStorage !== 'undefined' && localStorage !== null;
  } catch {
    // A SecurityError from touching localStorage means it is not usable here.
  }
  return kind === 'memory';
}

/**
 * The storage a personalizer uses when `options.storage` is not given:
 * IndexedDB in a browser that has it, otherwise memory.
 * @param {'memory'|'browser'} environment
 * @returns {'indexedDB'|'localStorage'|'memory'}
 */
export function defaultStorageKind(environment) {
  if (environment === 'browser' && available('indexedDB')) return 'indexedDB';
  return 'memory';
}

/**
 * Checks `options.storageTimeoutMs`: how long one storage call may take.
 * @param {unknown} v
 * @returns {number}
 */
export function storageTimeout(v) {
  if (v === undefined) return DEFAULT_STORAGE_TIMEOUT_MS;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 1 || v > 600000) {
    throw new LocalrankError('INVALID_ARGUMENT', `options.storageTimeoutMs must be a number of ms in [1, 600000] (default ${DEFAULT_STORAGE_TIMEOUT_MS}); got ${String(v)}`, { field: 'options.storageTimeoutMs' });
  }
  return v;
}

/**
 * Resolves the `storage` option to an adapter with promise-returning methods,
 * each of which settles within `timeoutMs`: a call still pending then counts
 * as failed (STORAGE_FAILED), whatever the adapter does later.
 * @param {unknown} option  'indexedDB' | 'localStorage' | 'memory' | adapter | undefined
 * @param {'indexedDB'|'localStorage'|'memory'} [fallback]  used when option is undefined
 * @param {number} [timeoutMs]
 * @returns {ResolvedStorage}
 */
export function resolveStorage(option, fallback = 'memory', timeoutMs = DEFAULT_STORAGE_TIMEOUT_MS) {
  const choice = option === undefined ? fallback : option;
  /** @type {StorageAdapter} */
  let a;
  /** @type {ResolvedStorage['kind']} */
  let kind;
  /** @type {object} */
  let identity;
  if (typeof choice === 'string') {
    if (choice !== 'indexedDB' && choice !== 'localStorage' && choice !== 'memory') {
      throw new LocalrankError('INVALID_ARGUMENT', `options.storage must be 'indexedDB', 'localStorage', 'memory' or an adapter {get, set, delete}; got '${choice}'`, { field: 'options.storage' });
    }
    if (!available(choice)) {
      throw new LocalrankError('INVALID_ARGUMENT', `options.storage '${choice}' is not available in this environment`, { field: 'options.storage' });
    }
    kind = choice;
    a = choice === 'indexedDB' ? sharedIndexedDB() : choice === 'localStorage' ? webStorage() : memoryStorage();
    identity = choice === 'memory' ? {} : BUILTIN_IDENTITY[choice];
  } else if (choice && typeof choice === 'object' && ['get', 'set', 'delete'].every((m) => typeof (/** @type {any} */ (choice))[m] === 'function')) {
    a = /** @type {StorageAdapter} */ (choice);
    kind = 'custom';
    identity = choice;
  } else {
    throw new LocalrankError('INVALID_ARGUMENT', "options.storage must be 'indexedDB', 'localStorage', 'memory' or an adapter {get(key), set(key, value), delete(key)}", { field: 'options.storage' });
  }
  /** @param {string} key @param {unknown} v @param {string} expected */
  const wrong = (key, v, expected) => new LocalrankError('STORAGE_FAILED', `storage.get('${key}') returned a ${typeof v}, expected ${expected}`, { field: 'options.storage' });
  /**
   * One adapter call under the deadline; `then` also turns a synchronous throw into a rejection.
   * @template T @param {string} what @param {() => T|Promise<T>} fn @returns {Promise<T>}
   */
  const call = (what, fn) => within(Promise.resolve().then(fn), timeoutMs, () => storageFailed(`storage.${what} took over ${timeoutMs} ms (options.storageTimeoutMs)`));
  return {
    get: async (key) => {
      const v = await call(`get('${key}')`, () => a.get(key));
      if (v === null || v === undefined) return null;
      if (typeof v !== 'string') throw wrong(key, v, 'a string or null');
      return v;
    },
    getSlot: async (key) => {
      const v = await call(`get('${key}')`, () => a.get(key));
      if (v === null || v === undefined) return null;
      if (typeof v === 'string') return v;
      if (v instanceof ArrayBuffer) return new Uint8Array(v);
      if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      throw wrong(key, v, 'a string, bytes or null');
    },
    set: async (key, value) => { await call(`set('${key}')`, () => a.set(key, value)); },
    delete: async (key) => { await call(`delete('${key}')`, () => a.delete(key)); },
    keys: async () => (typeof a.keys === 'function' ? [...await call('keys()', () => /** @type {any} */ (a).keys())] : null),
    kind,
    identity,
    shared: kind !== 'memory',
    binary: kind === 'indexedDB' || kind === 'memory' || /** @type {any} */ (a).binary === true,
    persistent: kind !== 'memory' && /** @type {any} */ (a).persistent !== false,
    // In Node, personalizers of one process share the in-realm queue; other processes only if the adapter says so.
    lease: /** @type {any} */ (a).lease ?? !globalThis.process?.versions?.node,
    timeoutMs,
  };
}

/** @type {StorageAdapter|null} */
let sharedIdb = null;
/** One IndexedDB connection per realm, shared by every personalizer. */
function sharedIndexedDB() {
  sharedIdb ??= indexedDBStorage();
  return sharedIdb;
}
