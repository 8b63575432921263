// SPDX-License-Identifier: MIT
// Storage adapters. Every adapter has async get/set/delete of string values;
// a custom adapter's methods may return plain values or promises.
import { LocalrankError } from './errors.js';

/**
 * @typedef {object} StorageAdapter
 * @property {(key: string) => (string|null|undefined|Promise<string|null|undefined>)} get
 * @property {(key: string, value: string) => (void|Promise<void>)} set
 * @property {(key: string) => (void|Promise<void>)} delete
 */

/** @returns {StorageAdapter} */
export function memoryStorage() {
  const map = new Map();
  return {
    get: (key) => (map.has(key) ? map.get(key) : null),
    set: (key, value) => { map.set(key, value); },
    delete: (key) => { map.delete(key); },
  };
}

/**
 * Resolves the `storage` option to an adapter with promise-returning methods.
 * @param {unknown} option
 * @returns {{get(key: string): Promise<string|null>, set(key: string, value: string): Promise<void>, delete(key: string): Promise<void>}}
 */
export function resolveStorage(option) {
  /** @type {StorageAdapter} */
  let a;
  if (option === undefined || option === 'memory') a = memoryStorage();
  else if (option && typeof option === 'object' && ['get', 'set', 'delete'].every((m) => typeof (/** @type {any} */ (option))[m] === 'function')) {
    a = /** @type {StorageAdapter} */ (option);
  } else {
    throw new LocalrankError('INVALID_ARGUMENT', "options.storage must be 'memory' or an adapter {get(key), set(key, value), delete(key)}", { field: 'options.storage' });
  }
  return {
    get: async (key) => {
      const v = await a.get(key);
      return typeof v === 'string' ? v : null;
    },
    set: async (key, value) => { await a.set(key, value); },
    delete: async (key) => { await a.delete(key); },
  };
}
