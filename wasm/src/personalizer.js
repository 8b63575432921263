// SPDX-License-Identifier: MIT
// The public Personalizer. It owns one engine of the core (core-abi.js); everything it
// returns is plain data that the caller owns.
import { LocalrankError, throwIfFailed } from './errors.js';
import { KIND, LAYOUT, REASON_KINDS, PREFERENCES, CREATOR_LABEL_BASE, SEEN_LABEL_OPENED, DIVERSITY_LABELS, LIMITS, DEFAULT_TOP_K } from './core-buffers.js';
import { explainReasons, SERVER_SCORE_LABEL } from './explain.js';
import { normalizeEvents, readItems, ItemScratch, FRESH, contextKeys, checkName, checkConfig, utf8LengthExceeds,
  checkOptionKeys, OPTION_KEYS, PRIVACY_OPTION_KEYS, RERANK_OPTION_KEYS } from './validate.js';
import { checkPacked, checkPackedItems, packedEmbeddingError, PackedScratch } from './packed.js';
import { resolveStorage, storageTimeout } from './storage.js';
import { Ledger, OLD_LEDGER_NAME } from './ledger.js';
import { within } from './lock.js';
import { Persistence, copyData } from './persistence.js';
import { ConsentManager, CONSENT_KEY, DEFAULT_POLICY_VERSION } from './consent.js';
import { EngineCore, AccountantCore } from './core-abi.js';
import { modelConfig, describeModel } from './model.js';
import { privacyOptions, MS_PER_DAY, OUTBOX_KEY, SCHEDULE_KEY } from './privacy-options.js';
import { reportPath, loadReportPath } from './report-module.js';

const DEFAULT_AUTOSAVE_MS = 1000;
/**
 * The core's name tables keep every topic, creator and context name ever
 * seen; past this many (or twice what the profile refers to after the last
 * compaction) the names the profile no longer uses are dropped.
 */
const MIN_NAMES_BEFORE_COMPACTION = 4096;

/** Human-readable labels for reasons that do not name a topic or creator. */
const REASON_LABELS = {
  server: 'position in the original feed',
  freshness: 'recently published',
  notPersonalized: 'personalization is off',
  pinned: 'pinned by the site',
  context: 'what you usually like in this context',
  embedding: 'similar to posts you engaged with',
  diversity: 'keeps your feed varied',
  explore: 'something new to explore',
  fatigue: 'shown often recently',
  adjustment: 'your show more/less setting',
  never: 'you asked never to see this',
  duplicate: 'repeats an item above',
  seen: 'shown many times without interest',
};

/** Labels of the parts of the diversity stage. */
const DIVERSITY_REASON_LABELS = {
  [DIVERSITY_LABELS.SIMILAR]: 'similar to posts above',
  [DIVERSITY_LABELS.CREATOR]: 'creator already shown above',
  [DIVERSITY_LABELS.CALIBRATION]: 'balances your mix of interests',
  [DIVERSITY_LABELS.TOPIC]: 'topic already shown above',
};

/**
 * The label of a reason: the topic, creator or context key it names, or a short phrase.
 * @param {string} kind @param {number} id @param {boolean} personal
 * @param {string[][]} names  the name tables the ids refer to (a compaction renumbers them)
 * @param {boolean} [serverScored]  every item of the batch had a serverScore (the core then ranks by it, not by position)
 */
function reasonLabel(kind, id, personal, names, serverScored = false) {
  if (kind === 'server' && serverScored) return SERVER_SCORE_LABEL;
  if ((kind === 'adjustment' || kind === 'never') && id <= CREATOR_LABEL_BASE) {
    return names[KIND.CREATOR][CREATOR_LABEL_BASE - id] ?? '';
  }
  if (kind === 'fatigue' && id <= CREATOR_LABEL_BASE) return names[KIND.CREATOR][CREATOR_LABEL_BASE - id] ?? '';
  if (kind === 'fatigue' && id >= 0) return names[KIND.TOPIC][id] ?? '';
  if (kind === 'diversity') return DIVERSITY_REASON_LABELS[id] ?? REASON_LABELS.diversity;
  if (kind === 'topic' || kind === 'rate' || kind === 'adjustment' || kind === 'never') return names[KIND.TOPIC][id] ?? '';
  if (kind === 'creator') return names[KIND.CREATOR][id] ?? '';
  if (kind === 'context' && id >= 0) return names[KIND.CONTEXT][id] ?? '';
  if (kind === 'notPersonalized' && !personal) return 'personalization is not consented';
  if (kind === 'seen' && id === SEEN_LABEL_OPENED) return 'you already opened this';
  return REASON_LABELS[/** @type {keyof typeof REASON_LABELS} */ (kind)] ?? kind;
}

/**
 * The reasons of the item at `rank` of a ranking copied out of wasm memory
 * (see Personalizer#copyResult).
 * @param {any} last @param {number} rank
 * @returns {{kind: string, label: string, contribution: number}[]}
 */
function reasonsAt(last, rank) {
  const { rOff, rKind, rLabel, rValue, personal, names, serverScored } = last;
  const lo = rOff[rank], hi = rOff[rank + 1];
  const reasons = new Array(hi - lo);
  for (let k = lo; k < hi; k++) {
    const kind = REASON_KINDS[rKind[k]];
    reasons[k - lo] = { kind, label: reasonLabel(kind, rLabel[k], personal, names, serverScored), contribution: rValue[k] };
  }
  return reasons;
}

/**
 * Turns the `reasons` accessor of a result object into a data property
 * holding `value`, keeping the order of its keys; false (and nothing changes)
 * when the object refuses, being frozen, sealed or not extensible. V8
 * reconfigures a property in place slowly (about 1.1 µs), so while `reasons`
 * is still the object's last key (rankedItems adds it last) it is deleted and
 * assigned again, which V8 does by going back to the object's previous shape
 * (about half the time; the key check is most of it).
 * @param {object} x @param {unknown} value
 */
function settleReasons(x, value) {
  if (Object.isExtensible(x)) {
    // Every own key, non-enumerable and symbols too: any of them added later must stay after `reasons`.
    const keys = Reflect.ownKeys(x);
    if (keys[keys.length - 1] === 'reasons') {
      const proto = Object.getPrototypeOf(x);
      // An assignment adds the same data property, unless something up the prototype chain claims the name.
      if ((proto === null || !('reasons' in proto)) && Reflect.deleteProperty(x, 'reasons')) {
        x.reasons = value;
        return true;
      }
    }
  }
  return Reflect.defineProperty(x, 'reasons', { value, writable: true, enumerable: true, configurable: true });
}

/** Node's util.inspect hook (console.log): a registered symbol, so no import of node:util. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');
/**
 * util.inspect of a rerank result: reads every item's `reasons` (turning the
 * lazy accessor into data) and shows a plain copy of the array.
 * @this {any[]} @param {number} depth @param {object} options @param {(v: unknown, o: object) => string} inspect
 */
function inspectResult(depth, options, inspect) {
  for (const item of this) void item?.reasons;
  return inspect([...this], options);
}

/** Returns the object it is given, so that a subclass's private fields can be added to a plain object. */
class PlainBase {
  /** @param {object} o */
  constructor(o) { return o; }
}

/**
 * Where a ranked item's reasons come from, kept in private fields of the
 * plain result object itself: invisible to Object.keys, spread, JSON and
 * structured clone, and costing no property definition.
 */
class RankedState extends PlainBase {
  /** @type {any} */ #last;
  #rank;
  /** @type {{kind: string, label: string, contribution: number}[]|null} */ #reasons = null;

  /** @param {object} o @param {any} last @param {number} rank */
  constructor(o, last, rank) {
    super(o);
    this.#last = last;
    this.#rank = rank;
  }

  /**
   * The reasons of `o` (or of the nearest result object on its prototype
   * chain, as for an inherited data property), built on the first call and
   * stored on that object as a plain data property; undefined for other objects.
   * @param {object} o
   */
  static reasonsOf(o) {
    for (let x = o; x !== null; x = Object.getPrototypeOf(x)) {
      if (#rank in x) {
        if (x.#reasons === null) {
          x.#reasons = reasonsAt(x.#last, x.#rank);
          x.#last = null;
        }
        const value = x.#reasons;
        // false (and the private copy keeps answering) when the object was frozen or sealed.
        settleReasons(x, value);
        return value;
      }
    }
    return undefined;
  }
}

/**
 * `reasons` of a ranked item: an own enumerable accessor that turns itself
 * into a plain data property when first read or written, so reading the
 * reasons of the top items costs only those.
 */
const LAZY_REASONS = Object.freeze({
  /** @this {object} */
  get() {
    return RankedState.reasonsOf(this);
  },
  /** @this {object} @param {unknown} value */
  set(value) {
    // A frozen or sealed result refuses the write, as it would for a data property (in strict code).
    if (!settleReasons(this, value)) {
      throw new TypeError("Cannot assign to read only property 'reasons' of object");
    }
  },
  enumerable: true,
  configurable: true,
});

/**
 * Whether the first n entries of `a` are all numbers (no NaN = "none given").
 * @param {Float64Array} a @param {number} n
 */
function allNumbers(a, n) {
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (a[i] !== a[i]) return false;
  return true;
}

/** Share of slots explored when `exploration: true`. */
const DEFAULT_EXPLORATION = 0.1;

/**
 * @param {unknown} options
 * @returns {Record<string, any>}
 */
function checkOptions(options) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const o = /** @type {Record<string, any>} */ (options);
  checkOptionKeys(o, OPTION_KEYS, 'options');
  if (o.privacy !== null && typeof o.privacy === 'object') checkOptionKeys(o.privacy, PRIVACY_OPTION_KEYS, 'options.privacy');
  if (o.now !== undefined && typeof o.now !== 'function') throw new TypeError('options.now must be a function returning ms');
  if (o.seed !== undefined && (!Number.isSafeInteger(o.seed) || o.seed < 0)) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.seed must be a non-negative safe integer', { field: 'options.seed' });
  }
  if (o.dim !== undefined && (!Number.isInteger(o.dim) || o.dim < 0 || o.dim > 512)) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.dim must be an integer 0..512', { field: 'options.dim' });
  }
  if (o.consent !== undefined && (o.consent === null || typeof o.consent !== 'object')) {
    throw new TypeError('options.consent must be an object {personalization?: boolean, aggregateMeasurement?: boolean}');
  }
  if (o.namespace !== undefined && (typeof o.namespace !== 'string' || !o.namespace)) {
    throw new TypeError('options.namespace must be a non-empty string');
  }
  if (o.autosaveMs !== undefined && (!Number.isFinite(o.autosaveMs) || o.autosaveMs < 0)) {
    throw new TypeError('options.autosaveMs must be a number >= 0 (0 = save only on flush())');
  }
  return o;
}

/**
 * Creates a personalizer on a loaded core module. Entry points pass their own
 * loaders (Node reads the .wasm from disk, browsers fetch it): the device
 * module's, and the report module's, called only when reports are configured.
 * @param {(options: Record<string, any>) => Promise<any>} loadCore
 * @param {Record<string, any>} [options]
 * @param {'indexedDB'|'localStorage'|'memory'} [defaultStorage]  used when options.storage is not given
 * @param {(options: Record<string, any>) => Promise<any>} loadReport
 */
export async function createPersonalizerWith(loadCore, options, defaultStorage = 'memory', loadReport) {
  const o = checkOptions(options);
  checkConfig(o.config);
  const prior = modelConfig(o.model);
  const storage = resolveStorage(o.storage, defaultStorage, storageTimeout(o.storageTimeoutMs));
  const Module = await loadCore(o);
  const engine = new EngineCore(Module);
  try {
    const config = { ...(o.config ?? {}), ...prior, seed: o.seed ?? 0, dim: o.dim ?? 0 };
    throwIfFailed(engine.configure(JSON.stringify(config)));
    const p = new Personalizer(engine, storage, o, Module);
    let loadFailed = false;
    const off = p.on('error', () => { loadFailed = true; });
    await p._load();
    off();
    await p._loadPrivacy(Module, o, loadFailed, loadReport);
    return p;
  } catch (e) {
    engine.delete();
    throw e;
  }
}

/**
 * An empty name -> id table without a prototype (so that names such as
 * `constructor` or `__proto__` are ordinary keys).
 * @returns {Record<string, number>}
 */
function nameIndex() {
  return Object.create(null);
}

/**
 * Copies the first n ints of `src` into `dst` at `at` (a loop for the few ids
 * of one event: a subarray would be an allocation per call).
 * @param {Int32Array} src @param {number} n @param {Int32Array} dst @param {number} at
 */
function copyInts(src, n, dst, at) {
  if (n > 32) dst.set(src.subarray(0, n), at);
  else for (let i = 0; i < n; i++) dst[at + i] = src[i];
}

/**
 * `a` if it holds n entries, else a larger Int32Array (at least doubling).
 * @param {Int32Array} a @param {number} n
 */
function grow(a, n) {
  return a.length >= n ? a : new Int32Array(Math.max(n, 2 * a.length, 64));
}

/**
 * @param {string} name @param {unknown} v
 * @returns {number}
 */
function unitOption(name, v) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new LocalrankError('INVALID_ARGUMENT', `options.${name} must be a number in [0, 1]`, { field: `options.${name}` });
  }
  return v;
}

/**
 * The `topK` rerank option: an integer >= 1 (larger than any batch means all
 * of it), passed to the core as an int32.
 * @param {unknown} v
 * @returns {number}
 */
function topKOption(v) {
  if (v === undefined) return DEFAULT_TOP_K;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.topK must be an integer >= 1', { field: 'options.topK' });
  }
  return Math.min(v, LIMITS.maxItemsPerCall);
}

/**
 * The last ranking of a packed rerank (see Personalizer#packedLast): the
 * fields of #copyResult's result, read through `copy` on first use.
 */
class PackedLast {
  /** @param {() => any} copy @param {boolean} personal @param {string[][]} names @param {boolean} serverScored */
  constructor(copy, personal, names, serverScored) {
    this.copy = copy;
    this.personal = personal;
    this.names = names;
    this.serverScored = serverScored;
  }

  get ids() { return this.copy().ids; }
  get order() { return this.copy().order; }
  get score() { return this.copy().score; }
  get propensity() { return this.copy().propensity; }
  get rOff() { return this.copy().rOff; }
  get rKind() { return this.copy().rKind; }
  get rLabel() { return this.copy().rLabel; }
  get rValue() { return this.copy().rValue; }
}

export class Personalizer {
  #engine;
  #storage;
  #now;
  #dim;
  #namespace;
  #autosaveMs;
  #consent;
  /** @type {Map<string, number>[]} */
  #ids = [new Map(), new Map(), new Map()];
  /** @type {string[][]} */
  #names = [[], [], []];
  /**
   * The same name -> id tables as #ids, as prototype-less objects: reading
   * one by a property key is several times faster than Map#get, which
   * matters for the 8,000 topic names of a 1,000-item rerank.
   */
  #index = [nameIndex(), nameIndex(), nameIndex()];
  /** @type {Map<string, Set<Function>>} */
  #handlers = new Map();
  /** @type {Persistence} */
  #persist;
  /** True while journaled calls are re-applied on top of another tab's save. */
  #replaying = false;
  #disposed = false;
  /** Raw output of the last rerank, decoded lazily by explain(). @type {any} */
  #last = null;
  #compactAt = MIN_NAMES_BEFORE_COMPACTION;
  /** Set once topicId()/creatorId() handed out an id: ids must then stay stable, so no compaction. */
  #idsHandedOut = false;
  /** The Emscripten module: its plain exports carry the hot calls. */
  #core;
  /** EngineCore address, first argument of the plain exports. */
  #handle = 0;
  // Views of wasm memory, rebuilt only when memory grew (the old buffer detaches).
  /** @type {ArrayBufferLike|null} */
  #mem = null;
  #f64 = new Float64Array(0);
  #f32 = new Float32Array(0);
  #i32 = new Int32Array(0);
  #u32 = new Uint32Array(0);
  #packed = new PackedScratch();
  /** Reused input of rerank(), and whether a rerank is using it. */
  #items = new ItemScratch();
  #itemsBusy = false;
  // Scratch ids of #resolve, grown geometrically and reused.
  #topicIds = new Int32Array(0);
  #creatorIds = new Int32Array(0);
  #contextIds = new Int32Array(0);

  /** @internal */
  constructor(engine, storage, options, module) {
    this.#engine = engine;
    this.#core = module;
    this.#handle = engine.handle;
    this.#storage = storage;
    this.#now = options.now ?? Date.now;
    this.#dim = options.dim ?? 0;
    this.#namespace = options.namespace ?? 'localrank';
    this.#autosaveMs = options.autosaveMs ?? DEFAULT_AUTOSAVE_MS;
    this.#consent = {
      personalization: options.consent?.personalization === true,
      aggregateMeasurement: options.consent?.aggregateMeasurement === true,
    };
    for (const [name, fn] of Object.entries(options.on ?? {})) this.on(name, /** @type {any} */ (fn));
    const core = this.#core;
    this.#persist = new Persistence(storage, { namespace: this.#namespace, autosaveMs: this.#autosaveMs }, {
      versions: { profile: core._localrank_profile_version(), snapshot: core._localrank_snapshot_version() },
      // The snapshot is copied out of wasm memory once; the copy is what gets stored.
      exportSnapshot: () => {
        const d = this.#enter(core._localrank_export_snapshot(this.#handle));
        const at = this.#u32[d], size = this.#u32[d + 1];
        return /** @type {Uint8Array} */ (core.HEAPU8.slice(at, at + size));
      },
      importSnapshot: (bytes) => {
        if (bytes.length > LIMITS.maxProfileBytes) {
          return { code: 'LIMIT_EXCEEDED', field: 'snapshot', message: `the stored profile is larger than ${LIMITS.maxProfileBytes} bytes` };
        }
        const at = core._localrank_snapshot_buffer(this.#handle, bytes.length);
        core.HEAPU8.set(bytes, at);
        if (core._localrank_import_snapshot(this.#handle) !== 1) return this.#engine.lastStatus();
        this.#syncNames();
        return { code: '', field: '', message: '' };
      },
      importText: (text) => {
        // Oversized data is refused before it is copied into wasm memory.
        if (utf8LengthExceeds(text, LIMITS.maxProfileBytes)) {
          return { code: 'LIMIT_EXCEEDED', field: 'profile', message: `the stored profile is larger than ${LIMITS.maxProfileBytes} bytes` };
        }
        const status = this.#engine.importProfile(text);
        if (!status.code) this.#syncNames();
        return status;
      },
      // A reset also forgets the last ranking: explain() must not reveal erased interests.
      reset: () => { this.#engine.resetProfile(); this.#syncNames(); this.#last = null; },
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

  /** Storage key `<namespace>:<name>` for facade data other than the profile (which persistence.js keeps in slots). */
  #key(name) { return `${this.#namespace}:${name}`; }

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

  #emit(name, detail) {
    for (const fn of this.#handlers.get(name) ?? []) fn(detail);
  }

  /** Rebuilds the name mirror from the core (after import or reset). */
  #syncNames() {
    for (let kind = 0; kind < 3; kind++) {
      const joined = this.#engine.names(kind);
      const list = joined === '' ? [] : joined.split('\0');
      const ids = new Map();
      for (let i = 0; i < list.length; i++) ids.set(list[i], i);
      this.#names[kind] = list;
      this.#ids[kind] = ids;
      const index = (this.#index[kind] = nameIndex());
      for (let i = 0; i < list.length; i++) index[list[i]] = i;
    }
  }

  /** Interns names (one boundary crossing for all new ones). */
  #intern(kind, names) {
    const ids = this.#ids[kind];
    /** @type {string[]|null} */ let fresh = null;
    /** @type {Set<string>|null} */ let pending = null;
    for (let i = 0; i < names.length; i++) {
      const n = names[i];
      if (ids.has(n)) continue;
      pending ??= new Set();
      if (!pending.has(n)) { pending.add(n); (fresh ??= []).push(n); }
    }
    if (fresh === null) return;
    const size = this.#engine.internMany(kind, fresh.join('\0'));
    const list = this.#names[kind], index = this.#index[kind];
    for (const n of fresh) { ids.set(n, list.length); index[n] = list.length; list.push(n); }
    if (size !== list.length) this.#syncNames();
  }

  /**
   * Resolves the topic, creator (and context) names of normalized items or
   * events to ids in one pass, into scratch arrays reused between calls
   * (#topicIds, #creatorIds, #contextIds; -1 = no creator). New names are
   * interned with one crossing per table. Returns the topic and context counts.
   * @param {{topicNames: string[], creatorId: string|null, contextKeys?: string[]}[]} list
   */
  #resolve(list) {
    const n = list.length;
    let nt = 0, nc = 0;
    for (let i = 0; i < n; i++) {
      nt += list[i].topicNames.length;
      const keys = list[i].contextKeys;
      if (keys !== undefined) nc += keys.length;
    }
    const tIds = (this.#topicIds = grow(this.#topicIds, nt));
    const cIds = (this.#creatorIds = grow(this.#creatorIds, n));
    const xIds = (this.#contextIds = grow(this.#contextIds, nc));
    const topics = this.#ids[KIND.TOPIC], creators = this.#ids[KIND.CREATOR], contexts = this.#ids[KIND.CONTEXT];
    /** @type {string[]|null} */ let freshT = null;
    /** @type {string[]|null} */ let freshC = null;
    /** @type {string[]|null} */ let freshX = null;
    let t = 0, x = 0;
    for (let i = 0; i < n; i++) {
      const e = list[i];
      const names = e.topicNames;
      for (let k = 0; k < names.length; k++, t++) {
        const id = topics.get(names[k]);
        if (id === undefined) { (freshT ??= []).push(names[k]); tIds[t] = -2; } else tIds[t] = id;
      }
      const c = e.creatorId;
      if (c === null) cIds[i] = -1;
      else {
        const id = creators.get(c);
        if (id === undefined) { (freshC ??= []).push(c); cIds[i] = -2; } else cIds[i] = id;
      }
      const keys = e.contextKeys;
      if (keys !== undefined) {
        for (let k = 0; k < keys.length; k++, x++) {
          const id = contexts.get(keys[k]);
          if (id === undefined) { (freshX ??= []).push(keys[k]); xIds[x] = -2; } else xIds[x] = id;
        }
      }
    }
    // Rare after warm-up: intern the new names, then fill in their ids.
    if (freshT !== null || freshC !== null || freshX !== null) {
      if (freshT !== null) this.#intern(KIND.TOPIC, freshT);
      if (freshC !== null) this.#intern(KIND.CREATOR, freshC);
      if (freshX !== null) this.#intern(KIND.CONTEXT, freshX);
      t = 0; x = 0;
      for (let i = 0; i < n; i++) {
        const e = list[i];
        for (let k = 0; k < e.topicNames.length; k++, t++) if (tIds[t] === -2) tIds[t] = /** @type {number} */ (topics.get(e.topicNames[k]));
        if (cIds[i] === -2) cIds[i] = /** @type {number} */ (creators.get(/** @type {string} */ (e.creatorId)));
        const keys = e.contextKeys;
        if (keys !== undefined) for (let k = 0; k < keys.length; k++, x++) if (xIds[x] === -2) xIds[x] = /** @type {number} */ (contexts.get(keys[k]));
      }
    }
    return { nt, nc };
  }

  /** Points the cached heap views at `buffer` (the current wasm memory). */
  #heap(buffer) {
    if (buffer === this.#mem) return;
    this.#mem = buffer;
    this.#f64 = new Float64Array(buffer);
    this.#f32 = new Float32Array(buffer);
    this.#i32 = new Int32Array(buffer);
    this.#u32 = new Uint32Array(buffer);
  }

  /**
   * After a call into wasm: refreshes the heap views (memory may have grown)
   * and turns a directory's byte address into its Uint32 index.
   * @param {number} address
   */
  #enter(address) {
    this.#heap(this.#core.HEAPU8.buffer);
    return address >>> 2;
  }

  /** Throws the core's last error. @returns {never} */
  #throwLast() {
    throwIfFailed(this.#engine.lastStatus());
    throw new Error('localrank core reported a failure without a status');
  }

  /**
   * Drops names the profile no longer refers to once the tables have grown
   * past #compactAt; keeps wasm memory bounded over a long session. Not after
   * topicId()/creatorId() handed out ids (they are promised stable). Returns
   * the name tables as they were when it renumbered them, else null.
   * @returns {string[][]|null}
   */
  #compactNames() {
    if (this.#idsHandedOut) return null;
    // The mirror holds as many names as the core's tables (#intern and #syncNames keep them equal):
    // no call into the core on every record and rerank.
    const names = this.#names;
    if (names[0].length + names[1].length + names[2].length <= this.#compactAt) return null;
    const before = [...names];
    const compacted = this.#engine.compactNames();
    if (compacted) this.#syncNames();
    this.#compactAt = Math.max(MIN_NAMES_BEFORE_COMPACTION, 2 * this.#engine.nameCount());
    return compacted ? before : null;
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

  #idOf(kind, name) { return name === null ? -1 : /** @type {number} */ (this.#ids[kind].get(name)); }

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
    this.#compactNames();
    const { nt, nc } = this.#resolve(list);
    const n = list.length, dim = this.#dim;
    let withEmbedding = false;
    for (let i = 0; i < n; i++) if (list[i].embedding) withEmbedding = true;
    const embFloats = dim > 0 && withEmbedding ? n * dim : 0;
    // One call sizes every buffer; nothing may allocate in wasm until the writes are done.
    const d = this.#enter(this.#core._localrank_layout_events(this.#handle, n, nt, nc, embFloats));
    this.#writeEvents(list, d, nt, nc, embFloats);
    if (this.#core._localrank_record(this.#handle, now) !== 1) this.#throwLast();
    return n;
  }

  /**
   * Writes normalized events into the buffers of directory `d` (heap views current).
   * @param {import('./validate.js').NormalizedEvent[]} list @param {number} d
   * @param {number} nt @param {number} nc @param {number} embFloats
   */
  #writeEvents(list, d, nt, nc, embFloats) {
    const n = list.length, dim = this.#dim;
    const f64 = this.#f64, f32 = this.#f32, i32 = this.#i32, u32 = this.#u32;
    const type = u32[d + LAYOUT.E_TYPE] >>> 2, at = u32[d + LAYOUT.E_AT] >>> 3, key = u32[d + LAYOUT.E_KEY] >>> 3;
    const creator = u32[d + LAYOUT.E_CREATOR] >>> 2, dwell = u32[d + LAYOUT.E_DWELL] >>> 3, expected = u32[d + LAYOUT.E_EXPECTED] >>> 3;
    const tOff = u32[d + LAYOUT.E_TOPIC_OFFSETS] >>> 2, tW = u32[d + LAYOUT.E_TOPIC_WEIGHTS] >>> 2;
    const cOff = u32[d + LAYOUT.E_CONTEXT_OFFSETS] >>> 2, emb = u32[d + LAYOUT.E_EMBEDDINGS] >>> 2;
    copyInts(this.#topicIds, nt, i32, u32[d + LAYOUT.E_TOPIC_IDS] >>> 2);
    copyInts(this.#contextIds, nc, i32, u32[d + LAYOUT.E_CONTEXT_IDS] >>> 2);
    copyInts(this.#creatorIds, n, i32, creator);
    let t = 0, c = 0;
    i32[tOff] = 0;
    i32[cOff] = 0;
    for (let i = 0; i < n; i++) {
      const e = list[i];
      i32[type + i] = e.type; f64[at + i] = e.at; f64[key + i] = e.key; f64[dwell + i] = e.dwellMs; f64[expected + i] = e.expectedMs;
      const weights = e.topicWeights;
      for (let k = 0; k < weights.length; k++) f32[tW + t++] = weights[k];
      i32[tOff + i + 1] = t;
      c += e.contextKeys.length;
      i32[cOff + i + 1] = c;
      if (embFloats > 0) {
        if (e.embedding) f32.set(e.embedding, emb + i * dim);
        else f32.fill(0, emb + i * dim, emb + (i + 1) * dim);
      }
    }
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
    const o = this.#rerankOptions(options);
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
   * @param {{strength: number, diversity: number, exploration: number, calibration: boolean, context: string[]}} o  checked options
   */
  #rerankWith(s, items, o) {
    // Validates and packs the whole batch; nothing outside the scratch changes before it is all valid.
    readItems(items, this.#dim, s, this.#index[KIND.TOPIC], this.#index[KIND.CREATOR]);
    const now = this.#clock();
    const personal = this.#consent.personalization;
    const oldNames = this.#compactNames();
    if (oldNames !== null) this.#remapItems(s, oldNames);
    this.#internItems(s);
    this.#intern(KIND.CONTEXT, o.context);

    const n = s.n, nt = s.nt, dim = this.#dim;
    const embFloats = s.withEmbedding ? n * dim : 0;
    // One call sizes every buffer; nothing may allocate in wasm until the writes are done.
    const d = this.#enter(this.#core._localrank_layout_candidates(this.#handle, n, nt, embFloats, o.context.length));
    const f64 = this.#f64, f32 = this.#f32, i32 = this.#i32, u32 = this.#u32;
    f64.set(s.keys.subarray(0, n), u32[d + LAYOUT.C_KEY] >>> 3);
    f64.set(s.serverScore.subarray(0, n), u32[d + LAYOUT.C_SERVER] >>> 3);
    f64.set(s.publishedAt.subarray(0, n), u32[d + LAYOUT.C_PUBLISHED] >>> 3);
    i32.set(s.flags.subarray(0, n), u32[d + LAYOUT.C_FLAGS] >>> 2);
    i32.set(s.creators.subarray(0, n), u32[d + LAYOUT.C_CREATOR] >>> 2);
    i32.set(s.topicOffsets.subarray(0, n + 1), u32[d + LAYOUT.C_TOPIC_OFFSETS] >>> 2);
    i32.set(s.topicIds.subarray(0, nt), u32[d + LAYOUT.C_TOPIC_IDS] >>> 2);
    f32.set(s.topicWeights.subarray(0, nt), u32[d + LAYOUT.C_TOPIC_WEIGHTS] >>> 2);
    if (embFloats > 0) f32.set(s.embeddings.subarray(0, embFloats), u32[d + LAYOUT.C_EMBEDDINGS] >>> 2);
    this.#writeContext(u32[d + LAYOUT.C_CONTEXT] >>> 2, o.context);
    const r = this.#runRerank(now, o, personal);

    // Copy the results out of the heap once (explain() keeps them), then build the objects.
    const last = this.#copyResult(r, personal, allNumbers(s.serverScore, n));
    const out = Personalizer.#rankedItems(last, s.ids);
    this.#last = last;
    return out;
  }

  /**
   * The result objects of a rerank, from its copied-out result; sets
   * `last.ids` (ids by rank) for explain(). `reasons` are built when first read.
   * @param {any} last @param {string[]} byIndex  item ids by input index
   */
  static #rankedItems(last, byIndex) {
    const { order, score, propensity } = last;
    const count = order.length;
    const out = new Array(count);
    const ids = new Array(count);
    for (let rank = 0; rank < count; rank++) {
      const index = order[rank];
      const id = byIndex[index];
      ids[rank] = id;
      /** @type {Record<string, any>} */
      const entry = { id, score: score[rank], originalIndex: index };
      new RankedState(entry, last, rank);
      // Last (private fields are keys too): see settleReasons.
      Object.defineProperty(entry, 'reasons', LAZY_REASONS);
      const p = propensity[rank];
      if (p !== 1) entry.propensity = p;
      out[rank] = entry;
    }
    last.ids = ids;
    // console.log(result) in Node shows each item's reasons, not `[Getter/Setter]`.
    Object.defineProperty(out, INSPECT, { value: inspectResult, configurable: true, writable: true });
    return out;
  }

  /**
   * Interns the names readItems found new (one crossing per table) and fills
   * in their ids.
   * @param {ItemScratch} s
   */
  #internItems(s) {
    if (s.freshTopics.length > 0) {
      this.#intern(KIND.TOPIC, s.freshTopics);
      const ids = this.#ids[KIND.TOPIC], at = s.freshTopicAt, names = s.freshTopics, tIds = s.topicIds;
      for (let j = 0; j < at.length; j++) tIds[at[j]] = /** @type {number} */ (ids.get(names[j]));
    }
    if (s.freshCreators.length > 0) {
      this.#intern(KIND.CREATOR, s.freshCreators);
      const ids = this.#ids[KIND.CREATOR], at = s.freshCreatorAt, names = s.freshCreators, cIds = s.creators;
      for (let j = 0; j < at.length; j++) cIds[at[j]] = /** @type {number} */ (ids.get(names[j]));
    }
  }

  /**
   * After a compaction renumbered the name tables: maps the ids readItems
   * resolved against `oldNames` to the new ids; names the compaction dropped
   * become new names again.
   * @param {ItemScratch} s @param {string[][]} oldNames
   */
  #remapItems(s, oldNames) {
    /** @param {Int32Array} a @param {number} count @param {number} kind @param {string[]} fresh @param {number[]} freshAt */
    const remap = (a, count, kind, fresh, freshAt) => {
      const names = oldNames[kind], ids = this.#ids[kind];
      for (let k = 0; k < count; k++) {
        if (a[k] < 0) continue;
        const name = names[a[k]];
        const id = ids.get(name);
        if (id === undefined) { a[k] = FRESH; fresh.push(name); freshAt.push(k); } else a[k] = id;
      }
    };
    remap(s.topicIds, s.nt, KIND.TOPIC, s.freshTopics, s.freshTopicAt);
    remap(s.creators, s.n, KIND.CREATOR, s.freshCreators, s.freshCreatorAt);
  }

  /**
   * Copies the result of the last core rerank out of wasm memory (one slice
   * per array); the copy is what explain() reads later.
   * @param {number} r  result directory index @param {boolean} personal
   * @param {boolean} serverScored  every item had a serverScore
   */
  #copyResult(r, personal, serverScored) {
    const f64 = this.#f64, i32 = this.#i32, u32 = this.#u32;
    const count = u32[r + LAYOUT.R_COUNT], reasons = u32[r + LAYOUT.R_REASON_COUNT];
    const at = (entry, shift) => u32[r + entry] >>> shift;
    const order = at(LAYOUT.R_ORDER, 2), score = at(LAYOUT.R_SCORE, 3), propensity = at(LAYOUT.R_PROPENSITY, 3);
    const rOff = at(LAYOUT.R_REASON_OFFSETS, 2), rKind = at(LAYOUT.R_REASON_KIND, 2);
    const rLabel = at(LAYOUT.R_REASON_LABEL, 2), rValue = at(LAYOUT.R_REASON_VALUE, 3);
    return {
      /** @type {string[]|null} */ ids: null,
      order: i32.slice(order, order + count),
      score: f64.slice(score, score + count),
      propensity: f64.slice(propensity, propensity + count),
      rOff: i32.slice(rOff, rOff + count + 1),
      rKind: i32.slice(rKind, rKind + reasons),
      rLabel: i32.slice(rLabel, rLabel + reasons),
      rValue: f64.slice(rValue, rValue + reasons),
      personal,
      serverScored,
      // The tables its labels refer to (a later compaction replaces this.#names' arrays).
      names: [...this.#names],
    };
  }

  /** Throws the error of the first non-finite number of the packed embeddings copied into the core, if any. */
  #checkPackedEmbeddings(b, dim) {
    if (b.embeddings === null) return;
    const bad = this.#core._localrank_first_non_finite(this.#handle);
    if (bad >= 0) packedEmbeddingError(bad, dim);
  }

  /**
   * The last ranking of a packed rerank with ids, for explain(): shaped like
   * #copyResult's result, but its arrays are copied out of wasm memory only
   * when first read. The core keeps a result unchanged until the next
   * successful rerank, which replaces #last, so a later read still sees this
   * call's ranking. `ids` is the checked copy of the batch's ids.
   * @param {number} r  result directory index @param {boolean} personal @param {unknown[]} ids
   * @param {boolean} serverScored  every item had a serverScore
   */
  #packedLast(r, personal, ids, serverScored) {
    const u32 = this.#u32;
    const count = u32[r + LAYOUT.R_COUNT], total = u32[r + LAYOUT.R_REASON_COUNT];
    const at = (entry) => u32[r + entry];
    const addresses = [at(LAYOUT.R_ORDER), at(LAYOUT.R_SCORE), at(LAYOUT.R_PROPENSITY), at(LAYOUT.R_REASON_OFFSETS),
      at(LAYOUT.R_REASON_KIND), at(LAYOUT.R_REASON_LABEL), at(LAYOUT.R_REASON_VALUE)];
    /** @type {any} */
    let copied = null;
    const copy = () => {
      if (copied === null) {
        // Memory may have grown since: the addresses hold, the views are renewed.
        this.#heap(this.#core.HEAPU8.buffer);
        const i32 = this.#i32, f64 = this.#f64;
        const [order, score, propensity, rOff, rKind, rLabel, rValue] = addresses;
        const ints = (a, len) => i32.slice(a >>> 2, (a >>> 2) + len), doubles = (a, len) => f64.slice(a >>> 3, (a >>> 3) + len);
        copied = {
          order: ints(order, count), score: doubles(score, count), propensity: doubles(propensity, count),
          rOff: ints(rOff, count + 1), rKind: ints(rKind, total), rLabel: ints(rLabel, total), rValue: doubles(rValue, total),
        };
        const byRank = new Array(count);
        for (let rank = 0; rank < count; rank++) byRank[rank] = ids[copied.order[rank]];
        copied.ids = byRank;
      }
      return copied;
    };
    return new PackedLast(copy, personal, [...this.#names], serverScored);
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
    const last = this.#last;
    if (last === null) return null;
    const rank = last.ids.indexOf(itemId);
    if (rank < 0) return null;
    /** @type {{kind: string, label: string, contribution: number, creatorLabel: boolean, sub: number}[]} */
    const raw = [];
    for (let k = last.rOff[rank]; k < last.rOff[rank + 1]; k++) {
      const kind = REASON_KINDS[last.rKind[k]];
      const id = last.rLabel[k];
      raw.push({ kind, label: reasonLabel(kind, id, last.personal, last.names, last.serverScored), contribution: last.rValue[k],
        creatorLabel: id <= CREATOR_LABEL_BASE && kind !== 'diversity', sub: id });
    }
    const propensity = last.propensity[rank];
    const reasons = explainReasons(raw, propensity);
    /** @type {any} */
    const out = { id: itemId, rank, score: last.score[rank], summary: reasons.map((r) => r.text).join(' '), reasons };
    if (propensity !== 1) out.propensity = propensity;
    return out;
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
    const o = this.#rerankOptions(options);
    const dim = this.#dim;
    const topicNames = this.#names[KIND.TOPIC], creatorCount = this.#names[KIND.CREATOR].length;
    const b = checkPacked(batch, dim, topicNames, creatorCount, this.#packed);
    const now = this.#clock();
    const personal = this.#consent.personalization;
    // A new context name is interned before the core sees the batch: check all of it first then.
    const contextIds = this.#ids[KIND.CONTEXT];
    const fresh = o.context.some((key) => !contextIds.has(key));
    if (fresh) checkPackedItems(b, topicNames, creatorCount, this.#packed);
    const n = b.n, nt = b.topicIds.length;
    const d = this.#enter(this.#core._localrank_layout_candidates(this.#handle, n, nt, b.embeddings === null ? 0 : n * dim, o.context.length));
    const f64 = this.#f64, f32 = this.#f32, i32 = this.#i32, u32 = this.#u32;
    const context = u32[d + LAYOUT.C_CONTEXT] >>> 2;
    const key = u32[d + LAYOUT.C_KEY] >>> 3;
    f64.set(n === b.keys.length ? b.keys : b.keys.subarray(0, n), key);
    const server = u32[d + LAYOUT.C_SERVER] >>> 3, published = u32[d + LAYOUT.C_PUBLISHED] >>> 3;
    if (b.serverScore !== null) f64.set(b.serverScore, server); else f64.fill(NaN, server, server + n);
    if (b.publishedAt !== null) f64.set(b.publishedAt, published); else f64.fill(NaN, published, published + n);
    const creator = u32[d + LAYOUT.C_CREATOR] >>> 2, flags = u32[d + LAYOUT.C_FLAGS] >>> 2;
    if (b.creator !== null) i32.set(b.creator, creator); else i32.fill(-1, creator, creator + n);
    if (b.pinned !== null) {
      const pinned = b.pinned;
      for (let i = 0; i < n; i++) i32[flags + i] = pinned[i];
    } else {
      i32.fill(0, flags, flags + n);
    }
    i32.set(b.topicOffsets, u32[d + LAYOUT.C_TOPIC_OFFSETS] >>> 2);
    i32.set(b.topicIds, u32[d + LAYOUT.C_TOPIC_IDS] >>> 2);
    const tW = u32[d + LAYOUT.C_TOPIC_WEIGHTS] >>> 2;
    if (b.topicWeights !== null) f32.set(b.topicWeights, tW); else f32.fill(1, tW, tW + nt);
    if (b.embeddings !== null) f32.set(b.embeddings, u32[d + LAYOUT.C_EMBEDDINGS] >>> 2);
    if (fresh) {
      this.#checkPackedEmbeddings(b, dim);
      // Interning may grow memory, never move the buffers laid out above.
      this.#intern(KIND.CONTEXT, o.context);
      this.#heap(this.#core.HEAPU8.buffer);
    }
    this.#writeContext(context, o.context);
    // The core checks every value before it ranks: a refused batch is walked
    // again here to throw the error of its first bad entry.
    const r = this.#enter(this.#core._localrank_rerank_packed(this.#handle, now, personal ? o.strength : 0, o.diversity, o.exploration, o.calibration ? 1 : 0, o.topK));
    if (this.#u32[r + LAYOUT.R_OK] !== 1) {
      checkPackedItems(b, topicNames, creatorCount, this.#packed);
      this.#checkPackedEmbeddings(b, dim);
      this.#throwLast();
    }
    // One copy each, which the caller owns.
    const res = this.#u32, count = res[r + LAYOUT.R_COUNT];
    const order = res[r + LAYOUT.R_ORDER] >>> 2, score = res[r + LAYOUT.R_SCORE] >>> 3, propensity = res[r + LAYOUT.R_PROPENSITY] >>> 3;
    const out = {
      order: this.#i32.slice(order, order + count),
      score: this.#f64.slice(score, score + count),
      propensity: this.#f64.slice(propensity, propensity + count),
    };
    // explain() works after a packed rerank too when the batch named its items.
    this.#last = b.ids !== null
      ? this.#packedLast(r, personal, /** @type {unknown[]} */ (this.#packed.lastIds), b.serverScore !== null && allNumbers(b.serverScore, n)) : null;
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
    this.#idsHandedOut = true;
    const id = this.#ids[KIND.TOPIC].get(name);
    if (id !== undefined) return id;
    this.#intern(KIND.TOPIC, [name]);
    return /** @type {number} */ (this.#ids[KIND.TOPIC].get(name));
  }

  /**
   * The id of a creator for {@link rerankPacked} (interned on first use).
   * @param {string} name
   * @returns {number}
   */
  creatorId(name) {
    this.#alive();
    checkName(name, 'creatorId', -1, 'INVALID_ARGUMENT');
    this.#idsHandedOut = true;
    const id = this.#ids[KIND.CREATOR].get(name);
    if (id !== undefined) return id;
    this.#intern(KIND.CREATOR, [name]);
    return /** @type {number} */ (this.#ids[KIND.CREATOR].get(name));
  }

  /**
   * Validates rerank options (shared by rerank and rerankPacked).
   * @param {unknown} options
   */
  #rerankOptions(options) {
    if (options === null || typeof options !== 'object') throw new TypeError('rerank options must be an object');
    const opt = /** @type {Record<string, any>} */ (options);
    checkOptionKeys(opt, RERANK_OPTION_KEYS, 'options');
    const strength = unitOption('strength', opt.strength ?? 1);
    const diversity = unitOption('diversity', opt.diversity ?? 0.3);
    const exploration = unitOption('exploration', opt.exploration === true ? DEFAULT_EXPLORATION
      : opt.exploration === false || opt.exploration === undefined ? 0 : opt.exploration);
    if (opt.calibration !== undefined && typeof opt.calibration !== 'boolean') {
      throw new LocalrankError('INVALID_ARGUMENT', 'options.calibration must be a boolean', { field: 'options.calibration' });
    }
    const context = contextKeys(opt.context, 'options.context', -1, 'INVALID_ARGUMENT');
    const topK = topKOption(opt.topK);
    return { strength, diversity, exploration, calibration: opt.calibration === true, context, topK };
  }

  /** @param {number} at  int32 index of the context buffer @param {string[]} keys */
  #writeContext(at, keys) {
    const ids = this.#ids[KIND.CONTEXT], i32 = this.#i32;
    for (let k = 0; k < keys.length; k++) i32[at + k] = /** @type {number} */ (ids.get(keys[k]));
  }

  /**
   * Runs the core on the written batch; returns the result directory's Uint32 index, heap views current.
   * @param {number} now @param {{strength: number, diversity: number, exploration: number, calibration: boolean, topK: number}} o @param {boolean} personal
   */
  #runRerank(now, o, personal) {
    const r = this.#enter(this.#core._localrank_rerank(this.#handle, now, personal ? o.strength : 0, o.diversity, o.exploration, o.calibration ? 1 : 0, o.topK));
    if (this.#u32[r + LAYOUT.R_OK] !== 1) this.#throwLast();
    return r;
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
    if (adjustment === null || typeof adjustment !== 'object') throw new TypeError('adjust expects { topic | creatorId, preference }');
    checkOptionKeys(adjustment, ['topic', 'creatorId', 'preference'], 'adjust');
    const { topic, creatorId, preference } = /** @type {any} */ (adjustment);
    if ((topic === undefined) === (creatorId === undefined)) {
      throw new LocalrankError('INVALID_ARGUMENT', 'adjust needs exactly one of topic or creatorId', { field: 'adjust' });
    }
    const pref = PREFERENCES.indexOf(preference);
    if (pref < 0) {
      throw new LocalrankError('INVALID_ARGUMENT', `adjust.preference must be one of ${PREFERENCES.join(', ')}`, { field: 'adjust.preference' });
    }
    const kind = topic !== undefined ? KIND.TOPIC : KIND.CREATOR;
    const name = checkName(topic ?? creatorId, topic !== undefined ? 'adjust.topic' : 'adjust.creatorId', -1, 'INVALID_ARGUMENT');
    if (!this.#consent.personalization) return false;
    this.#compactNames();
    this.#intern(kind, [name]);
    throwIfFailed(this.#engine.adjust(kind, this.#idOf(kind, name), pref));
    this.#changed('adjust', 1, () => [copyData(adjustment)]);
    return true;
  }

  /**
   * A plain, human-readable view of what the profile holds.
   * @param {{top?: number}} [options]
   */
  profile(options = {}) {
    this.#alive();
    checkOptionKeys(options, ['top'], 'options');
    const top = options.top ?? 20;
    if (!Number.isInteger(top) || top < 0) throw new TypeError('options.top must be a non-negative integer');
    if (top > 2 ** 31 - 1) throw new RangeError('options.top must be at most 2^31 - 1');
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
    if (data === null || (typeof data !== 'string' && typeof data !== 'object')) {
      throw new TypeError('importProfile expects an exported profile object or its JSON text');
    }
    let text;
    try {
      text = typeof data === 'string' ? data : JSON.stringify(data);
    } catch (cause) {
      // Cyclic or too deeply nested for JSON.stringify.
      throw new LocalrankError('CORRUPT_PROFILE', `profile cannot be serialised: ${cause instanceof Error ? cause.message : String(cause)}`, { field: 'profile', cause });
    }
    if (typeof text !== 'string') throw new TypeError('importProfile expects an exported profile object or its JSON text');
    // Checked before the text is copied into wasm memory.
    if (utf8LengthExceeds(text, LIMITS.maxProfileBytes)) {
      throw new LocalrankError('LIMIT_EXCEEDED', `profile is larger than the limit of ${LIMITS.maxProfileBytes} bytes`, { field: 'profile' });
    }
    throwIfFailed(this.#engine.importProfile(text));
    this.#syncNames();
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
    const ms = this.#storage.timeoutMs;
    const ledger = this.#privacy && within(this.#privacy.ledger.writing, ms, () => new LocalrankError('STORAGE_FAILED', `saving the privacy ledger did not finish within ${ms} ms; it is retried`, { field: 'privacy-ledger' }));
    await Promise.all([this.#persist.flush(), ledger, this.#privacy?.memo?.written]);
  }

  /**
   * Releases the core. Every later call throws LocalrankError DISPOSED.
   * Changes not saved yet are dropped: `await p.flush()` first to keep them.
   */
  dispose() {
    if (this.#disposed) return;
    this.#persist.dispose();
    this.#disposed = true;
    this.#outbox?.abort();
    this.#schedule?.stop();
    this.#disposePrivacy();
    this.#engine.delete();
  }

  [Symbol.dispose]() { this.dispose(); }

  // ---- Privacy: consent, erasure, aggregate reports (docs/privacy.md) ----

  /** @type {any} */
  #privacy = null;

  /**
   * @internal Restores consent and the privacy ledger; sets up the report encoder.
   * @param {any} Module
   * @param {Record<string, any>} options
   * @param {boolean} storageFailed  loading the profile already reported a storage error
   * @param {(options: Record<string, any>) => Promise<any>} loadReport  the report module's loader
   */
  async _loadPrivacy(Module, options, storageFailed, loadReport) {
    const opts = privacyOptions(options.privacy);
    if (options.segments !== undefined && options.taxonomy === undefined) {
      throw new LocalrankError('INVALID_ARGUMENT', 'options.segments needs options.taxonomy', { field: 'options.taxonomy' });
    }
    const accountant = new AccountantCore(Module);
    /** @type {import('./report.js').ReportEncoder|null} */
    let encoder = null;
    /** The report path (report-path.js), loaded only when reports are configured. */
    let R = null;
    try {
      throwIfFailed(accountant.configure(opts.epsilonCap, opts.windowDays * MS_PER_DAY));
      // The pinned configuration (privacy.config) is the one to use when none is given at run time.
      const pinned = typeof opts.pin === 'object' && options.taxonomy === undefined ? opts.pin : null;
      if (pinned) opts.epsilonPerReport = pinned.epsilonPerReport ?? opts.epsilonPerReport;
      let mismatch = null;
      if (options.taxonomy !== undefined || pinned) {
        const path = await loadReportPath(loadReport, options);
        R = path.R;
        encoder = new R.ReportEncoder(path.Module, pinned ?? {
          taxonomy: options.taxonomy, segments: options.segments, sensitiveTopics: options.sensitiveTopics,
          epsilonPerReport: opts.epsilonPerReport, instantEpsilon: opts.instantEpsilon,
          mechanism: opts.mechanism, segmentThreshold: opts.segmentThreshold,
        }, pinned ? 'options.privacy.config.' : 'options.');
        mismatch = pinned ? null : configMismatch(R.ReportEncoder, path.Module, opts.pin, encoder.info.fingerprint);
      }
      const consent = new ConsentManager(this.#consent, this.#storage, {
        key: this.#key(CONSENT_KEY),
        now: () => this.#clock(),
        policyVersion: opts.policyVersion ?? DEFAULT_POLICY_VERSION,
        honorGpc: opts.honorGpc,
        gpc: opts.gpc,
        onWithdrawPersonalization: () => this.#eraseProfile(),
      });
      const memo = encoder && new R.ReportMemoStore(this.#storage, encoder, opts.random, (e) => this.#emit('error', e));
      if (mismatch) this.#emit('error', mismatch);
      // One storage problem is one error event: the profile load may have reported it already.
      let quiet = storageFailed;
      const report = (/** @type {LocalrankError} */ e) => {
        if (quiet && e.code === 'STORAGE_FAILED') return;
        quiet = true;
        this.#emit('error', e);
      };
      const memoryOk = options.privacy?.testOnlyMemoryLedger;
      if (memoryOk !== undefined && typeof memoryOk !== 'boolean') {
        throw new LocalrankError('INVALID_ARGUMENT', 'options.privacy.testOnlyMemoryLedger must be a boolean (tests only: reports over memory storage)', { field: 'options.privacy.testOnlyMemoryLedger' });
      }
      const memoError = await memo?.load();
      if (memoError) report(memoError);
      // After creation, a failed ledger write is an 'error' event like any other.
      const ledger = new Ledger(this.#storage, accountant, { epsilonCap: opts.epsilonCap, windowMs: opts.windowDays * MS_PER_DAY, memoryOk: memoryOk === true },
        () => this.#clock(), (e) => (this.#privacy ? this.#emit('error', e) : report(e)));
      await ledger.load(this.#key(OLD_LEDGER_NAME));
      // charges: report -> whether its spend is stored within the cap (sendAggregateReport waits for it).
      this.#privacy = { opts, accountant, encoder, R, consent, memo, mismatch, ledger, charges: new WeakMap() };
      const withdrawn = await consent.load(options.consent, report);
      if (this.#storage.shared) {
        // Another tab's withdrawal stops profiling here too, and empties this tab's profile.
        consent.listen(`localrank:${this.#namespace}:consent`, ({ withdrawn: gone }) => {
          if (this.#disposed) return;
          if (gone) this.#eraseProfile().catch(() => {});
          this.#stopSending();
          this.#emit('consent', consent.get());
        });
      }
      // The summary is built only when it is needed (it walks the whole profile).
      const held = withdrawn ? this.profile({ top: 1 }) : null;
      if (held && (held.totalEvents > 0 || held.topics.length > 0 || held.creators.length > 0)) {
        await this.#eraseProfile();
      }
    } catch (e) {
      this.#privacy?.consent.dispose();
      this.#privacy?.ledger.dispose();
      this.#privacy = null;
      accountant.delete();
      encoder?.dispose();
      this.#persist.dispose();  // creation failed: stop what _load() started
      throw e;
    }
  }

  #disposePrivacy() {
    if (!this.#privacy) return;
    this.#privacy.consent.dispose();
    this.#privacy.ledger.dispose();
    this.#privacy.accountant.delete();
    this.#privacy.encoder?.dispose();
  }

  /** Erases the profile in memory (at once) and in storage (consent withdrawn). */
  #eraseProfile() {
    return this.#persist.erase();
  }

  /**
   * Consent per purpose, opt-in: `get()` returns `{personalization,
   * aggregateMeasurement, updatedAt, policyVersion, gpc}`; `set(partial)`
   * applies at once and resolves when stored. Withdrawing personalization
   * erases the profile.
   */
  get consent() {
    const c = this.#privacy.consent;
    return {
      get: () => { this.#alive(); return c.get(); },
      /** @param {{personalization?: boolean, aggregateMeasurement?: boolean}} partial */
      set: async (partial) => { this.#alive(); const state = await c.set(partial); this.#stopSending(); return state; },
    };
  }

  /**
   * Erases everything this personalizer stored under its namespace (profile,
   * consent, and any other key an adapter with `keys()` lists) and resets
   * consent to nothing granted. The privacy ledger is kept: it holds only the
   * dates and epsilon of reports sent, nothing about behaviour, and erasing
   * it would buy more reports (docs/privacy.md, "Budget").
   */
  async forget() {
    this.#alive();
    this.#privacy.consent.reset();
    const erased = this.#persist.erase();
    await Promise.all([erased, this.#privacy.ledger.writing.catch(() => {})]);
    this.#outbox?.abort();
    this.#outbox?.clear();
    const keys = new Set([CONSENT_KEY, OLD_LEDGER_NAME, OUTBOX_KEY, SCHEDULE_KEY].map((k) => this.#key(k)));
    const prefix = this.#key('');
    for (const k of (await this.#storage.keys()) ?? []) if (k.startsWith(prefix)) keys.add(k);
    for (const k of keys) await this.#storage.delete(k);
  }

  /** Interest per taxonomy topic over the recent window (0 = none). */
  #reportInterest(now) {
    const pv = this.#privacy;
    const since = now - pv.opts.recentDays * MS_PER_DAY;
    const weights = new Map();
    for (const t of this.profile({ top: 100000 }).topics) if (t.lastAt >= since) weights.set(t.name, t.weight);
    return Float64Array.from(pv.encoder.taxonomy, (name) => Math.max(0, weights.get(name) ?? 0));
  }

  /**
   * A locally differentially private report of this person's top topic (or,
   * with segments, their segment) over the recent window, or `null` without
   * aggregateMeasurement consent or privacy budget. Charges the accountant;
   * the ledger is persisted before sendAggregateReport sends anything.
   * @returns {Record<string, any>|null}
   */
  buildAggregateReport() {
    this.#alive();
    const pv = this.#privacy;
    if (!pv.encoder) {
      throw new LocalrankError('INVALID_ARGUMENT', 'aggregate reports need options.taxonomy (shared with the server)', { field: 'options.taxonomy' });
    }
    if (pv.mismatch) throw configMismatchError(pv.mismatch);
    if (!pv.consent.get().aggregateMeasurement) return null;
    const now = this.#clock();
    const eps = pv.opts.epsilonPerReport;
    // The budget clock, not `now`, decides (wasm/src/ledger.js): a clock moved forward buys nothing.
    if (!pv.ledger.canSpend(eps)) return null;
    pv.memo.ensure();
    const interest = this.#reportInterest(now);
    const words = pv.R.randomWords(pv.encoder.info.wordsNeeded, pv.opts.random);
    const text = pv.encoder.encode(interest, pv.R.utcDay(now), words);
    words.fill(0);
    const report = JSON.parse(text);
    const charged = pv.ledger.charge(eps);
    charged.catch(() => {});
    pv.charges.set(report, charged);
    return report;
  }

  /** @type {import('./outbox.js').ReportOutbox|null} */
  #outbox = null;

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
  async sendAggregateReport(url, options) {
    this.#alive();
    const pv = this.#privacy;
    // Without a taxonomy the report path is loaded only here (a report kept from an earlier session may still leave).
    const R = pv.R ?? await reportPath();
    const o = R.deliveryOptions(options);
    this.#outbox ??= new R.ReportOutbox(this.#storage, this.#key(OUTBOX_KEY), () => this.#clock());
    const wanted = () => !this.#disposed && this.#privacy?.consent.get().aggregateMeasurement === true;
    let report = wanted() ? await this.#outbox.pending() : null;
    if (report === null) {
      if (!wanted()) await this.#outbox.drop();
      // Other tabs' spends first; the merged, stored ledger then decides whether this report may leave.
      await pv.ledger.persist(true);
      report = await this.#outbox.keep(() => this.buildAggregateReport(), o.token);
      if (report === null) return null;
      let counted = false;
      try {
        // The memo a report was drawn from is stored before the report leaves.
        [counted] = await Promise.all([pv.charges.get(report), pv.memo.written]);
      } finally {
        if (!counted) await this.#outbox.drop();
      }
      if (!counted) return null;
    }
    const status = await this.#outbox.deliver(url, o.retries, wanted, o.relay);
    return status === null ? null : { report, status };
  }

  /** A send in flight stops (aborted, its report dropped) once aggregateMeasurement is withdrawn. */
  #stopSending() {
    if (this.#privacy?.consent.get().aggregateMeasurement !== true) this.#outbox?.abort();
  }

  /** @type {{stop(): void}|null} */
  #schedule = null;

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
  async scheduleAggregateReports(url, options) {
    this.#alive();
    const { opts } = this.#privacy;
    const R = this.#privacy.R ?? await reportPath();
    R.deliveryOptions(options);
    this.#schedule?.stop();
    this.#schedule = await R.startSchedule({
      storage: this.#storage, key: this.#key(SCHEDULE_KEY), now: () => this.#clock(), auto: options?.auto !== false,
      slotMs: (opts.windowDays * MS_PER_DAY) / Math.max(1, Math.floor(opts.epsilonCap / opts.epsilonPerReport + 1e-9)),
      send: () => this.sendAggregateReport(url, options),
      onResult: (r) => this.#emit('report', r),
      onError: (e) => this.#emit('error', e),
    });
    return this.#schedule;
  }

  /**
   * The privacy budget: epsilon spent and remaining in the current window,
   * and when the next report fits (`null`: never with this configuration).
   */
  privacyBudget() {
    this.#alive();
    const { accountant, opts, ledger } = this.#privacy;
    const now = ledger.now();
    const next = ledger.usable ? accountant.nextAvailable(opts.epsilonPerReport, now) : Infinity;
    const remaining = ledger.usable ? accountant.remaining(now) : 0;
    return {
      epsilonPerReport: opts.epsilonPerReport,
      epsilonCap: opts.epsilonCap,
      windowDays: opts.windowDays,
      spent: accountant.spent(now),
      remaining,
      reportsLeft: Math.floor(remaining / opts.epsilonPerReport + 1e-9),
      nextReportAt: Number.isFinite(next) ? next : null,
    };
  }
}

/**
 * The CONFIG_MISMATCH error when the configuration in use is not the pinned
 * one (privacy.config: the configuration or its fingerprint), else null.
 * @param {typeof import('./report.js').ReportEncoder} ReportEncoder
 * @param {any} Module the report module @param {string|Record<string, any>|undefined} pin @param {string} fingerprint
 */
function configMismatch(ReportEncoder, Module, pin, fingerprint) {
  if (pin === undefined) return null;
  let pinned = pin;
  if (typeof pin === 'object') {
    const enc = new ReportEncoder(Module, pin, 'options.privacy.config.');
    pinned = enc.info.fingerprint;
    enc.dispose();
  }
  if (pinned === fingerprint) return null;
  return new LocalrankError('CONFIG_MISMATCH', `the report configuration (${fingerprint}) is not the one pinned in options.privacy.config (${pinned}): ` +
    'no report. Serve every device the pinned configuration, or pin the new one in your bundle', { field: 'options.privacy.config' });
}

/** A fresh copy of the mismatch error, for each refused call. @param {LocalrankError} e */
function configMismatchError(e) {
  return new LocalrankError(e.code, e.message, { field: e.field });
}
