// SPDX-License-Identifier: MIT
// The core's plain exports (wasm/abi.h, bindings.cpp, bindings_accountant.cpp,
// bindings_encoder.cpp) as three small objects: the engine and the privacy
// accountant (device module), the report encoder (report or server module).
// Internal: the personalizer and the report encoder of the facade are the
// public API. Text crosses as UTF-8 through the module's text
// buffers; a failed call's status is read from its status directory.

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

/** The engine (bindings.cpp EngineCore). */
export class EngineCore extends CoreObject {
  /** @param {any} M the loaded device module */
  constructor(M) { super(M, '_localrank_engine_new', '_localrank_engine_delete'); }

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
  /** @param {any} M a loaded module (report or server) */
  constructor(M) { super(M, '_localrank_encoder_new', '_localrank_encoder_delete'); }

  /** value: the configuration summary JSON. @param {string} json */
  configure(json) {
    writeText(this.M, json);
    return this.#withText(this.M._localrank_encoder_configure(this.handle));
  }

  /** A view of the random words the next encode() uses; write it at once. @param {number} n */
  randomView(n) {
    const at = this.M._localrank_encoder_random(this.handle, n);
    return new Uint32Array(this.M.HEAPU8.buffer, at, n);
  }

  /** A view of the interest vector; write it at once. @param {number} n */
  interestView(n) {
    const at = this.M._localrank_encoder_interest(this.handle, n);
    return new Float64Array(this.M.HEAPU8.buffer, at, n);
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
