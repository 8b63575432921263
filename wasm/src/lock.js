// SPDX-License-Identifier: MIT
// Exclusion between personalizers that share stored data, keyed by a name (the
// storage namespace), never by the adapter object: two tabs, or two adapter
// objects over one store, get the same lock. Web Locks where the platform has
// them; otherwise a queue per name in this realm plus a lease written through
// the adapter itself, so that other realms (tabs of a browser without Web
// Locks, other processes on one store) are excluded too. Waiting is bounded by
// the storage deadline. docs/storage.md, "Several tabs".
import { LocalrankError } from './errors.js';

/** @type {Map<string, Promise<void>>} */
const realm = new Map();

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

/** A monotonic clock in ms where the platform has one. */
export const monotonic = () => globalThis.performance?.now?.() ?? Date.now();

/**
 * A timer must not keep a Node process alive.
 * @template T @param {T} timer @returns {T}
 */
export function unref(timer) {
  /** @type {any} */ (timer)?.unref?.();
  return timer;
}

/** @param {string} name @param {number} ms */
const busy = (name, ms) => new LocalrankError('STORAGE_FAILED', `the storage lock '${name}' was not free within ${ms} ms (another tab is saving, or its storage hangs); the save is retried`, { field: 'options.storageTimeoutMs' });

/**
 * Settles like `promise`, or rejects with `error()` after `ms`.
 * @template T @param {Promise<T>} promise @param {number} ms @param {() => Error} error
 * @returns {Promise<T>}
 */
export function within(promise, ms, error) {
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  // Not unref'd: a caller awaiting a hung storage gets its rejection, even in a Node script.
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(error()), Math.max(0, ms)); });
  return /** @type {Promise<T>} */ (Promise.race([promise, late])).finally(() => clearTimeout(timer));
}

/**
 * Runs `fn` holding the lock `name`. `fn` gets `held()`, which tells (reading
 * the lease again where there is one) whether the lock is still this caller's:
 * a save checks it before it counts as done.
 * @template T
 * @param {import('./storage.js').ResolvedStorage} storage
 * @param {string} name  e.g. `localrank:<namespace>`
 * @param {string} leaseKey  storage key of the lease (used without Web Locks)
 * @param {number} timeoutMs  how long to wait for the lock
 * @param {(held: () => Promise<boolean>) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withLock(storage, name, leaseKey, timeoutMs, fn) {
  // A private store (memory) has no one to exclude.
  if (!storage.shared) return fn(async () => true);
  const locks = /** @type {any} */ (globalThis).navigator?.locks;
  if (locks && typeof locks.request === 'function') {
    const ctl = new AbortController();
    const timer = unref(setTimeout(() => ctl.abort(), timeoutMs));
    try {
      // The signal only cancels the wait: once granted, the lock is held until fn settles.
      return await locks.request(name, { signal: ctl.signal }, () => { clearTimeout(timer); return fn(async () => true); });
    } catch (e) {
      throw ctl.signal.aborted && /** @type {any} */ (e)?.name === 'AbortError' ? busy(name, timeoutMs) : e;
    } finally {
      clearTimeout(timer);
    }
  }
  const previous = realm.get(name) ?? Promise.resolve();
  /** @type {() => void} */ let release = () => {};
  const mine = new Promise((r) => { release = () => r(undefined); });
  const tail = previous.then(() => mine);
  realm.set(name, tail);
  const start = monotonic();
  try {
    await within(previous, timeoutMs, () => busy(name, timeoutMs));
    const lease = await acquireLease(storage, leaseKey, timeoutMs - (monotonic() - start), name, timeoutMs);
    try {
      return await fn(lease.held);
    } finally {
      await lease.release();
    }
  } finally {
    release();
    if (realm.get(name) === tail) realm.delete(name);
  }
}

/**
 * A lease in storage (`{owner, until}`), taken as in Fischer's mutual exclusion:
 * read it, claim it if free or expired, wait longer than a claim takes to land,
 * read it back. It lasts a few storage deadlines, so a tab that closed while
 * holding it blocks others for that long at most.
 * @param {import('./storage.js').ResolvedStorage} storage
 * @param {string} key @param {number} waitMs @param {string} name @param {number} timeoutMs
 */
async function acquireLease(storage, key, waitMs, name, timeoutMs) {
  const owner = Math.random().toString(36).slice(2) + monotonic().toString(36);
  const leaseMs = 5 * timeoutMs;
  const start = monotonic();
  // A lease is `owner until owner:until`: one that was mangled in storage does not parse.
  /** @param {string|null} raw */
  const parse = (raw) => {
    const [who, until, check] = (raw ?? '').split(' ');
    return check === `${who}:${until}` && +until > 0 ? { owner: who, until: +until } : null;
  };
  const claim = (/** @type {number} */ until) => `${owner} ${until} ${owner}:${until}`;
  for (let attempt = 0; ; attempt++) {
    const current = parse(await storage.get(key));
    if (current === null || current.until <= Date.now() || current.owner === owner) {
      const t = monotonic();
      await storage.set(key, claim(Date.now() + leaseMs));
      // Longer than our own claim took (and some): another tab's claim read "free" before ours landed.
      await sleep(Math.min(timeoutMs / 4, 10 + 3 * (monotonic() - t)));
      const back = parse(await storage.get(key));
      if (back?.owner === owner) break;
      // Not another tab's claim: the store lost or mangled ours, which no waiting mends.
      if (back === null) throw new LocalrankError('STORAGE_FAILED', 'the storage lost the lock lease it was given (a write that did not read back)', { field: 'options.storage' });
    }
    if (monotonic() - start > waitMs) throw busy(name, timeoutMs);
    await sleep(Math.min(200, 5 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));
  }
  const until = Date.now() + leaseMs;
  return {
    held: async () => Date.now() < until - timeoutMs && parse(await storage.get(key))?.owner === owner,
    release: async () => {
      try {
        if (parse(await storage.get(key))?.owner === owner) await storage.delete(key);
      } catch {
        // It expires on its own.
      }
    },
  };
}
