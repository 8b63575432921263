// SPDX-License-Identifier: MIT
// The privacy ledger on storage: the epsilon every aggregate report spent, and
// when. A budget that only grows (docs/privacy.md, "Budget"; docs/storage.md):
// - every spend is merged into what is stored (never overwritten), under a
//   cross-tab lock, and a report counts only once that merged ledger is stored
//   and still within the cap;
// - one ledger per storage, not per namespace, and forget() keeps it (it holds
//   only dates and epsilon, nothing about behaviour);
// - the window ends at the budget clock: the latest time ever seen, moved
//   forward by the wall clock (`options.now` or the system clock) only as fast
//   as real time passes (the monotonic clock in a page; the system clock
//   between pages), so a clock moved forward or back buys no budget;
// - no report at all over storage that does not persist (memory), unless a
//   test opts in with `privacy.testOnlyMemoryLedger`.
// The arithmetic (sums over a window, the cap) is the core's PrivacyAccountant.
import { LocalrankError } from './errors.js';
import { withLock, unref } from './lock.js';

/** Storage key of the ledger: outside every namespace (`<namespace>:...`), so shared by all of them. */
export const LEDGER_KEY = 'localrank.privacy-ledger';
/** Where builds before this one kept a ledger per namespace (`<namespace>:privacy-ledger`); merged in, then left to forget(). */
export const OLD_LEDGER_NAME = 'privacy-ledger';
const SCHEMA = 'localrank.privacy-ledger';
/** Spends are kept this long at least (any window up to it still sees them). */
const KEEP_MS = 400 * 24 * 3600 * 1000;
const SLACK = 1e-9;

/** Real time in ms: the system clock at page (process) start plus the monotonic clock, which `options.now` cannot move. */
export function realNow() {
  const perf = globalThis.performance;
  return perf && typeof perf.timeOrigin === 'number' ? perf.timeOrigin + perf.now() : Date.now();
}

/**
 * @typedef {{at: number, epsilon: number}} Spend
 * @typedef {{spends: Map<string, Spend>, seen: number, seenReal: number}} LedgerState
 */

/**
 * Parses a stored ledger (this format, or the core's of older builds, whose
 * spends have no id). Null when it is not a ledger.
 * @param {string} text
 * @returns {LedgerState|null}
 */
export function parseLedger(text) {
  /** @type {any} */ let o;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  if (!o || o.schema !== SCHEMA || !Array.isArray(o.spends)) return null;
  /** @type {Map<string, Spend>} */
  const spends = new Map();
  for (const [i, s] of o.spends.entries()) {
    if (!s || !Number.isFinite(s.at) || !Number.isFinite(s.epsilon) || !(s.epsilon > 0)) return null;
    spends.set(typeof s.id === 'string' ? s.id : `old-${i}-${s.at}-${s.epsilon}`, { at: s.at, epsilon: s.epsilon });
  }
  const time = (/** @type {unknown} */ v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return { spends, seen: time(o.seen), seenReal: time(o.seenReal) };
}

export class Ledger {
  /** @type {import('./storage.js').ResolvedStorage} */ #storage;
  /** @type {import('./core-abi.js').AccountantCore} */ #accountant;
  #cap;
  #windowMs;
  /** @type {() => number} */ #wall;
  /** @type {(e: LocalrankError) => void} */ #report;
  /** @type {Map<string, Spend>} */ #spends = new Map();
  /** Ids of spends not yet in a stored, merged ledger. */
  /** @type {Set<string>} */ #unconfirmed = new Set();
  /** Whether the stored ledger that took a spend was within the cap. @type {Map<string, boolean>} */
  #verdicts = new Map();
  /** The budget clock: latest time ever seen, and the real time when it was. */
  #seen = 0;
  #seenReal = 0;
  /** A load or write failed: until a write succeeds, what was spent is unknown. */
  #unknown = false;
  /** @type {Promise<boolean>} */ #writing = Promise.resolve(true);
  #failures = 0;
  /** @type {ReturnType<typeof setTimeout>|null} */ #retry = null;
  #disposed = false;
  /** Reports are possible at all: the storage persists, or a test opted in. */
  usable;

  /**
   * @param {import('./storage.js').ResolvedStorage} storage
   * @param {import('./core-abi.js').AccountantCore} accountant  configured with the cap and window
   * @param {{epsilonCap: number, windowMs: number, memoryOk: boolean}} o
   * @param {() => number} wall  options.now or Date.now
   * @param {(e: LocalrankError) => void} report  an 'error' event
   */
  constructor(storage, accountant, o, wall, report) {
    this.#storage = storage;
    this.#accountant = accountant;
    this.#cap = o.epsilonCap;
    this.#windowMs = o.windowMs;
    this.#wall = wall;
    this.#report = report;
    this.usable = storage.persistent || o.memoryOk;
  }

  /**
   * The budget clock now: never behind the latest time seen, and ahead of it
   * by at most the real time since.
   */
  now() {
    const real = realNow();
    const t = Math.max(this.#seen, Math.min(this.#wall(), this.#seen + Math.max(0, real - this.#seenReal)));
    this.#seen = t;
    this.#seenReal = Math.max(this.#seenReal, real);
    return t;
  }

  /** @param {LedgerState} st */
  #merge(st) {
    for (const [id, s] of st.spends) if (!this.#spends.has(id)) this.#spends.set(id, s);
    this.#seen = Math.max(this.#seen, st.seen);
    this.#seenReal = Math.max(this.#seenReal, st.seenReal);
    const keepFrom = this.#seen - Math.max(KEEP_MS, this.#windowMs);
    for (const [id, s] of this.#spends) if (s.at <= keepFrom) this.#spends.delete(id);
    const spends = [...this.#spends.values()];
    const status = this.#accountant.fromJson(JSON.stringify({ schema: SCHEMA, version: 1, spends }));
    if (status.code) throw new LocalrankError(status.code, status.message, { field: 'privacy-ledger' });
  }

  #json() {
    const spends = [...this.#spends].map(([id, s]) => ({ id, at: s.at, epsilon: s.epsilon }));
    return JSON.stringify({ schema: SCHEMA, version: 1, seen: this.#seen, seenReal: this.#seenReal, spends });
  }

  /** The whole cap spent now: what was spent is not known (unreadable ledger or storage). */
  #assumeSpent() {
    const t = this.now();
    const id = `unknown-${t}`;
    if (!this.#spends.has(id)) this.#spends.set(id, { at: t, epsilon: this.#cap });
    this.#unconfirmed.add(id);
    this.#merge({ spends: new Map(), seen: 0, seenReal: 0 });
  }

  /**
   * Reads the stored ledger (and a per-namespace one from an older build).
   * Unreadable: the whole budget counts as spent for one window; storage
   * failing: no report this session. Never throws.
   * @param {string} oldKey
   */
  async load(oldKey) {
    if (!this.usable) return;
    /** @type {(string|null)[]} */ let raw;
    try {
      raw = await Promise.all([this.#storage.get(LEDGER_KEY), this.#storage.get(oldKey)]);
    } catch (cause) {
      this.#unknown = true;
      this.#report(new LocalrankError('STORAGE_FAILED', `reading the privacy ledger failed: ${cause instanceof Error ? cause.message : String(cause)}; no report until it is readable`, { field: 'privacy-ledger', cause }));
      return;
    }
    let broken = '';
    for (const text of raw) {
      if (text === null) continue;
      const st = parseLedger(text);
      if (st) this.#merge(st);
      else broken = text.slice(0, 40);
    }
    if (broken) this.#assumeSpent();
    if (raw[1] !== null || broken) {
      // A ledger of an older build is stored under the new key before the old one goes (forget() would delete it).
      this.persist(true).then(() => this.#storage.delete(oldKey)).catch(() => {});
    }
    if (broken) {
      this.#report(new LocalrankError('CORRUPT_PROFILE', `the privacy ledger was unreadable (${JSON.stringify(broken)}); reports resume after one window`, { field: 'privacy-ledger' }));
    }
  }

  /** Whether a report of `epsilon` fits now (this tab's view; the stored ledger decides in persist()). */
  canSpend(epsilon) {
    return this.usable && !this.#unknown && this.#accountant.canSpend(epsilon, this.now());
  }

  /**
   * Records a spend (in memory at once) and queues its merge into storage.
   * @param {number} epsilon
   * @returns {Promise<boolean>} true once the spend is stored in a ledger within the cap; false
   *   when another tab's spends put that ledger over it (the report must not leave)
   */
  charge(epsilon) {
    const t = this.now();
    const status = this.#accountant.charge(epsilon, t);
    if (status.code) throw new LocalrankError(status.code, status.message, { field: status.field });
    const words = crypto.getRandomValues(new Uint32Array(3));
    const id = Array.from(words, (w) => w.toString(36)).join('');
    this.#spends.set(id, { at: t, epsilon });
    this.#unconfirmed.add(id);
    return this.persist().then(() => {
      const ok = this.#verdicts.get(id) === true;
      this.#verdicts.delete(id);
      return ok;
    });
  }

  /**
   * Merges this tab's spends into the stored ledger under the cross-tab lock
   * (queued behind any write in progress). Resolves true when every spend of
   * this tab is stored and the merged ledger is within the cap, false when it
   * is over (another tab spent meanwhile: the reports of this tab's new spends
   * must not be sent; the spends still count). Rejects with STORAGE_FAILED
   * (also an 'error' event), and retries with backoff, when it cannot store.
   * @param {boolean} [sync]  also when this tab spent nothing new: brings other tabs' spends in
   * @returns {Promise<boolean>}
   */
  persist(sync = false) {
    if (!this.usable) return Promise.resolve(this.#unconfirmed.size === 0);
    const run = this.#writing.catch(() => true).then(() => this.#write(sync));
    this.#writing = run;
    run.catch(() => {});
    return run;
  }

  /** @param {boolean} sync */
  async #write(sync) {
    if (this.#unconfirmed.size === 0 && !this.#unknown && !sync) return true;
    const mine = new Set(this.#unconfirmed);
    const s = this.#storage;
    try {
      const over = await withLock(s, 'localrank.privacy-ledger', `${LEDGER_KEY}.lease`, s.timeoutMs, async (held) => {
        const raw = await s.get(LEDGER_KEY);
        const st = raw === null ? null : parseLedger(raw);
        if (st) this.#merge(st);
        const t = this.now();
        const text = this.#json();
        await s.set(LEDGER_KEY, text);
        if ((await s.get(LEDGER_KEY)) !== text) throw new Error('the privacy ledger did not read back intact');
        if (!(await held())) throw new Error('another tab took the ledger lock while this write ran');
        return this.#accountant.spent(t) > this.#cap + SLACK;
      });
      for (const id of mine) {
        this.#unconfirmed.delete(id);
        this.#verdicts.set(id, !over);
      }
      this.#unknown = false;
      this.#failures = 0;
      return !over;
    } catch (cause) {
      const err = cause instanceof LocalrankError && cause.code === 'STORAGE_FAILED' ? cause
        : new LocalrankError('STORAGE_FAILED', `saving the privacy ledger failed: ${cause instanceof Error ? cause.message : String(cause)}`, { field: 'privacy-ledger', cause });
      if (!this.#disposed) {
        this.#report(err);
        this.#retryLater();
      }
      throw err;
    }
  }

  #retryLater() {
    if (this.#retry !== null) return;
    const ms = Math.min(60000, 500 * 2 ** Math.min(this.#failures++, 16)) * (0.5 + Math.random());
    this.#retry = unref(setTimeout(() => {
      this.#retry = null;
      if (!this.#disposed && this.#unconfirmed.size > 0) this.persist().catch(() => {});
    }, ms));
  }

  /** The write in progress (flush() waits for it). */
  get writing() { return this.#writing; }

  dispose() {
    this.#disposed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
  }
}
