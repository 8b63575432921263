// SPDX-License-Identifier: MIT
// The boundary: the only module that calls the core's plain exports
// (wasm/abi.h, bindings.cpp, bindings_accountant.cpp, bindings_encoder.cpp) or
// reads and writes wasm memory. Three small objects: the engine and the privacy
// accountant (every device module), the report encoder (the device module with
// reports, or the server module). Internal: the personalizer and the report
// encoder of the facade are the public API. Text crosses as UTF-8 through the
// module's text buffers; batches are written straight into the buffers a layout
// call returns; results are copied out; a failed call's status is read from its
// status directory.
import { LAYOUT } from './core-buffers.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** The status of a successful call. */
const OK = Object.freeze({ code: '', field: '', index: -1, message: '' });

/**
 * Writes `text` into the module's text input buffer, for the call that follows.
 * @param {any} M the loaded module @param {string} text
 */
function writeText(M, text) {
  const bytes = utf8Encoder.encode(text);
  const at = M._localrank_text_in(bytes.length);
  M.HEAPU8.set(bytes, at);
}

/**
 * A UTF-8 range of wasm memory as a string.
 * @param {any} M @param {number} at @param {number} size
 */
function decodeAt(M, at, size) {
  return size === 0 ? '' : utf8Decoder.decode(M.HEAPU8.subarray(at, at + size));
}

/** The text result of the call just made. @param {any} M */
function readText(M) {
  const d = M._localrank_text_out() >>> 2, u32 = M.HEAPU32;
  return decodeAt(M, u32[d], u32[d + 1]);
}

/**
 * A status directory (abi.h localrank_status) as {code, field, index, message}; code '' on success.
 * @param {any} M @param {number} address
 */
function readStatus(M, address) {
  const d = address >>> 2, u32 = M.HEAPU32;
  if (u32[d] === 1) return OK;
  return {
    code: decodeAt(M, u32[d + 2], u32[d + 3]),
    field: decodeAt(M, u32[d + 4], u32[d + 5]),
    index: M.HEAP32[d + 1],
    message: decodeAt(M, u32[d + 6], u32[d + 7]),
  };
}

/** The status of a call that returned `ok` (1 or 0). @param {any} M @param {number} ok */
function statusOf(M, ok) {
  return ok === 1 ? OK : readStatus(M, M._localrank_status());
}

/**
 * An object of the core, created and freed by a pair of plain exports; its
 * `handle` (the object's address) is the first argument of its other exports.
 */
class CoreObject {
  #free;
  /** @param {any} M the loaded module @param {string} create @param {string} free  export names */
  constructor(M, create, free) {
    /** The loaded module. @type {any} */
    this.M = M;
    /** @type {number} */
    this.handle = M[create]();
    this.#free = free;
  }

  /** Frees the object; later calls are the caller's bug (the facade checks first). */
  delete() {
    if (this.handle !== 0) this.M[this.#free](this.handle);
    this.handle = 0;
  }
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
 * The ranking a rerank left in wasm memory, copied out (one slice per array). Its reasons come in two
 * parts, as the core keeps them (RankResult in types.h): those scored for each item, by input index
 * (`item*`), and those the rerank stage added at each rank (`rank*`); ranked.js puts them together.
 * Offsets have an entry per item or rank plus one. Each reason is a 16-byte record (StoredReason),
 * read through two views of one copy: kind (low 16 bits) and label kind (high 16 bits) at int32 4k,
 * label id at 4k + 1 (`*Ints`), its contribution at float64 2k + 1 (`*Values`).
 * @typedef {{order: Int32Array, score: Float64Array, propensity: Float64Array,
 *   itemOff: Int32Array, itemInts: Int32Array, itemValues: Float64Array,
 *   rankOff: Int32Array, rankInts: Int32Array, rankValues: Float64Array}} RawResult
 */

/**
 * The engine (bindings.cpp EngineCore). The hot calls (record, rerank) ask
 * for a layout, write their batch straight into the buffers it returns (any
 * allocation may move memory: nothing may allocate in wasm until the writes
 * are done), call once and copy the results out.
 */
export class EngineCore extends CoreObject {
  // Views of wasm memory, rebuilt only when memory grew (the old buffer detaches).
  /** @type {ArrayBufferLike|null} */
  #mem = null;
  #f64 = new Float64Array(0);
  #f32 = new Float32Array(0);
  #i32 = new Int32Array(0);
  #u32 = new Uint32Array(0);
  /** Uint32 index of the last rerank's result directory. */
  #result = 0;

  /** @param {any} M the loaded device module */
  constructor(M) { super(M, '_localrank_engine_new', '_localrank_engine_delete'); }

  /** Points the cached heap views at the current wasm memory. */
  #heap() {
    const buffer = this.M.HEAPU8.buffer;
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
    this.#heap();
    return address >>> 2;
  }

  /** The profile JSON schema and binary snapshot versions this build writes. */
  versions() { return { profile: this.M._localrank_profile_version(), snapshot: this.M._localrank_snapshot_version() }; }

  /** The profile as the core's binary snapshot, copied out of wasm memory. @returns {Uint8Array} */
  exportSnapshot() {
    const d = this.#enter(this.M._localrank_export_snapshot(this.handle));
    const at = this.#u32[d], size = this.#u32[d + 1];
    return this.M.HEAPU8.slice(at, at + size);
  }

  /** Replaces the profile with a snapshot; false when refused (lastStatus()). @param {Uint8Array} bytes */
  importSnapshot(bytes) {
    const at = this.M._localrank_snapshot_buffer(this.handle, bytes.length);
    this.M.HEAPU8.set(bytes, at);
    return this.M._localrank_import_snapshot(this.handle) === 1;
  }

  /**
   * Records normalized events whose names are resolved to ids; false when the
   * core refused them (lastStatus()).
   * @param {import('./validate.js').NormalizedEvent[]} list
   * @param {{topicIds: Int32Array, creatorIds: Int32Array, contextIds: Int32Array, nt: number, nc: number}} ids
   * @param {number} dim @param {number} now
   */
  record(list, ids, dim, now) {
    const n = list.length, nt = ids.nt, nc = ids.nc;
    let withEmbedding = false;
    for (let i = 0; i < n; i++) if (list[i].embedding) withEmbedding = true;
    const embFloats = dim > 0 && withEmbedding ? n * dim : 0;
    const d = this.#enter(this.M._localrank_layout_events(this.handle, n, nt, nc, embFloats));
    this.#writeEvents(list, d, ids, dim, embFloats);
    return this.M._localrank_record(this.handle, now) === 1;
  }

  /**
   * Writes normalized events into the buffers of directory `d` (heap views current).
   * @param {import('./validate.js').NormalizedEvent[]} list @param {number} d
   * @param {{topicIds: Int32Array, creatorIds: Int32Array, contextIds: Int32Array, nt: number, nc: number}} ids
   * @param {number} dim @param {number} embFloats
   */
  #writeEvents(list, d, ids, dim, embFloats) {
    const n = list.length;
    const f64 = this.#f64, f32 = this.#f32, i32 = this.#i32, u32 = this.#u32;
    const type = u32[d + LAYOUT.E_TYPE] >>> 2, at = u32[d + LAYOUT.E_AT] >>> 3, key = u32[d + LAYOUT.E_KEY] >>> 3;
    const creator = u32[d + LAYOUT.E_CREATOR] >>> 2, dwell = u32[d + LAYOUT.E_DWELL] >>> 3, expected = u32[d + LAYOUT.E_EXPECTED] >>> 3;
    const tOff = u32[d + LAYOUT.E_TOPIC_OFFSETS] >>> 2, tW = u32[d + LAYOUT.E_TOPIC_WEIGHTS] >>> 2;
    const cOff = u32[d + LAYOUT.E_CONTEXT_OFFSETS] >>> 2, emb = u32[d + LAYOUT.E_EMBEDDINGS] >>> 2;
    copyInts(ids.topicIds, ids.nt, i32, u32[d + LAYOUT.E_TOPIC_IDS] >>> 2);
    copyInts(ids.contextIds, ids.nc, i32, u32[d + LAYOUT.E_CONTEXT_IDS] >>> 2);
    copyInts(ids.creatorIds, n, i32, creator);
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
   * Writes a checked rerank batch (items.js ItemScratch, every name resolved)
   * and the context ids into the core's candidate buffers.
   * @param {import('./items.js').ItemScratch} s @param {number} dim @param {ArrayLike<number>} contextIds
   */
  writeItems(s, dim, contextIds) {
    const n = s.n, nt = s.nt;
    const embFloats = s.withEmbedding ? n * dim : 0;
    const d = this.#enter(this.M._localrank_layout_candidates(this.handle, n, nt, embFloats, contextIds.length));
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
    this.writeContext(u32[d + LAYOUT.C_CONTEXT] >>> 2, contextIds);
  }

  /**
   * Writes a packed batch (packed.js checkPacked's result) into the core's
   * candidate buffers, all but the context; returns where the context ids go
   * (for writeContext, which may follow an allocation: interning never moves
   * the buffers laid out here).
   * @param {any} b @param {number} dim @param {number} contextCount
   */
  writePacked(b, dim, contextCount) {
    const n = b.n, nt = b.topicIds.length;
    const d = this.#enter(this.M._localrank_layout_candidates(this.handle, n, nt, b.embeddings === null ? 0 : n * dim, contextCount));
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
    return context;
  }

  /** @param {number} at  int32 index of the context buffer @param {ArrayLike<number>} ids */
  writeContext(at, ids) {
    this.#heap();
    const i32 = this.#i32;
    for (let k = 0; k < ids.length; k++) i32[at + k] = ids[k];
  }

  /** Index of the first non-finite number of the packed embeddings written, or -1. @returns {number} */
  firstNonFinite() { return this.M._localrank_first_non_finite(this.handle); }

  /**
   * Ranks the written batch (packed: as writePacked laid it out, which the
   * core checks first); false when refused (lastStatus()).
   * @param {boolean} packed @param {number} now @param {number} strength
   * @param {{diversity: number, exploration: number, calibration: boolean, topK: number}} o
   */
  rerank(packed, now, strength, o) {
    const M = this.M, calibration = o.calibration ? 1 : 0;
    const r = this.#enter(packed ? M._localrank_rerank_packed(this.handle, now, strength, o.diversity, o.exploration, calibration, o.topK)
      : M._localrank_rerank(this.handle, now, strength, o.diversity, o.exploration, calibration, o.topK));
    this.#result = r;
    return this.#u32[r + LAYOUT.R_OK] === 1;
  }

  /** An entry of the last rerank's result directory. @param {number} entry */
  #at(entry) { return this.#u32[this.#result + entry]; }
  /** A copy of `n` int32 at byte address `a`. @param {number} a @param {number} n */
  #ints(a, n) { return this.#i32.slice(a >>> 2, (a >>> 2) + n); }
  /** A copy of `n` float64 at byte address `a`. @param {number} a @param {number} n */
  #doubles(a, n) { return this.#f64.slice(a >>> 3, (a >>> 3) + n); }
  /** A copy of `n` 16-byte reason records at byte address `a` (8-aligned). @param {number} a @param {number} n */
  #records(a, n) { return this.#f64.slice(a >>> 3, (a >>> 3) + 2 * n).buffer; }

  /** The order, scores and propensities of the last successful rerank (copies the caller owns). */
  rankedOrder() {
    const count = this.#at(LAYOUT.R_COUNT);
    return {
      order: this.#ints(this.#at(LAYOUT.R_ORDER), count),
      score: this.#doubles(this.#at(LAYOUT.R_SCORE), count),
      propensity: this.#doubles(this.#at(LAYOUT.R_PROPENSITY), count),
    };
  }

  /**
   * A function that copies the whole result of the last successful rerank,
   * reasons included, out of wasm memory when called: at once, or later, as
   * the core keeps a result unchanged until the next successful rerank.
   * @returns {() => RawResult}
   */
  resultCopier() {
    const count = this.#at(LAYOUT.R_COUNT);
    const itemTotal = this.#at(LAYOUT.R_ITEM_REASON_COUNT), rankTotal = this.#at(LAYOUT.R_RANK_REASON_COUNT);
    const [order, score, propensity, itemOff, itemReasons, rankOff, rankReasons] = [LAYOUT.R_ORDER, LAYOUT.R_SCORE,
      LAYOUT.R_PROPENSITY, LAYOUT.R_ITEM_REASON_OFFSETS, LAYOUT.R_ITEM_REASONS, LAYOUT.R_RANK_REASON_OFFSETS,
      LAYOUT.R_RANK_REASONS].map((e) => this.#at(e));
    return () => {
      // Memory may have grown since: the addresses hold, the views are renewed.
      this.#heap();
      const items = this.#records(itemReasons, itemTotal), ranks = this.#records(rankReasons, rankTotal);
      return {
        order: this.#ints(order, count), score: this.#doubles(score, count), propensity: this.#doubles(propensity, count),
        itemOff: this.#ints(itemOff, count + 1), itemInts: new Int32Array(items), itemValues: new Float64Array(items),
        rankOff: this.#ints(rankOff, count + 1), rankInts: new Int32Array(ranks), rankValues: new Float64Array(ranks),
      };
    };
  }

  /** @param {string} json */
  configure(json) {
    writeText(this.M, json);
    return statusOf(this.M, this.M._localrank_configure(this.handle));
  }

  /** Interns names joined by '\0'; returns the table's size afterwards. @param {number} kind @param {string} joined */
  internMany(kind, joined) {
    writeText(this.M, joined);
    return this.M._localrank_intern_many(this.handle, kind);
  }

  /** The names of a table joined by '\0'. @param {number} kind */
  names(kind) {
    this.M._localrank_names(this.handle, kind);
    return readText(this.M);
  }

  /** Why the last rerank, record or snapshot import failed. */
  lastStatus() { return readStatus(this.M, this.M._localrank_last_status(this.handle)); }

  /** @param {number} kind @param {number} id @param {number} preference */
  adjust(kind, id, preference) {
    return statusOf(this.M, this.M._localrank_adjust(this.handle, kind, id, preference));
  }

  /** The profile JSON. @param {number} now */
  exportProfile(now) {
    this.M._localrank_export_profile(this.handle, now);
    return readText(this.M);
  }

  /** @param {string} json */
  importProfile(json) {
    writeText(this.M, json);
    return statusOf(this.M, this.M._localrank_import_profile(this.handle));
  }

  /** The summary JSON. @param {number} now @param {number} top */
  summary(now, top) {
    this.M._localrank_summary(this.handle, now, top);
    return readText(this.M);
  }

  resetProfile() { this.M._localrank_reset_profile(this.handle); }
  /** @returns {number} */
  nameCount() { return this.M._localrank_name_count(this.handle); }
  /** @returns {boolean} */
  compactNames() { return this.M._localrank_compact_names(this.handle) === 1; }
  /** The module's wasm memory, in bytes. @returns {number} */
  memoryBytes() { return this.M._localrank_memory_bytes(); }
  /** The bytes the module's allocator has handed out. @returns {number} */
  heapUsedBytes() { return this.M._localrank_heap_used_bytes(); }
}

/** The report encoder (bindings_encoder.cpp ReportEncoderCore). */
export class ReportEncoderCore extends CoreObject {
  /** @param {any} M a loaded module (the device module with reports, or the server module) */
  constructor(M) { super(M, '_localrank_encoder_new', '_localrank_encoder_delete'); }

  /** value: the configuration summary JSON. @param {string} json */
  configure(json) {
    writeText(this.M, json);
    return this.#withText(this.M._localrank_encoder_configure(this.handle));
  }

  /** Sets the random words the next encode() or drawMemo() uses. @param {Uint32Array} words */
  setRandom(words) {
    const at = this.M._localrank_encoder_random(this.handle, words.length);
    new Uint32Array(this.M.HEAPU8.buffer, at, words.length).set(words);
  }

  /** Sets the interest vector (n topics) from `interest`. @param {number} n @param {ArrayLike<number>} interest */
  setInterest(n, interest) {
    const at = this.M._localrank_encoder_interest(this.handle, n);
    new Float64Array(this.M.HEAPU8.buffer, at, n).set(interest);
  }

  /** @returns {number} */
  topTopic() { return this.M._localrank_encoder_top_topic(this.handle); }
  /** @returns {number} */
  matchSegment() { return this.M._localrank_encoder_match_segment(this.handle); }

  /**
   * value: the report, from the memo (device) or with a fresh permanent answer (simulations).
   * @param {string} day @param {boolean} [fresh]
   */
  encode(day, fresh = false) {
    writeText(this.M, day);
    return this.#withText(this.M._localrank_encoder_encode(this.handle, fresh ? 1 : 0));
  }

  /** Draws the memo from the random view (memoWordsNeeded words). */
  drawMemo() { return statusOf(this.M, this.M._localrank_encoder_draw_memo(this.handle)); }

  /** @returns {boolean} */
  hasMemo() { return this.M._localrank_encoder_has_memo(this.handle) === 1; }

  /** A status with the call's text result as `value` ('' on failure). @param {number} ok */
  #withText(ok) {
    return ok === 1 ? { ...OK, value: readText(this.M) } : { ...statusOf(this.M, ok), value: '' };
  }
}

/** The privacy accountant (core PrivacyAccountant). */
export class AccountantCore extends CoreObject {
  /** @param {any} M the loaded device module */
  constructor(M) { super(M, '_localrank_accountant_new', '_localrank_accountant_delete'); }

  /** @param {number} cap @param {number} windowMs */
  configure(cap, windowMs) { return statusOf(this.M, this.M._localrank_accountant_configure(this.handle, cap, windowMs)); }
  /** @param {number} now @returns {number} */
  spent(now) { return this.M._localrank_accountant_spent(this.handle, now); }
  /** @param {number} now @returns {number} */
  remaining(now) { return this.M._localrank_accountant_remaining(this.handle, now); }
  /** @param {number} epsilon @param {number} now */
  canSpend(epsilon, now) { return this.M._localrank_accountant_can_spend(this.handle, epsilon, now) === 1; }
  /** @param {number} epsilon @param {number} now @returns {number} */
  nextAvailable(epsilon, now) { return this.M._localrank_accountant_next_available(this.handle, epsilon, now); }
  /** @param {number} epsilon @param {number} now */
  charge(epsilon, now) { return statusOf(this.M, this.M._localrank_accountant_charge(this.handle, epsilon, now)); }
  /** The ledger JSON. @param {number} now */
  toJson(now) {
    this.M._localrank_accountant_to_json(this.handle, now);
    return readText(this.M);
  }

  /** @param {string} text */
  fromJson(text) {
    writeText(this.M, text);
    return statusOf(this.M, this.M._localrank_accountant_from_json(this.handle));
  }

  clear() { this.M._localrank_accountant_clear(this.handle); }
}
