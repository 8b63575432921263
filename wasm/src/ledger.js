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
import { withLock, later, storageFailed } from './lock.js';

/** Storage key of the ledger: outside every namespace (`<namespace>:...`), so shared by all of them. */
export const LEDGER_KEY = 'localrank.privacy-ledger';
/** Where builds before this one kept a ledger per namespace (`<namespace>:privacy-ledger`); merged in, then deleted. */
export const OLD_LEDGER_NAME = 'privacy-ledger';
const SCHEMA = 'localrank.privacy-ledger';
/** Spends are kept this long at least (any window up to it still sees them). */
const KEEP_MS = 400 * 864e5;

/** Real time in ms: the system clock at page (process) start plus the monotonic clock; `options.now` cannot move it. */
const realNow = () => performance.timeOrigin + performance.now();

/**
 * @typedef {{id: string, at: number, epsilon: number}} Spend
 * @typedef {{spends: Spend[], seen: number, seenReal: number}} LedgerState
 */

/**
 * A stored ledger (this format, or the core's of older builds, whose spends
 * have no id), or null when it is not one.
 * @param {string|null} text
 * @returns {LedgerState|null}
 */
function parse(text) {
  try {
    const o = JSON.parse(/** @type {string} */ (text));
    if (o.schema !== SCHEMA || !o.spends.every((/** @type {any} */ s) => isFinite(s.at) && s.epsilon > 0 && isFinite(s.epsilon))) return null;
    /** @type {Spend[]} */
    const spends = o.spends.map((/** @type {any} */ s, /** @type {number} */ i) => ({ id: String(s.id ?? `old-${i}-${s.at}`), at: s.at, epsilon: s.epsilon }));
    return { spends, seen: +o.seen || 0, seenReal: +o.seenReal || 0 };
  } catch {
    return null;
  }
}

export class Ledger {
  #storage;
  #accountant;
  #cap;
  #keepMs;
  #wall;
  #report;
  /** @type {Map<string, Spend>} */ #spends = new Map();
  /** Spends not yet in a stored, merged ledger; then whether that ledger was within the cap. */
  /** @type {Map<string, boolean|null>} */ #pending = new Map();
  /** The budget clock: the latest time ever seen, and the real time when it was. */
  #seen = 0;
  #seenReal = 0;
  /** Reading the ledger failed: what was spent is unknown until a write (which merges) succeeds. */
  #unknown = false;
  /** @type {Promise<boolean>} */ #writing = Promise.resolve(true);
  #failures = 0;
  /** @type {any} */ #retry = null;
  #disposed = false;

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
    this.#keepMs = Math.max(KEEP_MS, o.windowMs);
    this.#wall = wall;
    this.#report = report;
    /** Reports are possible at all: the storage persists, or a test opted in. */
    this.usable = storage.persistent || o.memoryOk;
  }

  /** The budget clock now: never behind the latest time seen, ahead of it by at most the real time since. */
  now() {
    const real = realNow();
    this.#seen = Math.max(this.#seen, Math.min(this.#wall(), this.#seen + real - this.#seenReal));
    this.#seenReal = Math.max(this.#seenReal, real);
    return this.#seen;
  }

  /** @param {LedgerState|null} st */
  #merge(st) {
    if (st) {
      for (const s of st.spends) if (!this.#spends.has(s.id)) this.#spends.set(s.id, s);
      this.#seen = Math.max(this.#seen, st.seen);
      this.#seenReal = Math.max(this.#seenReal, st.seenReal);
    }
    for (const [id, s] of this.#spends) if (s.at <= this.#seen - this.#keepMs) this.#spends.delete(id);
    this.#accountant.fromJson(JSON.stringify({ schema: SCHEMA, version: 1, spends: [...this.#spends.values()] }));
  }

  /** Records a spend in memory; `assumed`: the whole cap, because what was spent cannot be read. */
  #add(epsilon, id = crypto.getRandomValues(new Uint32Array(2)).join('-')) {
    this.#spends.set(id, { id, at: this.now(), epsilon });
    this.#pending.set(id, null);
    this.#merge(null);
    return id;
  }

  /**
   * Reads the stored ledger (and a per-namespace one from an older build).
   * Unreadable: the whole budget counts as spent for one window; storage
   * failing: no report until a write succeeds. Never throws.
   * @param {string} oldKey
   */
  async load(oldKey) {
    if (!this.usable) return;
    try {
      const raw = await Promise.all([this.#storage.get(LEDGER_KEY), this.#storage.get(oldKey)]);
      const broken = raw.filter((text) => text !== null && !parse(text));
      raw.forEach((text) => this.#merge(parse(text)));
      if (broken.length) {
        this.#add(this.#cap, 'unreadable');
        this.#report(new LocalrankError('CORRUPT_PROFILE', 'the privacy ledger was unreadable; reports resume after one window', { field: 'privacy-ledger' }));
      }
      // An older build's ledger goes under the new key before the old one is deleted.
      if (raw[1] !== null || broken.length) this.persist(true).then(() => this.#storage.delete(oldKey)).catch(() => {});
    } catch (cause) {
      this.#unknown = true;
      this.#report(storageFailed(`reading the privacy ledger failed (${cause}); no report until it is stored again`));
    }
  }

  /** Whether a report of `epsilon` fits now, as this tab knows it (persist() decides with every tab's spends). */
  canSpend(epsilon) {
    return this.usable && !this.#unknown && this.#accountant.canSpend(epsilon, this.now());
  }

  /**
   * Records a spend (in memory at once) and merges it into storage.
   * @param {number} epsilon
   * @returns {Promise<boolean>} true once the spend is stored in a ledger within the cap; false when
   *   other tabs' spends put that ledger over it (the report must not leave; the spend still counts)
   */
  async charge(epsilon) {
    const id = this.#add(epsilon);
    await this.persist();
    const ok = this.#pending.get(id) === true;
    this.#pending.delete(id);
    return ok;
  }

  /**
   * Merges this tab's spends into the stored ledger under the cross-tab lock
   * (after any write in progress). Rejects with STORAGE_FAILED (also an
   * 'error' event), and retries with backoff, when it cannot store them.
   * @param {boolean} [sync]  also when there is nothing new: brings other tabs' spends in
   */
  persist(sync = false) {
    const run = this.#writing.catch(() => true).then(() => this.#write(sync));
    this.#writing = run;
    run.catch(() => {});
    return run;
  }

  /** @param {boolean} sync */
  async #write(sync) {
    const mine = [...this.#pending.keys()].filter((id) => this.#pending.get(id) === null);
    if (!this.usable || !(mine.length || this.#unknown || sync)) return true;
    const s = this.#storage;
    try {
      const over = await withLock(s, LEDGER_KEY, async (held) => {
        this.#merge(parse(await s.get(LEDGER_KEY)));
        const spent = this.#accountant.spent(this.now());
        const text = JSON.stringify({ schema: SCHEMA, version: 1, seen: this.#seen, seenReal: this.#seenReal, spends: [...this.#spends.values()] });
        await s.set(LEDGER_KEY, text);
        if ((await s.get(LEDGER_KEY)) !== text || !(await held())) throw new Error('it did not read back');
        return spent > this.#cap + 1e-9;
      });
      for (const id of mine) this.#pending.set(id, !over);
      this.#unknown = false;
      this.#failures = 0;
      return true;
    } catch (cause) {
      const err = cause instanceof LocalrankError ? cause : storageFailed(`saving the privacy ledger failed: ${cause}`);
      if (!this.#disposed) {
        this.#report(err);
        this.#retry ??= later(this.#failures++, () => {
          this.#retry = null;
          if (!this.#disposed) this.persist().catch(() => {});
        });
      }
      throw err;
    }
  }

  /** The write in progress (flush() waits for it). */
  get writing() { return this.#writing; }

  dispose() {
    this.#disposed = true;
    clearTimeout(this.#retry);
  }
}
