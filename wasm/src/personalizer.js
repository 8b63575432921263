// SPDX-License-Identifier: MIT
// The public Personalizer and its wiring: it checks each call (validate.js,
// items.js, packed.js), resolves names (name-table.js), hands the batch to
// the core (core-abi.js, the only door to wasm), builds what it returns
// (ranked.js), saves (persistence.js) and delegates the privacy API
// (privacy.js). Everything it returns is plain data that the caller owns.
import { LocalrankError, throwIfFailed } from './errors.js';
import { KIND, LIMITS } from './core-buffers.js';
import { normalizeEvents, checkName, checkConfig, utf8LengthExceeds, checkOptions, rerankOptions, checkAdjustment,
  profileTop, profileText } from './validate.js';
import { readItems, ItemScratch } from './items.js';
import { checkPacked, checkPackedItems, packedEmbeddingError, PackedScratch } from './packed.js';
import { resolveStorage, storageTimeout } from './storage.js';
import { Persistence } from './persistence.js';
import { copyData } from './slots.js';
import { EngineCore } from './core-abi.js';
import { NameTable } from './name-table.js';
import { allNumbers, lastRanking, rankedItems, explainItem } from './ranked.js';
import { modelConfig, describeModel } from './model.js';
import { Privacy } from './privacy.js';
import { reportsWanted } from './privacy-options.js';
import { reportPath } from './report-module.js';

const DEFAULT_AUTOSAVE_MS = 1000;

/**
 * Creates a personalizer on a loaded core module. Entry points pass their own
 * loader (Node reads the .wasm from disk, browsers fetch it), told whether
 * reports are configured: it then loads the device module with the report
 * encoder (localrank_core_reports.wasm) instead of the lean one.
 * @param {(options: Record<string, any>, reports: boolean) => Promise<any>} loadCore
 * @param {Record<string, any>} [options]
 * @param {'indexedDB'|'localStorage'|'memory'} [defaultStorage]  used when options.storage is not given
 */
export async function createPersonalizerWith(loadCore, options, defaultStorage = 'memory') {
  const o = checkOptions(options);
  checkConfig(o.config);
  const prior = modelConfig(o.model);
  const storage = resolveStorage(o.storage, defaultStorage, storageTimeout(o.storageTimeoutMs));
  const reports = reportsWanted(o);
  // The report path's JavaScript downloads while the module does (privacy.js awaits it).
  if (reports) reportPath().catch(() => {});
  const Module = await loadCore(o, reports);
  const engine = new EngineCore(Module);
  try {
    const config = { ...(o.config ?? {}), ...prior, seed: o.seed ?? 0, dim: o.dim ?? 0 };
    throwIfFailed(engine.configure(JSON.stringify(config)));
    const p = new Personalizer(engine, storage, o);
    let loadFailed = false;
    const off = p.on('error', () => { loadFailed = true; });
    await p._load();
    off();
    await p._loadPrivacy(Module, o, loadFailed);
    return p;
  } catch (e) {
    engine.delete();
    throw e;
  }
}

export class Personalizer {
  #engine;
  #storage;
  #now;
  #dim;
  #namespace;
  #consent;
  #names;
  /** @type {Map<string, Set<Function>>} */
  #handlers = new Map();
  /** @type {Persistence} */
  #persist;
  /** True while journaled calls are re-applied on top of another tab's save. */
  #replaying = false;
  #disposed = false;
  /** The last ranking, read by explain() (a function that copies it out, after rerankPacked). @type {any} */
  #last = null;
  #packed = new PackedScratch();
  /** Reused input of rerank(), and whether a rerank is using it. */
  #items = new ItemScratch();
  #itemsBusy = false;
  /** @type {Privacy|null} */
  #privacy = null;

  /** @internal @param {EngineCore} engine @param {any} storage @param {Record<string, any>} options */
  constructor(engine, storage, options) {
    this.#engine = engine;
    this.#names = new NameTable(engine);
    this.#storage = storage;
    this.#now = options.now ?? Date.now;
    this.#dim = options.dim ?? 0;
    this.#namespace = options.namespace ?? 'localrank';
    this.#consent = {
      personalization: options.consent?.personalization === true,
      aggregateMeasurement: options.consent?.aggregateMeasurement === true,
    };
    for (const [name, fn] of Object.entries(options.on ?? {})) this.on(name, /** @type {any} */ (fn));
    const autosaveMs = options.autosaveMs ?? DEFAULT_AUTOSAVE_MS;
    this.#persist = new Persistence(storage, { namespace: this.#namespace, autosaveMs }, {
      versions: engine.versions(),
      // The snapshot is copied out of wasm memory once; the copy is what gets stored.
      exportSnapshot: () => engine.exportSnapshot(),
      importSnapshot: (bytes) => {
        if (bytes.length > LIMITS.maxProfileBytes) {
          return { code: 'LIMIT_EXCEEDED', field: 'snapshot', message: `the stored profile is larger than ${LIMITS.maxProfileBytes} bytes` };
        }
        if (!engine.importSnapshot(bytes)) return engine.lastStatus();
        this.#names.sync();
        return { code: '', field: '', message: '' };
      },
      importText: (text) => {
        // Oversized data is refused before it is copied into wasm memory.
        if (utf8LengthExceeds(text, LIMITS.maxProfileBytes)) {
          return { code: 'LIMIT_EXCEEDED', field: 'profile', message: `the stored profile is larger than ${LIMITS.maxProfileBytes} bytes` };
        }
        const status = engine.importProfile(text);
        if (!status.code) this.#names.sync();
        return status;
      },
      // A reset also forgets the last ranking: explain() must not reveal erased interests.
      reset: () => { engine.resetProfile(); this.#names.sync(); this.#last = null; },
      replay: (entries) => this.#replay(entries),
      emit: (name, detail) => this.#emit(name, detail),
      now: () => this.#clock(),
      alive: () => !this.#disposed,
    });
  }

  /** @internal Loads the stored profile; unreadable data is never trusted. */
  async _load() {
    // Loading changes names only through the importSnapshot/importText/reset hooks, which re-read them.
    await this.#persist.load();
    this.#persist.start();
  }

  /**
   * @internal Restores consent and the privacy ledger; sets up the report encoder (privacy.js).
   * @param {any} Module @param {Record<string, any>} options
   * @param {boolean} storageFailed  loading the profile already reported a storage error
   */
  async _loadPrivacy(Module, options, storageFailed) {
    try {
      this.#privacy = await Privacy.create({
        Module, options, storage: this.#storage, consent: this.#consent, namespace: this.#namespace, storageFailed, reportPath,
        now: () => this.#clock(),
        emit: (name, detail) => this.#emit(name, detail),
        alive: () => this.#alive(),
        eraseProfile: () => this.#persist.erase(),
        profileHeld: () => {
          const held = this.profile({ top: 1 });
          return held.totalEvents > 0 || held.topics.length > 0 || held.creators.length > 0;
        },
        interest: (taxonomy, since) => {
          const weights = new Map();
          for (const t of this.profile({ top: 100000 }).topics) if (t.lastAt >= since) weights.set(t.name, t.weight);
          return Float64Array.from(taxonomy, (name) => Math.max(0, weights.get(name) ?? 0));
        },
      });
    } catch (e) {
      this.#persist.dispose();  // creation failed: stop what _load() started
      throw e;
    }
  }

  /**
   * @internal Erases the saved profile here and in every tab sharing the
   * storage (memory at once, storage when the promise resolves). The privacy
   * API's forget() and consent withdrawal build on it.
   * @returns {Promise<void>}
   */
  async _eraseStoredProfile() {
    this.#alive();
    return this.#persist.erase();
  }

  /**
   * Re-applies journaled calls (this personalizer's unsaved changes) after
   * another tab's save was loaded. They are not journaled again.
   * @param {{method: string, args: unknown[]}[]} entries
   */
  #replay(entries) {
    this.#replaying = true;
    try {
      for (const { method, args } of entries) {
        try {
          // A journaled record holds validated events (see record()).
          if (method === 'record') this.#recordValidated(/** @type {any} */ (args[0]));
          else /** @type {any} */ (this)[method](...args);
        } catch (cause) {
          this.#emit('error', new LocalrankError('STORAGE_FAILED', `re-applying an unsaved ${method}() failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }));
        }
      }
    } finally {
      this.#replaying = false;
    }
  }

  /**
   * Notes a profile-changing public call so that it is saved, and, for shared
   * storage, can be re-applied on top of another tab's save.
   * @param {string} method  the public method to call again
   * @param {number} size    events it holds
   * @param {() => unknown[]} args  plain-data copies of its arguments (made only when journaled)
   */
  #changed(method, size, args) {
    if (!this.#replaying) this.#persist.changed(method, size, args);
  }

  #alive() {
    if (this.#disposed) throw new LocalrankError('DISPOSED', 'this personalizer was disposed');
  }

  #clock() {
    const t = this.#now();
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new LocalrankError('INVALID_ARGUMENT', 'options.now() must return a finite time in ms', { field: 'options.now' });
    }
    return t;
  }

  /** @param {string} name @param {unknown} detail */
  #emit(name, detail) {
    for (const fn of this.#handlers.get(name) ?? []) fn(detail);
  }

  /** Throws the core's last error. @returns {never} */
  #throwLast() {
    throwIfFailed(this.#engine.lastStatus());
    throw new Error('localrank core reported a failure without a status');
  }

  /**
   * @internal Diagnostics for tests: wasm memory size and allocated heap bytes
   * of the core module (shared by the personalizers loaded from the same .wasm).
   * Not part of the public API.
   */
  _memoryStats() {
    const e = this.#engine;
    return { memoryBytes: e.memoryBytes(), heapUsedBytes: e.heapUsedBytes(), names: this.#disposed ? 0 : e.nameCount() };
  }

  /**
   * Records one interaction or an array of them. Returns how many were stored
   * (0 without personalization consent: nothing is kept).
   * @param {object|object[]} events
   * @returns {number}
   */
  record(events) {
    this.#alive();
    const now = this.#clock();
    const list = normalizeEvents(events, now, this.#dim);
    const n = this.#recordValidated(list, now);
    // The journal keeps the validated events: only a caller's embedding array needs a copy.
    if (this.#consent.personalization) {
      this.#changed('record', n, () => [list.map((e) => (e.embedding ? { ...e, embedding: Float32Array.from(e.embedding) } : e))]);
    }
    return n;
  }

  /**
   * Records events normalizeEvents already checked (record, and the replay of
   * journaled ones after another tab's save). Returns how many were recorded.
   * @param {import('./validate.js').NormalizedEvent[]} list @param {number} [now]
   */
  #recordValidated(list, now = this.#clock()) {
    if (!this.#consent.personalization) return 0;
    this.#names.compact();
    const ids = this.#names.resolve(list);
    if (!this.#engine.record(list, ids, this.#dim, now)) this.#throwLast();
    return list.length;
  }

  /**
   * Reorders `items`, best first. One call into the core for the whole batch.
   * Stages: filter (duplicates, `never`, seen too often: these sink to the
   * end) → score → rerank (MMR diversity, creator decay, a topic cap in the
   * top 10, fatigue, optional calibration and exploration). Every item's
   * `reasons` add up to its `score`; explored items carry a `propensity`.
   * @param {object[]} items
   * @param {{strength?: number, diversity?: number, exploration?: number|boolean, calibration?: boolean, context?: object, topK?: number}} [options]
   */
  rerank(items, options = {}) {
    this.#alive();
    const o = rerankOptions(options);
    // A getter on an item or the clock may call rerank again: that call gets a scratch of its own.
    if (this.#itemsBusy) return this.#rerankWith(new ItemScratch(), items, o);
    this.#itemsBusy = true;
    try {
      return this.#rerankWith(this.#items, items, o);
    } finally {
      this.#itemsBusy = false;
    }
  }

  /**
   * @param {ItemScratch} s @param {unknown} items
   * @param {{strength: number, diversity: number, exploration: number, calibration: boolean, context: string[], topK: number}} o  checked options
   */
  #rerankWith(s, items, o) {
    const names = this.#names;
    // Validates and packs the whole batch; nothing outside the scratch changes before it is all valid.
    readItems(items, this.#dim, s, names.index[KIND.TOPIC], names.index[KIND.CREATOR]);
    const now = this.#clock();
    const personal = this.#consent.personalization;
    const oldNames = names.compact();
    if (oldNames !== null) names.remapItems(s, oldNames);
    names.internItems(s);
    names.intern(KIND.CONTEXT, o.context);
    this.#engine.writeItems(s, this.#dim, names.idsOf(KIND.CONTEXT, o.context));
    if (!this.#engine.rerank(false, now, personal ? o.strength : 0, o)) this.#throwLast();
    // Copy the results out of the heap once (explain() keeps them), then build the objects.
    const last = lastRanking(this.#engine.resultCopier()(), personal, allNumbers(s.serverScore, s.n), [...names.names]);
    const out = rankedItems(last, s.ids);
    this.#last = last;
    return out;
  }

  /**
   * Why an item got its place in the last `rerank`: its reasons in plain
   * words (one sentence each) with the raw numbers, which add up to `score`.
   * Returns null when the item was not in the last ranking.
   * @param {string} itemId
   * @returns {{id: string, rank: number, score: number, propensity?: number, summary: string,
   *   reasons: {kind: string, label: string, contribution: number, text: string}[]} | null}
   */
  explain(itemId) {
    this.#alive();
    if (typeof itemId !== 'string') throw new TypeError('explain expects an item id (string)');
    if (typeof this.#last === 'function') this.#last = this.#last();
    return this.#last === null ? null : explainItem(this.#last, itemId);
  }

  /** Throws the error of the first non-finite number of the packed embeddings copied into the core, if any. */
  #checkPackedEmbeddings(b, dim) {
    if (b.embeddings === null) return;
    const bad = this.#engine.firstNonFinite();
    if (bad >= 0) packedEmbeddingError(bad, dim);
  }

  /**
   * The fast path: reorders a batch given as typed arrays, with topics and
   * creators as ids from {@link topicId} / {@link creatorId}. Crosses into
   * wasm once; validation, error codes and fields match {@link rerank}, and
   * the ranking is the same as `rerank` on the equivalent objects. Returns
   * copies the caller owns: `order[r]` is the input index at rank r.
   * @param {import('./index').PackedItems} batch
   * @param {import('./index').RerankOptions} [options]
   * @returns {{order: Int32Array, score: Float64Array, propensity: Float64Array}}
   */
  rerankPacked(batch, options = {}) {
    this.#alive();
    const o = rerankOptions(options);
    const dim = this.#dim, names = this.#names, engine = this.#engine;
    const topicNames = names.names[KIND.TOPIC], creatorCount = names.names[KIND.CREATOR].length;
    const b = checkPacked(batch, dim, topicNames, creatorCount, this.#packed);
    const now = this.#clock();
    const personal = this.#consent.personalization;
    // A new context name is interned before the core sees the batch: check all of it first then.
    const contextIds = names.ids[KIND.CONTEXT];
    const fresh = o.context.some((key) => !contextIds.has(key));
    if (fresh) checkPackedItems(b, topicNames, creatorCount, this.#packed);
    const context = engine.writePacked(b, dim, o.context.length);
    if (fresh) {
      this.#checkPackedEmbeddings(b, dim);
      // Interning may grow memory, never move the buffers laid out above.
      names.intern(KIND.CONTEXT, o.context);
    }
    engine.writeContext(context, names.idsOf(KIND.CONTEXT, o.context));
    // The core checks every value before it ranks: a refused batch is walked
    // again here to throw the error of its first bad entry.
    if (!engine.rerank(true, now, personal ? o.strength : 0, o)) {
      checkPackedItems(b, topicNames, creatorCount, this.#packed);
      this.#checkPackedEmbeddings(b, dim);
      this.#throwLast();
    }
    // One copy each, which the caller owns.
    const out = engine.rankedOrder();
    // explain() works after a packed rerank too when the batch named its items: the
    // ranking is copied out when first explained (the core keeps it until the next rerank, which replaces #last).
    if (b.ids === null) this.#last = null;
    else {
      const read = engine.resultCopier(), ids = /** @type {unknown[]} */ (this.#packed.lastIds), tables = [...names.names];
      const serverScored = b.serverScore !== null && allNumbers(b.serverScore, b.n);
      this.#last = () => lastRanking(read(), personal, serverScored, tables, ids);
    }
    return out;
  }

  /**
   * The id of a topic name for {@link rerankPacked} (interned on first use;
   * ids are stable for the life of this personalizer and its imported profiles).
   * @param {string} name
   * @returns {number}
   */
  topicId(name) {
    this.#alive();
    checkName(name, 'topic', -1, 'INVALID_ARGUMENT');
    return this.#names.handOut(KIND.TOPIC, name);
  }

  /**
   * The id of a creator for {@link rerankPacked} (interned on first use).
   * @param {string} name
   * @returns {number}
   */
  creatorId(name) {
    this.#alive();
    checkName(name, 'creatorId', -1, 'INVALID_ARGUMENT');
    return this.#names.handOut(KIND.CREATOR, name);
  }

  /**
   * An explicit "show me more / less / never" for a topic or a creator, acting
   * from the next rerank. `preference: 'none'` clears an earlier choice.
   * 'more'/'less' shift an item's score by +/-0.5 times the topic's share in it
   * (+/-0.5 for its creator); 'never' sinks matching items below all others,
   * flagged with a `never` reason.
   * @param {{topic?: string, creatorId?: string, preference: 'more'|'less'|'never'|'none'}} adjustment
   */
  adjust(adjustment) {
    this.#alive();
    const { kind, name, pref } = checkAdjustment(adjustment);
    if (!this.#consent.personalization) return false;
    this.#names.compact();
    this.#names.intern(kind, [name]);
    throwIfFailed(this.#engine.adjust(kind, /** @type {number} */ (this.#names.ids[kind].get(name)), pref));
    this.#changed('adjust', 1, () => [copyData(adjustment)]);
    return true;
  }

  /**
   * A plain, human-readable view of what the profile holds.
   * @param {{top?: number}} [options]
   */
  profile(options = {}) {
    this.#alive();
    const top = profileTop(options);
    const summary = JSON.parse(this.#engine.summary(this.#clock(), top));
    return { ...summary, model: describeModel(summary.model), consent: { ...this.#consent } };
  }

  /** Portable JSON (schema + version) of everything the profile holds. */
  exportProfile() {
    this.#alive();
    return JSON.parse(this.#engine.exportProfile(this.#clock()));
  }

  /**
   * Replaces the profile with an exported one. On error nothing changes.
   * @param {object|string} data
   */
  importProfile(data) {
    this.#alive();
    if (!this.#consent.personalization) {
      throw new LocalrankError('NOT_CONSENTED', 'importProfile needs consent.personalization: ask the person, then consent.set({personalization: true})', { field: 'consent.personalization' });
    }
    throwIfFailed(this.#engine.importProfile(profileText(data)));
    this.#names.sync();
    if (!this.#replaying) this.#persist.replaced();
  }

  /**
   * Subscribes to an event ('profile-reset', 'error', ...). Returns an unsubscribe function.
   * @param {string} name
   * @param {(detail: any) => void} handler
   */
  on(name, handler) {
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    if (!this.#handlers.has(name)) this.#handlers.set(name, new Set());
    this.#handlers.get(name)?.add(handler);
    return () => { this.#handlers.get(name)?.delete(handler); };
  }

  /**
   * Saves the profile now (after merging what other tabs saved meanwhile).
   * Resolves once it is stored; rejects with `STORAGE_FAILED` (also emitted as
   * an `error` event) when it could not be, and the last good save stays.
   * @returns {Promise<void>}
   */
  async flush() {
    this.#alive();
    // A built report's ledger entry is part of what flush() makes durable.
    const privacyWrites = this.#privacy?.flushing(this.#storage.timeoutMs) ?? [];
    await Promise.all([this.#persist.flush(), ...privacyWrites]);
  }

  /**
   * Releases the core. Every later call throws LocalrankError DISPOSED.
   * Changes not saved yet are dropped: `await p.flush()` first to keep them.
   */
  dispose() {
    if (this.#disposed) return;
    this.#persist.dispose();
    this.#disposed = true;
    this.#privacy?.dispose();
    this.#engine.delete();
  }

  [Symbol.dispose]() { this.dispose(); }

  // ---- Privacy: consent, erasure, aggregate reports (privacy.js, docs/privacy.md) ----

  /**
   * Consent per purpose, opt-in: `get()` returns `{personalization,
   * aggregateMeasurement, updatedAt, policyVersion, gpc}`; `set(partial)`
   * applies at once and resolves when stored. Withdrawing personalization
   * erases the profile.
   */
  get consent() {
    return /** @type {Privacy} */ (this.#privacy).consentApi();
  }

  /**
   * Erases everything this personalizer stored under its namespace (profile,
   * consent, and any other key an adapter with `keys()` lists) and resets
   * consent to nothing granted. The privacy ledger is kept: it holds only the
   * dates and epsilon of reports sent, nothing about behaviour, and erasing
   * it would buy more reports (docs/privacy.md, "Budget").
   */
  forget() {
    return /** @type {Privacy} */ (this.#privacy).forget();
  }

  /**
   * A locally differentially private report of this person's top topic (or,
   * with segments, their segment) over the recent window, or `null` without
   * aggregateMeasurement consent or privacy budget. Charges the accountant;
   * the ledger is persisted before sendAggregateReport sends anything.
   * @returns {Record<string, any>|null}
   */
  buildAggregateReport() {
    return /** @type {Privacy} */ (this.#privacy).buildAggregateReport();
  }

  /**
   * POSTs an aggregate report as JSON to `url` without credentials: the
   * report kept from a failed delivery if there is one (no new epsilon),
   * else a new one. After a network error, 429 or 5xx it is re-sent
   * (`options.retries`, default 2, waiting `Retry-After` or 1 s, doubling)
   * and, if still undelivered, kept for the next call (wasm/src/outbox.js).
   * Resolves to `{report, status}`, or `null` when no report may be sent.
   * Throws `SEND_FAILED` when it was not delivered (or was refused with
   * another 4xx: then it is dropped).
   * @param {string|URL} url
   * `options.token`: a Privacy Pass token (`PrivateToken token=...`, or a
   * function returning one) for collectors that count only reports with one.
   * @param {{retries?: number, token?: string|(() => string|Promise<string>)}} [options]
   */
  sendAggregateReport(url, options) {
    return /** @type {Privacy} */ (this.#privacy).sendAggregateReport(url, options);
  }

  /**
   * Sends reports by themselves, as sendAggregateReport(url, options) would,
   * one per send at random times about `windowDays / reportsPerWindow` apart
   * (at least half that), never at a page load, click or consent change
   * (wasm/src/schedule.js). Emits `report` ({report, status}, or null when
   * none could be sent) and `error`. Replaces an earlier schedule.
   * `options.auto: false` arms no timer: only `runDue()` sends (tests, with
   * `options.now`). Resolves to `{nextAt, runDue(), stop()}`.
   * @param {string|URL} url
   * @param {{retries?: number, token?: any, relay?: any, auto?: boolean}} [options]
   */
  scheduleAggregateReports(url, options) {
    return /** @type {Privacy} */ (this.#privacy).scheduleAggregateReports(url, options);
  }

  /**
   * The privacy budget: epsilon spent and remaining in the current window,
   * and when the next report fits (`null`: never with this configuration).
   */
  privacyBudget() {
    return /** @type {Privacy} */ (this.#privacy).privacyBudget();
  }
}
