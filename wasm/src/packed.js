// SPDX-License-Identifier: MIT
// Validation of the packed (typed-array) rerank input. Same rules, error codes
// and fields as the object API (validate.js), and a rejected call changes
// nothing. The shape and the ids are checked here; the per-item values are
// checked by the core (compiled loops, SIMD for embeddings) before it ranks
// anything, and only a batch it rejects is walked again here, item by item,
// to name the first bad entry exactly as before.
import { LocalrankError } from './errors.js';
import { LIMITS } from './core-buffers.js';
import { hashId } from './hash.js';
import { failOldTime } from './validate.js';

/** Item keys remembered by id between calls, up to this many ids. */
const KEY_CACHE_LIMIT = 4 * LIMITS.maxItemsPerCall;

/**
 * @param {string} code @param {string} field @param {number} index @param {string} what
 * @returns {never}
 */
function fail(code, field, index, what) {
  throw new LocalrankError(code, `${field} ${what}`, { field, index });
}

/**
 * @param {unknown} v @param {Function} Ctor @param {string} field @param {boolean} required
 */
function checkType(v, Ctor, field, required) {
  if (v === undefined || v === null) {
    if (required) throw new TypeError(`packed.${field} is required (${Ctor.name})`);
    return null;
  }
  if (!(v instanceof Ctor)) throw new TypeError(`packed.${field} must be a ${Ctor.name}`);
  return v;
}

/** @param {ArrayLike<unknown>|null} v @param {string} field @param {number} want */
function checkLength(v, field, want) {
  if (v !== null && v.length !== want) {
    fail('INVALID_ARGUMENT', field, -1, `has ${v.length} entries, expected ${want} (one per item: topicOffsets.length - 1)`);
  }
}

/**
 * Reusable per-personalizer state of the packed path, grown geometrically:
 * the hashed keys, a topic stamp table for repeated topics (slow path), an
 * open-addressing table over the keys for repeated ids, and the keys of ids
 * seen in earlier calls (hashing an id costs more than looking it up).
 */
export class PackedScratch {
  keys = new Float64Array(0);
  stamp = new Int32Array(0);
  generation = 0;
  /** Key table: item index per slot, valid where slotStamp equals slotGeneration. */
  slots = new Int32Array(0);
  slotStamp = new Int32Array(0);
  slotGeneration = 0;
  /** @type {Map<string, number>} */
  keyCache = new Map();
  /** The last ids that passed every check (a copy), and their keys. @type {unknown[]|null} */
  lastIds = null;
  idKeys = new Float64Array(0);

  /** @param {number} n */
  keysFor(n) {
    if (this.keys.length < n) this.keys = new Float64Array(Math.max(n, this.keys.length * 2, 64));
    return this.keys;
  }

  /**
   * A stamp table where generations generation+1 .. generation+n are unused.
   * @param {number} topicCount @param {number} n
   */
  stampsFor(topicCount, n) {
    if (this.stamp.length < topicCount) {
      this.stamp = new Int32Array(Math.max(topicCount, this.stamp.length * 2, 64));
      this.generation = 0;
    }
    if (this.generation + n + 1 >= 0x7fffffff) { this.stamp.fill(0); this.generation = 0; }
    return this.stamp;
  }

  /**
   * A fresh key table with at least 2n slots (a power of two); returns its
   * generation (slots of other generations are empty).
   * @param {number} n
   */
  slotsFor(n) {
    let size = 64;
    while (size < 2 * n) size *= 2;
    if (this.slots.length < size) {
      this.slots = new Int32Array(size);
      this.slotStamp = new Int32Array(size);
      this.slotGeneration = 0;
    }
    if (++this.slotGeneration >= 0x7fffffff) { this.slotStamp.fill(0); this.slotGeneration = 1; }
    return this.slotGeneration;
  }

  /**
   * True when `ids` holds, entry by entry, the last ids that passed every
   * check: they are valid and unique, and idKeys holds their keys.
   * @param {unknown[]} ids
   */
  sameIds(ids) {
    const last = this.lastIds;
    if (last === null || last.length !== ids.length) return false;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== last[i]) return false;
    return true;
  }

  /** Key buffer for n new ids (forgets the last ids: their keys are overwritten). @param {number} n */
  idKeysFor(n) {
    this.lastIds = null;
    if (this.idKeys.length < n) this.idKeys = new Float64Array(Math.max(n, this.idKeys.length * 2, 64));
    return this.idKeys;
  }

  /** @param {string} id */
  keyOf(id) {
    let key = this.keyCache.get(id);
    if (key === undefined) {
      if (this.keyCache.size >= KEY_CACHE_LIMIT) this.keyCache.clear();
      key = hashId(id);
      this.keyCache.set(id, key);
    }
    return key;
  }
}

/**
 * @typedef {object} PackedInput
 * @property {number} n
 * @property {string[]|null} ids
 * @property {Float64Array} keys  item keys (hashId of ids, or -(i+1) without ids); first n entries
 * @property {Float64Array|null} serverScore
 * @property {Float64Array|null} publishedAt
 * @property {Int32Array|null} creator
 * @property {Int32Array} topicOffsets
 * @property {Int32Array} topicIds
 * @property {Float32Array|null} topicWeights
 * @property {Float32Array|null} embeddings
 * @property {Uint8Array|null} pinned
 */

/**
 * Checks the shape of a packed batch (array types and lengths, offsets from 0
 * to topicIds.length, `dim`) and its ids, and returns it with the item keys.
 * The per-item values (topics, weights, scores, creators, pinned,
 * embeddings) are checked by the core, which rejects the batch before it
 * ranks anything; then checkPackedItems() (and packedEmbeddingError) name the
 * first bad entry with the same error as the object API.
 * @param {unknown} batch
 * @param {number} dim
 * @param {string[]} topicNames  the topic table (ids are indexes)
 * @param {number} creatorCount
 * @param {PackedScratch} scratch
 * @returns {PackedInput}
 */
export function checkPacked(batch, dim, topicNames, creatorCount, scratch) {
  if (batch === null || typeof batch !== 'object' || Array.isArray(batch)) {
    throw new TypeError('rerankPacked expects { topicOffsets, topicIds, ... } of typed arrays');
  }
  const b = /** @type {Record<string, unknown>} */ (batch);
  const topicOffsets = /** @type {Int32Array} */ (checkType(b.topicOffsets, Int32Array, 'topicOffsets', true));
  const topicIds = /** @type {Int32Array} */ (checkType(b.topicIds, Int32Array, 'topicIds', true));
  const topicWeights = /** @type {Float32Array|null} */ (checkType(b.topicWeights, Float32Array, 'topicWeights', false));
  const serverScore = /** @type {Float64Array|null} */ (checkType(b.serverScore, Float64Array, 'serverScore', false));
  const publishedAt = /** @type {Float64Array|null} */ (checkType(b.publishedAt, Float64Array, 'publishedAt', false));
  const creator = /** @type {Int32Array|null} */ (checkType(b.creator, Int32Array, 'creator', false));
  const embeddings = /** @type {Float32Array|null} */ (checkType(b.embeddings, Float32Array, 'embeddings', false));
  const pinned = /** @type {Uint8Array|null} */ (checkType(b.pinned, Uint8Array, 'pinned', false));
  const ids = b.ids === undefined || b.ids === null ? null : b.ids;
  if (ids !== null && !Array.isArray(ids)) throw new TypeError('packed.ids must be an array of strings');

  if (topicOffsets.length < 1) fail('INVALID_ARGUMENT', 'topicOffsets', -1, 'must hold n + 1 entries (at least [0])');
  const n = topicOffsets.length - 1;
  if (n > LIMITS.maxItemsPerCall) {
    throw new LocalrankError('LIMIT_EXCEEDED', `items: ${n} items exceed the limit of ${LIMITS.maxItemsPerCall} per call`, { field: 'items' });
  }
  checkLength(/** @type {unknown[]|null} */ (ids), 'ids', n);
  checkLength(serverScore, 'serverScore', n);
  checkLength(publishedAt, 'publishedAt', n);
  checkLength(creator, 'creator', n);
  checkLength(pinned, 'pinned', n);
  if (publishedAt !== null) {
    // A time in seconds (before 2001 as ms); NaN (none) and -Infinity are left to the checks below.
    for (let i = 0; i < n; i++) {
      const v = publishedAt[i];
      if (v < 978307200000 && v !== -Infinity) failOldTime(v, `items[${i}].publishedAt`, i, 'INVALID_ITEM');
    }
  }
  if (topicOffsets[0] !== 0) fail('INVALID_ARGUMENT', 'topicOffsets', 0, 'must start at 0');
  if (topicOffsets[n] !== topicIds.length) {
    fail('INVALID_ARGUMENT', 'topicOffsets', n, `must end at topicIds.length = ${topicIds.length}`);
  }
  if (topicWeights !== null && topicWeights.length !== topicIds.length) {
    fail('INVALID_ARGUMENT', 'topicWeights', -1, `has ${topicWeights.length} entries, expected topicIds.length = ${topicIds.length}`);
  }
  if (embeddings !== null) {
    if (dim === 0) fail('DIMENSION_MISMATCH', 'embeddings', -1, 'given but the personalizer was created without `dim`');
    if (embeddings.length !== n * dim) {
      fail('DIMENSION_MISMATCH', 'embeddings', -1, `has ${embeddings.length} numbers, expected n * dim = ${n * dim}`);
    }
  }
  /** @type {PackedInput} */
  const input = { n, ids: /** @type {string[]|null} */ (ids), keys: scratch.keys, serverScore, publishedAt, creator, topicOffsets, topicIds, topicWeights, embeddings, pinned };
  if (ids === null) {
    // Never equal to a hashId (those are >= 0): items without ids have no identity.
    const keys = scratch.keysFor(n);
    for (let i = 0; i < n; i++) keys[i] = -(i + 1);
    input.keys = keys;
  } else if (scratch.sameIds(ids)) {
    // A feed reranked again with the same ids: valid and unique, keys known.
    input.keys = scratch.idKeys;
  } else {
    input.keys = scratch.idKeysFor(n);
    // A bad id: the first bad entry of any kind is the error (item order, as the object API).
    if (!idKeys(ids, n, input.keys, scratch)) {
      checkPackedItems(input, topicNames, creatorCount, scratch);
      throw new Error('localrank: the id checks of rerankPacked disagree');
    }
    scratch.lastIds = ids.slice(0, n);
  }
  return input;
}

/**
 * Keys of `ids` into `keys`; false when an id is not a string of 1..256
 * characters or repeats an earlier one.
 * @param {unknown[]} ids @param {number} n @param {Float64Array} keys @param {PackedScratch} scratch
 */
function idKeys(ids, n, keys, scratch) {
  // Repeated ids: equal ids have equal keys, so only items whose keys meet in the table are compared.
  const generation = scratch.slotsFor(n);
  const slots = scratch.slots, slotStamp = scratch.slotStamp, mask = slots.length - 1;
  const shift = 32 - Math.log2(slots.length);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.maxIdLength) return false;
    const key = scratch.keyOf(id);
    keys[i] = key;
    // Keys are integers below 2^53: mix their two 32-bit halves.
    let h = Math.imul((key >>> 0) ^ ((key / 4294967296) >>> 0), 0x9e3779b1) >>> shift;
    while (slotStamp[h] === generation) {
      const before = slots[h];
      if (keys[before] === key && ids[before] === id) return false;
      h = (h + 1) & mask;
    }
    slotStamp[h] = generation;
    slots[h] = i;
  }
  return true;
}

/**
 * Throws the error of the first bad entry of a packed batch, item by item
 * (id, topics, serverScore, publishedAt, creator, pinned), with the codes and
 * fields of the object API; returns when every entry is valid. Embeddings:
 * packedEmbeddingError. The slow path, for batches found bad.
 * @param {PackedInput} b @param {string[]} topicNames @param {number} creatorCount @param {PackedScratch} scratch
 */
export function checkPackedItems(b, topicNames, creatorCount, scratch) {
  const { n, ids, serverScore, publishedAt, creator, topicOffsets, topicIds, topicWeights, pinned } = b;
  const stamp = scratch.stampsFor(topicNames.length, n);
  // Reserve the generations first, so stamps of a call that fails part-way never match later ones.
  const base = scratch.generation;
  scratch.generation += n;
  /** @type {Map<string, number>} */
  const seen = new Map();
  const topicCount = topicNames.length;
  for (let i = 0; i < n; i++) {
    if (ids !== null) {
      const id = ids[i];
      if (typeof id !== 'string' || id.length === 0) fail('INVALID_ITEM', `items[${i}].id`, i, 'must be a non-empty string');
      if (id.length > LIMITS.maxIdLength) fail('LIMIT_EXCEEDED', `items[${i}].id`, i, `is longer than ${LIMITS.maxIdLength} characters`);
      const before = seen.get(id);
      if (before !== undefined) fail('DUPLICATE_ID', `items[${i}].id`, i, `"${id}" repeats items[${before}].id`);
      seen.set(id, i);
    }
    const lo = topicOffsets[i], hi = topicOffsets[i + 1];
    if (hi < lo) fail('INVALID_ARGUMENT', 'topicOffsets', i + 1, 'must not decrease');
    if (hi - lo > LIMITS.maxTopicsPerItem) fail('LIMIT_EXCEEDED', `items[${i}].topics`, i, `has more than ${LIMITS.maxTopicsPerItem} topics`);
    const generation = base + i + 1;
    for (let k = lo; k < hi; k++) {
      const t = topicIds[k];
      if (t < 0 || t >= topicCount) fail('INVALID_ITEM', `items[${i}].topics`, i, `names an unknown topic id ${t} (use topicId(name))`);
      if (stamp[t] === generation) fail('INVALID_ITEM', `items[${i}].topics`, i, `names topic "${topicNames[t]}" twice`);
      stamp[t] = generation;
      if (topicWeights !== null) {
        const w = topicWeights[k];
        if (!Number.isFinite(w) || w < 0) fail('INVALID_ITEM', `items[${i}].topics.${topicNames[t]}`, i, 'must be a finite number >= 0');
      }
    }
    if (serverScore !== null) {
      const v = serverScore[i];
      if (v === Infinity || v === -Infinity) fail('INVALID_ITEM', `items[${i}].serverScore`, i, 'must be a finite number');
    }
    if (publishedAt !== null) {
      const v = publishedAt[i];
      if (v === Infinity || v === -Infinity) fail('INVALID_ITEM', `items[${i}].publishedAt`, i, 'must be a finite time in ms');
    }
    if (creator !== null) {
      const c = creator[i];
      if (c < -1 || c >= creatorCount) fail('INVALID_ITEM', `items[${i}].creatorId`, i, `is not a known creator id (${c}; use creatorId(name), -1 for none)`);
    }
    if (pinned !== null && pinned[i] > 1) fail('INVALID_ITEM', `items[${i}].pinned`, i, 'must be 0 or 1');
  }
}

/**
 * The error for the first non-finite number of packed embeddings, found by
 * the core at flat index `k` (the same error the object API gives).
 * @param {number} k @param {number} dim
 * @returns {never}
 */
export function packedEmbeddingError(k, dim) {
  const i = Math.floor(k / dim);
  fail('INVALID_ITEM', `items[${i}].embedding[${k - i * dim}]`, i, 'must be a finite number');
}
