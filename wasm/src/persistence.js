// SPDX-License-Identifier: MIT
// Saving and loading the profile: two checksummed slots (a cut write never
// touches the last good copy), a journal of this personalizer's unsaved
// changes that is re-applied on top of whatever another tab saved meanwhile,
// a cross-tab lock around read-merge-write, and a BroadcastChannel so other
// tabs pick the new save up. The design is described in docs/storage.md.
import { LocalrankError } from './errors.js';
import { withLock, within, later, unref } from './lock.js';
import { encodeSlot, decodeSlot, checkSlot, sameSlot, snapshotVersion, storedVersion } from './slots.js';
/** @typedef {import('./slots.js').Slot} Slot @typedef {import('./slots.js').StoreState} StoreState */
/** @typedef {import('./slots.js').Versions} Versions @typedef {import('./slots.js').JournalEntry} JournalEntry */
/** @typedef {import('./slots.js').ResetReason} ResetReason */

const SLOTS = /** @type {const} */ (['a', 'b']);
/** Unsaved events kept for re-applying; beyond this a tab's own state is written as a whole. */
export const MAX_JOURNAL_EVENTS = 10000;
/** While changes keep coming, autosave still runs at least every this many debounce periods. */
const MAX_WAIT_FACTOR = 5;

/**
 * Reports a handler's exception the way EventTarget does (asynchronously,
 * uncaught) so that it cannot break a save in progress.
 * @param {unknown} e
 */
function reportLater(e) {
  const report = /** @type {any} */ (globalThis).reportError;
  if (typeof report === 'function') report(e);
  else setTimeout(() => { throw e; }, 0);
}

/**
 * @typedef {object} PersistenceHooks  what the persistence layer needs from its personalizer
 * @property {Versions} versions                  formats this build writes
 * @property {() => Uint8Array} exportSnapshot    the current profile as a binary snapshot (a copy)
 * @property {(bytes: Uint8Array) => {code: string, field: string, message: string}} importSnapshot  replaces the profile; a failure changes nothing
 * @property {(text: string) => {code: string, field: string, message: string}} importText  the same from profile JSON (store format 1)
 * @property {() => void} reset                 empties the profile
 * @property {(entries: JournalEntry[]) => void} replay  re-applies journaled calls (without journaling them again)
 * @property {(name: string, detail: unknown) => void} emit
 * @property {() => number} now
 * @property {() => boolean} alive
 */

export class Persistence {
  /** @type {import('./storage.js').ResolvedStorage} */ #storage;
  /** @type {PersistenceHooks} */ #hooks;
  #namespace;
  #autosaveMs;
  #writer;
  /** Save counter of the stored copy that memory is based on (0 = nothing stored, -1 = unknown). */
  #baseSeq = 0;
  /** Who wrote that copy: a slot with the same counter by another writer is not it. @type {string|undefined} */
  #baseWriter = undefined;
  /** Its `has` (see encodeSlot), carried into our next save. @type {Record<string, number>} */
  #baseHas = {};
  /**
   * What this personalizer's successful saves added (counter, journal entries, and the attempts that failed
   * just before, whose entries theirs begin with), oldest first, re-applied if a stale write replaced them.
   * @type {{seq: number, entries: JournalEntry[], events: number, earlier: {seq: number, journaled: number, events: number}[]}[]}
   */
  #saved = [];
  /** Saves that failed after their write was sent (it may still land): counter, journal entries and events it held. */
  /** @type {{seq: number, journaled: number, events: number}[]} */ #attempts = [];
  /** The last save counter this personalizer wrote. */
  #lastSeq = 0;
  /** Failed saves in a row (backoff of the retry), and the retry timer. */
  #failures = 0;
  /** @type {ReturnType<typeof setTimeout>|null} */ #retry = null;
  /** @type {JournalEntry[]} */ #journal = [];
  #journalEvents = 0;
  /** Memory is authoritative: the next save writes it as a whole (after import or journal overflow). */
  #wholeState = false;
  /** Changes since the last successful save (private stores keep no journal). */
  #dirty = false;
  /** Counts changes, so a save knows whether more came while it was writing. */
  #changes = 0;
  /** Counts erases, so a save that was writing during one does not undo its bookkeeping. */
  #epoch = 0;
  /** Formats this build writes; stored data above them is from a newer localrank. @type {Versions} */
  #versions;
  /** @type {Promise<unknown>} */ #queue = Promise.resolve();
  /** @type {ReturnType<typeof setTimeout>|null} */ #debounce = null;
  /** @type {ReturnType<typeof setTimeout>|null} */ #maxWait = null;
  /** @type {BroadcastChannel|null} */ #channel = null;
  /** @type {(() => void)|null} */ #unlisten = null;
  /** Last decoded content per slot: an unchanged slot is not checksummed again. */
  /** @type {Map<string, {raw: string|Uint8Array, slot: Slot}>} */ #decoded = new Map();

  /**
   * @param {import('./storage.js').ResolvedStorage} storage
   * @param {{namespace: string, autosaveMs: number}} options
   * @param {PersistenceHooks} hooks
   */
  constructor(storage, options, hooks) {
    this.#storage = storage;
    this.#hooks = hooks;
    this.#namespace = options.namespace;
    this.#autosaveMs = options.autosaveMs;
    this.#writer = typeof globalThis.crypto?.randomUUID === 'function' ? globalThis.crypto.randomUUID() : Math.random().toString(36).slice(2);
    this.#versions = hooks.versions;
  }

  #key(slot) { return `${this.#namespace}:slot:${slot}`; }

  #emit(name, detail) {
    try {
      this.#hooks.emit(name, detail);
    } catch (e) {
      reportLater(e);
    }
  }

  #fail(message, cause) {
    const why = cause === undefined ? '' : `: ${cause instanceof Error ? cause.message : String(cause)}`;
    return new LocalrankError('STORAGE_FAILED', `${message}${why}`, cause === undefined ? {} : { cause });
  }

  /** Reads and classifies both slots. Throws STORAGE_FAILED when the adapter fails. */
  async #read() {
    /** @type {(string|Uint8Array|null)[]} */
    let raw;
    try {
      raw = await Promise.all(SLOTS.map((s) => this.#storage.getSlot(this.#key(s))));
    } catch (e) {
      throw e instanceof LocalrankError ? e : this.#fail('reading the saved profile failed', e);
    }
    /** @type {StoreState} */
    const state = { valid: [], invalid: [], empty: true, maxSeq: 0, future: null };
    SLOTS.forEach((name, i) => {
      const r = raw[i];
      if (r === null) return;
      state.empty = false;
      const known = this.#decoded.get(name);
      const slot = known && sameSlot(r, known.raw) ? known.slot : decodeSlot(name, r, this.#versions, false);
      this.#decoded.set(name, { raw: r, slot });
      state.maxSeq = Math.max(state.maxSeq, slot.seq);
      (slot.ok ? state.valid : state.invalid).push(slot);
    });
    // Two slots with one counter (a stale write landed late): the one memory is based on comes first.
    const rank = (/** @type {Slot} */ x) => (x.writer === this.#baseWriter ? 1 : 0);
    state.valid.sort((x, y) => y.seq - x.seq || rank(y) - rank(x));
    // Only the newest slot is used unseen; an older one is checked if it is needed (#importNewest).
    while (state.valid.length > 0 && !checkSlot(state.valid[0])) state.invalid.push(/** @type {Slot} */ (state.valid.shift()));
    const newest = [...state.valid, ...state.invalid].sort((x, y) => y.seq - x.seq)[0];
    if (newest?.reason === 'future-version') state.future = newest;
    return state;
  }

  /**
   * Imports the newest usable slot. Returns it, or null (with the reasons of
   * the slots that failed appended to `failures`). A profile the core rejects
   * for its version is from a newer localrank: it is reported, never used.
   * @param {StoreState} state @param {Slot[]} failures
   */
  #importNewest(state, failures) {
    for (const slot of state.valid) {
      if (!checkSlot(slot)) {
        failures.push(slot);
        continue;
      }
      const status = slot.bytes ? this.#hooks.importSnapshot(slot.bytes) : this.#hooks.importText(/** @type {string} */ (slot.text));
      if (!status.code) return slot;
      const future = slot.bytes
        ? status.field === 'snapshot.version' && snapshotVersion(slot.bytes) > this.#versions.snapshot
        : status.field === 'profile.version' && storedVersion(/** @type {string} */ (slot.text)) > this.#versions.profile;
      const failed = { ...slot, ok: false, reason: /** @type {ResetReason} */ (future ? 'future-version' : 'invalid-profile'), message: `slot ${slot.name}: ${status.message}` };
      failures.push(failed);
      if (future && slot === state.valid[0]) {
        state.future = failed;
        return null;
      }
    }
    return null;
  }

  /** Loads the stored profile at creation. Bad data is never used; nothing here throws. */
  async load() {
    /** @type {StoreState} */
    let state;
    try {
      state = await this.#read();
    } catch (e) {
      // Unknown stored state: rank from memory, and never overwrite what we could not read.
      this.#baseSeq = -1;
      this.#emit('error', e);
      return;
    }
    if (state.empty) return;
    /** @type {Slot[]} */
    const failures = [...state.invalid];
    const used = state.future ? null : this.#importNewest(state, failures);
    if (used) {
      this.#based(used);
      const lost = failures.filter((f) => f.seq > used.seq || f.seq < 0);
      if (lost.length) {
        this.#emit('error', new LocalrankError('CORRUPT_PROFILE',
          `the newest save could not be used (${lost.map((f) => f.message).join('; ')}); restored the previous save`));
      }
      return;
    }
    this.#hooks.reset();
    this.#baseSeq = state.maxSeq;
    const worst = state.future ?? failures.sort((x, y) => y.seq - x.seq)[0];
    this.#emit('profile-reset', { reason: worst.reason, code: 'CORRUPT_PROFILE', message: `${worst.message}; starting with an empty profile` });
  }

  /**
   * Makes memory = the stored profile + this personalizer's journal, when the
   * stored copy is usable (then `#baseSeq` names it). Returns the slot memory
   * is now based on, or null (nothing stored, or memory stays authoritative).
   * @param {StoreState} state
   * @returns {Slot|null}
   */
  #rebase(state) {
    if (this.#wholeState || state.future) return null;
    if (state.empty) {
      // Someone deleted the saved profile (e.g. "forget me" in another tab): honour it.
      if (this.#baseSeq > 0) this.#resetAndReplay();
      this.#based({ name: 'a', ok: true, seq: 0 });
      return null;
    }
    this.#restoreOverwritten(state);
    const newest = state.valid[0];
    if (newest && newest.seq === this.#baseSeq && newest.writer === this.#baseWriter) return newest;
    /** @type {Slot[]} */
    const failures = [];
    const used = this.#importNewest(state, failures);
    if (!used) return null;
    // A save of ours that counted as failed may be in it (directly, or through another tab's save built on it).
    const ours = used.has?.[this.#writer];
    if (ours) this.#landedLate(ours);
    this.#replayJournal();
    const from = this.#baseSeq;
    this.#based(used);
    if (used.seq !== from) this.#emit('sync', { seq: used.seq });
    return used;
  }

  /** @param {Slot} slot  the stored copy memory is now based on */
  #based(slot) {
    this.#baseSeq = slot.seq;
    this.#baseWriter = slot.writer;
    this.#baseHas = slot.has && typeof slot.has === 'object' ? slot.has : {};
  }

  /**
   * Saves of ours that the stored copy memory will be based on does not
   * contain (its `has` names an older one) were replaced by a stale write (one
   * that outlived its deadline or lease, or an adapter that reorders writes):
   * their changes go back into the journal, to be saved again on top of it. A
   * copy from an older build (no `has`) says nothing about that.
   * @param {StoreState} state
   */
  #restoreOverwritten(state) {
    const has = state.valid[0]?.has;
    if (!has) return;
    const h = has[this.#writer] ?? 0;
    const lost = this.#saved.filter((x) => x.seq > h);
    if (!lost.length) return;
    this.#saved = this.#saved.filter((x) => x.seq <= h);
    /** @type {JournalEntry[]} */ const entries = [];
    let events = 0;
    /** @type {{seq: number, journaled: number, events: number}[]} */ const attempts = [];
    for (const x of lost) {
      // Attempts that failed before this save were built on the entries restored so far, plus a prefix of its own.
      for (const a of x.earlier) attempts.push({ seq: a.seq, journaled: entries.length + a.journaled, events: events + a.events });
      entries.push(...x.entries);
      events += x.events;
    }
    this.#journal.unshift(...entries);
    this.#journalEvents += events;
    this.#attempts = [...attempts, ...this.#attempts.map((a) => ({ seq: a.seq, journaled: a.journaled + entries.length, events: a.events + events }))];
    this.#dirty = true;
  }

  /**
   * A save of ours that counted as failed (past its deadline, or not read back)
   * was stored after all: the journal entries it holds are not re-applied.
   * @param {number} seq
   */
  #landedLate(seq) {
    const i = this.#attempts.findIndex((x) => x.seq === seq);
    if (i < 0) return;
    const { journaled, events } = this.#attempts[i];
    this.#journal.splice(0, journaled);
    this.#journalEvents -= events;
    this.#attempts = this.#attempts.slice(i + 1).map((x) => ({ seq: x.seq, journaled: x.journaled - journaled, events: x.events - events }));
  }

  #resetAndReplay() {
    this.#hooks.reset();
    this.#replayJournal();
    this.#emit('sync', { seq: 0 });
  }

  #replayJournal() {
    if (this.#journal.length) this.#hooks.replay(this.#journal);
  }

  /**
   * Notes a profile-changing call. For shared storage it is journaled so that
   * it can be re-applied on top of another tab's save.
   * @param {string} method  public method to call again
   * @param {number} size    events it holds
   * @param {() => unknown[]} makeArgs  plain-data copies of its arguments
   */
  changed(method, size, makeArgs) {
    this.#dirty = true;
    this.#changes++;
    if (this.#storage.shared && !this.#wholeState) {
      const entry = { method, args: makeArgs(), size: Math.max(1, size) };
      if (this.#journalEvents + entry.size > MAX_JOURNAL_EVENTS) {
        this.#journal = [];
        this.#journalEvents = 0;
        this.#wholeState = true;
        this.#emit('error', new LocalrankError('LIMIT_EXCEEDED',
          `more than ${MAX_JOURNAL_EVENTS} events since the last successful save: the next save writes this tab's profile as a whole, ` +
          'and changes other tabs saved meanwhile may be overwritten'));
      } else {
        this.#journal.push(entry);
        this.#journalEvents += entry.size;
      }
    }
    this.#schedule();
  }

  /** Notes that the whole profile was replaced (import): the next save writes it as is. */
  replaced() {
    this.#journal = [];
    this.#journalEvents = 0;
    this.#wholeState = true;
    this.#dirty = true;
    this.#changes++;
    this.#schedule();
  }

  /** Whether there are changes that are not saved yet. */
  get dirty() { return this.#dirty; }

  #schedule() {
    if (this.#autosaveMs === 0) return;
    const fire = () => { this.flush().catch(() => { /* reported as an 'error' event */ }); };
    if (this.#debounce !== null) clearTimeout(this.#debounce);
    this.#debounce = unref(setTimeout(fire, this.#autosaveMs));
    this.#maxWait ??= unref(setTimeout(fire, this.#autosaveMs * MAX_WAIT_FACTOR));
  }

  #clearTimers() {
    if (this.#debounce !== null) clearTimeout(this.#debounce);
    if (this.#maxWait !== null) clearTimeout(this.#maxWait);
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#debounce = this.#maxWait = this.#retry = null;
  }

  /**
   * Saves now (queued behind any save in progress). Rejects with STORAGE_FAILED,
   * after emitting it as an 'error' event, when the profile could not be saved.
   * @returns {Promise<void>}
   */
  flush() {
    this.#clearTimers();
    /** @type {{err?: LocalrankError}} */
    const late = {};
    const run = this.#queue.then(() => this.#save(late));
    this.#queue = run.catch(() => {});
    // Settles within the storage deadline; a save still running goes on (and is retried if it fails).
    const ms = this.#storage.timeoutMs;
    return within(run, ms, () => {
      late.err = this.#fail(`saving the profile did not finish within ${ms} ms (options.storageTimeoutMs)`);
      if (this.#hooks.alive()) this.#emit('error', late.err);
      return late.err;
    });
  }

  /**
   * Runs `fn` under the cross-tab lock of this namespace (storage shared with others).
   * @template T @param {(held: () => Promise<boolean>) => Promise<T>} fn @returns {Promise<T>}
   */
  #locked(fn) {
    return withLock(this.#storage, `localrank:${this.#namespace}`, fn);
  }

  /** @param {{err?: LocalrankError}} late  set when flush() already gave up (and reported it) */
  async #save(late) {
    // Without changes, a flush still checks that the last save was not replaced by a stale write.
    if ((!this.#dirty && !this.#saved.length) || !this.#hooks.alive()) return;
    try {
      const written = await this.#locked((held) => this.#saveLocked(held));
      this.#failures = 0;
      if (written !== null) this.#announce(written);
    } catch (e) {
      const err = e instanceof LocalrankError ? e : this.#fail('saving the profile failed', e);
      if (this.#hooks.alive()) {
        if (!late.err) this.#emit('error', err);
        this.#retryLater();
      }
      throw err;
    }
  }

  /** Saves again after a failure, backing off, until a save succeeds or the personalizer is disposed. */
  #retryLater() {
    if (this.#retry !== null || !this.#dirty) return;
    this.#retry = later(this.#failures++, () => {
      this.#retry = null;
      if (this.#hooks.alive()) this.flush().catch(() => { /* reported as an 'error' event, and retried */ });
    });
  }

  /**
   * @param {() => Promise<boolean>} held  whether the cross-tab lock is still ours
   * @returns {Promise<number|null>} the save counter written, or null when there was nothing to do
   */
  async #saveLocked(held) {
    const state = await this.#read();
    if (!this.#hooks.alive()) return null;
    const base = this.#rebase(state);
    if (state.future) {
      // Never downgrade: a newer localrank (another tab, after an update) owns the data now.
      throw this.#fail(`not saving: the stored profile was written by a newer localrank (${state.future.message}); it is kept as is`);
    }
    if (!this.#dirty) return null; // the last save stands (or is back in the journal: then dirty)
    // Everything after this point is synchronous until the write: journal entries added
    // while the write is pending stay in the journal for the next save.
    const journaled = this.#journal.length;
    const journaledEvents = this.#journalEvents;
    const changes = this.#changes;
    const epoch = this.#epoch;
    const snapshot = this.#hooks.exportSnapshot();
    // Never a counter this personalizer wrote before: `has` then names one write exactly.
    const seq = Math.max(state.maxSeq, this.#baseSeq, this.#lastSeq) + 1;
    this.#lastSeq = seq;
    // Never overwrite the copy this save builds on (or the newest intact one): a
    // write cut in the middle then leaves it readable.
    const keep = base ?? state.valid[0];
    const target = keep?.name === 'a' ? 'b' : 'a';
    // The last save of each writer it contains; the 16 most recent writers are enough.
    const has = Object.fromEntries(Object.entries({ ...this.#baseHas, [this.#writer]: seq }).sort((x, y) => y[1] - x[1]).slice(0, 16));
    const envelope = encodeSlot(seq, snapshot, this.#writer, this.#hooks.now(), this.#versions.snapshot, this.#storage.binary, has);
    // Until it is known to have landed, this write may still land later (see #landedLate).
    const attempt = { seq, journaled, events: journaledEvents };
    if (!this.#wholeState && this.#storage.shared) this.#attempts.push(attempt);
    try {
      await this.#storage.set(this.#key(target), envelope);
    } catch (e) {
      throw e instanceof LocalrankError ? e : this.#fail('saving the profile failed', e);
    }
    // Read back: an adapter that silently drops or mangles writes must not count as saved.
    let back;
    try {
      back = await this.#storage.getSlot(this.#key(target));
    } catch (e) {
      throw this.#fail('reading back the saved profile failed', e);
    }
    if (!sameSlot(back, envelope)) throw this.#fail(`the saved profile did not read back intact (slot ${target})`);
    // A lease (no Web Locks) that another tab took over meanwhile: our write may have raced its own.
    if (!(await held())) throw this.#fail('another tab took the storage lock while this save was writing; it is saved again');
    for (const old of state.invalid) {
      if (old.name !== target) await this.#storage.delete(this.#key(old.name)).catch(() => {});
    }
    // Earlier failed attempts go with the last save: its entries begin with theirs (see #restoreOverwritten).
    const earlier = this.#attempts.filter((x) => x !== attempt);
    this.#attempts = [];
    if (epoch !== this.#epoch) return seq; // erased meanwhile: the erase decides what stays
    this.#decoded.set(target, { raw: envelope, slot: { name: target, ok: true, seq, writer: this.#writer, has, bytes: snapshot } });
    if (this.#wholeState && changes === this.#changes) this.#wholeState = false;
    if (!this.#wholeState) {
      // What was journaled when the snapshot was taken is in it; later entries stay.
      const entries = this.#journal.splice(0, journaled);
      if (this.#storage.shared) {
        this.#saved.push({ seq, entries, events: journaledEvents, earlier });
        // The last 16 saves (a stale write replaces one of the last few), and no more events than the journal holds.
        let kept = 0;
        this.#saved = this.#saved.slice(-16).reverse().filter((x) => (kept += x.events) <= MAX_JOURNAL_EVENTS).reverse();
      }
      this.#journalEvents -= journaledEvents;
    }
    this.#based({ name: target, ok: true, seq, writer: this.#writer, has });
    this.#dirty = changes !== this.#changes;
    return seq;
  }

  /**
   * Erases the saved profile: empties it in memory now, drops unsaved changes,
   * then deletes both slots (under the cross-tab lock) and tells other tabs,
   * which empty theirs too. Rejects with STORAGE_FAILED if a delete fails.
   * @returns {Promise<void>}
   */
  erase() {
    this.#clearTimers();
    this.#hooks.reset();
    this.#forgetLocal();
    const remove = () => Promise.all(SLOTS.map((s) => this.#storage.delete(this.#key(s))));
    const run = this.#queue.then(async () => {
      try {
        await this.#locked(remove);
      } catch (e) {
        const err = this.#fail('erasing the saved profile failed', e);
        if (this.#hooks.alive()) this.#emit('error', err);
        throw err;
      }
      // Changes made while the delete ran are new: they stay, and are saved as usual.
      try {
        this.#channel?.postMessage({ type: 'erased', writer: this.#writer });
      } catch {
        // A closed channel only means nobody else is listening.
      }
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #forgetLocal() {
    this.#epoch++;
    this.#journal = [];
    this.#journalEvents = 0;
    this.#wholeState = false;
    this.#dirty = false;
    this.#based({ name: 'a', ok: true, seq: 0 });
    this.#saved = [];
    this.#attempts = [];
  }

  /** Opens the cross-tab channel and page-hide saving (browsers); call once after load. */
  start() {
    if (this.#storage.shared && typeof BroadcastChannel === 'function') {
      const channel = new BroadcastChannel(`localrank:${this.#namespace}`);
      /** @type {any} */ (channel).unref?.();
      channel.onmessage = (ev) => {
        const m = ev.data;
        if (!m || m.writer === this.#writer) return;
        if (m.type === 'saved' && m.seq !== this.#baseSeq) this.#pull();
        if (m.type === 'erased') this.#erasedElsewhere();
      };
      this.#channel = channel;
    }
    const doc = /** @type {any} */ (globalThis).document;
    if (doc && typeof doc.addEventListener === 'function' && typeof globalThis.addEventListener === 'function') {
      // The last chance to save before a tab is closed or frozen.
      const onHide = () => {
        if (this.#dirty && (doc.visibilityState === 'hidden' || doc.visibilityState === undefined)) this.flush().catch(() => {});
      };
      doc.addEventListener('visibilitychange', onHide);
      globalThis.addEventListener('pagehide', onHide);
      this.#unlisten = () => {
        doc.removeEventListener('visibilitychange', onHide);
        globalThis.removeEventListener('pagehide', onHide);
      };
    }
  }

  #announce(seq) {
    try {
      this.#channel?.postMessage({ type: 'saved', seq, writer: this.#writer });
    } catch {
      // A closed channel only means nobody else is listening.
    }
  }

  /** Another tab saved: bring its changes in, keeping ours (queued like saves). */
  #pull() {
    this.#queue = this.#queue.then(async () => {
      if (!this.#hooks.alive()) return;
      try {
        const state = await this.#read();
        if (this.#hooks.alive()) this.#rebase(state);
      } catch (e) {
        if (this.#hooks.alive()) this.#emit('error', e);
      }
    }).catch(() => {});
  }

  /** Another tab erased the profile: empty this one too, unsaved changes included. */
  #erasedElsewhere() {
    this.#queue = this.#queue.then(() => {
      if (!this.#hooks.alive()) return;
      this.#clearTimers();
      this.#hooks.reset();
      this.#forgetLocal();
      this.#emit('sync', { seq: 0 });
    }).catch(() => {});
  }

  /** Stops timers, the channel and listeners. Unsaved changes are dropped: flush() first. */
  dispose() {
    this.#clearTimers();
    this.#channel?.close();
    this.#channel = null;
    this.#unlisten?.();
    this.#unlisten = null;
  }
}
