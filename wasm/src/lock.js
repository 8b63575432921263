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
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

/** A monotonic clock in ms. */
const monotonic = () => performance.now();

/** @param {string} message */
export const storageFailed = (message) => new LocalrankError('STORAGE_FAILED', message, { field: 'options.storage' });

/**
 * A timer that does not keep a Node process alive (autosave, retries).
 * @template T @param {T} timer @returns {T}
 */
export function unref(timer) {
  /** @type {any} */ (timer)?.unref?.();
  return timer;
}

/**
 * Calls `fn` after `retries` failures in a row, backing off (0.5 s doubling to 60 s, with jitter); the timer
 * does not keep a Node process alive.
 * @param {number} retries @param {() => void} fn
 */
export function later(retries, fn) {
  return unref(setTimeout(fn, Math.min(60000, 500 * 2 ** Math.min(retries, 7)) * (0.5 + Math.random())));
}

/**
 * Settles like `promise`, or rejects with `error()` after `ms`. The timer is
 * not unref'd: a caller awaiting a hung storage gets its rejection, even in a
 * Node script.
 * @template T @param {Promise<T>} promise @param {number} ms @param {() => Error} error
 * @returns {Promise<T>}
 */
export function within(promise, ms, error) {
  /** @type {any} */ let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(error()), ms); });
  return /** @type {Promise<T>} */ (Promise.race([promise, late])).finally(() => clearTimeout(timer));
}

/**
 * Runs `fn` holding the lock `name`. `fn` gets `held()`, which tells (reading
 * the lease again where there is one) whether the lock is still this caller's:
 * a save checks it before it counts as done.
 * @template T
 * @param {import('./storage.js').ResolvedStorage} storage
 * @param {string} name  e.g. `localrank:<namespace>`; the lease is stored under `<name>.lease`
 * @param {(held: () => Promise<boolean>) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withLock(storage, name, fn) {
  const ms = storage.timeoutMs;
  const busy = () => storageFailed(`the lock ${name} was not free within ${ms} ms`);
  // A private store (memory) has no one to exclude.
  if (!storage.shared) return fn(async () => true);
  const locks = /** @type {any} */ (globalThis).navigator?.locks;
  if (locks?.request) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), ms);
    try {
      // The signal only cancels the wait: once granted, the lock is held until fn settles.
      return await locks.request(name, { signal: ctl.signal }, () => { clearTimeout(timer); return fn(async () => true); });
    } catch (e) {
      throw ctl.signal.aborted && /** @type {any} */ (e)?.name === 'AbortError' ? busy() : e;
    }
  }
  const previous = realm.get(name) ?? Promise.resolve();
  /** @type {any} */ let release;
  const mine = new Promise((r) => { release = r; });
  const tail = previous.then(() => mine);
  realm.set(name, tail);
  const start = monotonic();
  try {
    await within(previous, ms, busy);
    if (!storage.lease) return await fn(async () => true);
    // The lease, as in Fischer's mutual exclusion: read it, claim it if free or
    // expired, wait longer than a claim takes to land, read it back. It lasts 5
    // deadlines, so a tab that closed while holding it blocks others that long
    // at most. Stored as `owner until owner:until`: a mangled one does not parse.
    const owner = Math.random().toString(36).slice(2);
    const key = `${name}.lease`;
    const parse = async () => {
      const [who, until, check] = String(await storage.get(key)).split(' ');
      return check === `${who}:${until}` ? { who, until: +until } : null;
    };
    for (let attempt = 0; ; attempt++) {
      const current = await parse();
      if (!current || current.until <= Date.now()) {
        const t = monotonic();
        const until = Date.now() + 5 * ms;
        await storage.set(key, `${owner} ${until} ${owner}:${until}`);
        // Longer than our own claim took: another tab's claim that read "free" before ours landed lands first.
        await sleep(Math.min(ms / 4, 10 + 3 * (monotonic() - t)));
        const back = await parse();
        if (back?.who === owner) break;
        // Not another tab's claim: the store lost or mangled ours, which no waiting mends.
        if (!back) throw storageFailed('the storage lost the lock lease written to it');
      }
      if (monotonic() - start > ms) throw busy();
      await sleep(Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random()));
    }
    const until = Date.now() + 4 * ms;
    try {
      return await fn(async () => Date.now() < until && (await parse())?.who === owner);
    } finally {
      if ((await parse().catch(() => null))?.who === owner) await storage.delete(key).catch(() => {});
    }
  } finally {
    release();
    if (realm.get(name) === tail) realm.delete(name);
  }
}
