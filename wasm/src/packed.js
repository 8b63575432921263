// SPDX-License-Identifier: MIT
// Validation of the packed (typed-array) rerank input. Same rules, error codes
// and fields as the object API (validate.js), checked before the core is
// touched so a rejected call changes nothing.
import { LocalrankError } from './errors.js';
import { LIMITS } from './core-buffers.js';
import { hashId } from './hash.js';

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
 * Reusable per-personalizer state of the packed path: the hashed keys and a
 * topic stamp table for duplicate checks, both grown geometrically.
 */
export class PackedScratch {
  keys = new Float64Array(0);
  stamp = new Int32Array(0);
  generation = 0;
  /** @type {Map<string, number>} */
  seen = new Map();

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
 * Checks a packed batch against the name tables and `dim`.
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

  const keys = scratch.keysFor(n);
  const seen = scratch.seen;
  seen.clear();
  const stamp = scratch.stampsFor(topicNames.length, n);
  // Reserve the generations first, so stamps of a call that fails part-way never match later ones.
  const base = scratch.generation;
  scratch.generation += n;
  const topicCount = topicNames.length;
  for (let i = 0; i < n; i++) {
    if (ids !== null) {
      const id = ids[i];
      if (typeof id !== 'string' || id.length === 0) fail('INVALID_ITEM', `items[${i}].id`, i, 'must be a non-empty string');
      if (id.length > LIMITS.maxIdLength) fail('LIMIT_EXCEEDED', `items[${i}].id`, i, `is longer than ${LIMITS.maxIdLength} characters`);
      const before = seen.get(id);
      if (before !== undefined) fail('DUPLICATE_ID', `items[${i}].id`, i, `"${id}" repeats items[${before}].id`);
      seen.set(id, i);
      keys[i] = hashId(id);
    } else {
      // Never equal to a hashId (those are >= 0): items without ids have no identity.
      keys[i] = -(i + 1);
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
  if (embeddings !== null) {
    for (let k = 0; k < embeddings.length; k++) {
      if (!Number.isFinite(embeddings[k])) {
        const i = Math.floor(k / dim);
        fail('INVALID_ITEM', `items[${i}].embedding[${k - i * dim}]`, i, 'must be a finite number');
      }
    }
  }
  return { n, ids: /** @type {string[]|null} */ (ids), keys, serverScore, publishedAt, creator, topicOffsets, topicIds, topicWeights, embeddings, pinned };
}
