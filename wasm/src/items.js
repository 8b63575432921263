// SPDX-License-Identifier: MIT
// The rerank input: readItems checks a batch of items and writes it into an
// ItemScratch (structure-of-arrays) in one pass, ready to be copied into the core.
import { LocalrankError } from './errors.js';
import { LIMITS } from './core-buffers.js';
import { hashId } from './hash.js';
import { fail, keysDiffer, checkKeys, checkName, failOldTime, checkEmbeddingShape, isFloat32, wellFormed,
  ITEM_KEYS, LIMITS_CODE } from './validate.js';

/** @param {Int32Array} a @param {number} n */
export const growI32 = (a, n) => (a.length >= n ? a : new Int32Array(Math.max(n, 2 * a.length, 64)));
/** @param {Float64Array} a @param {number} n */
const growF64 = (a, n) => (a.length >= n ? a : new Float64Array(Math.max(n, 2 * a.length, 64)));
/** @param {Float32Array} a @param {number} n */
const growF32 = (a, n) => (a.length >= n ? a : new Float32Array(Math.max(n, 2 * a.length, 64)));

/** Placeholder id of a name not interned yet (filled in after the whole batch is valid). */
export const FRESH = -2;

/**
 * The rerank input as structure-of-arrays, written by {@link readItems} and
 * reused between calls (grown geometrically, never shrunk): the facade
 * copies it into wasm memory with one `.set()` per array. Only the first `n`
 * items / `nt` topic entries of each array belong to the current call.
 */
export class ItemScratch {
  n = 0;
  /** Topic entries of the batch. */
  nt = 0;
  /** Whether any item has an embedding (items without one get zeros). */
  withEmbedding = false;
  keys = new Float64Array(0);
  serverScore = new Float64Array(0);
  publishedAt = new Float64Array(0);
  /** Bit 0: pinned. */
  flags = new Int32Array(0);
  /** Creator id, -1 = none, FRESH = new name (see freshCreators). */
  creators = new Int32Array(0);
  topicOffsets = new Int32Array(0);
  /** Topic id, FRESH = new name (see freshTopics). */
  topicIds = new Int32Array(0);
  topicWeights = new Float32Array(0);
  embeddings = new Float32Array(0);
  /** The item ids, by input index. @type {string[]} */
  ids = [];
  /** Names not interned yet, and where their id goes (topicIds / creators index). @type {string[]} */
  freshTopics = [];
  /** @type {number[]} */
  freshTopicAt = [];
  /** @type {string[]} */
  freshCreators = [];
  /** @type {number[]} */
  freshCreatorAt = [];
  /** Open-addressing table of input index + 1 by key, for the duplicate-id check. */
  slots = new Int32Array(0);
  /** Topic names of the item being read (duplicate check of the array form). @type {string[]} */
  itemTopics = [];
  /** Key lists of items checked for near misses (see checkKeys). @type {string[][]} */
  okShapes = [];
}

/**
 * Throws the error for a bad topic name or weight of an object-form `topics`
 * read with for-in: the LIMIT_EXCEEDED check on the key count comes first, as
 * in normalizeTopics (validate.js).
 * @param {Record<string, unknown>} t @param {string} f @param {number} i @param {string} name
 * @param {boolean} nameIsBad
 * @returns {never}
 */
function failTopic(t, f, i, name, nameIsBad) {
  if (Object.keys(t).length > LIMITS.maxTopicsPerItem) fail(LIMITS_CODE, `${f}.topics`, i, `has more than ${LIMITS.maxTopicsPerItem} topics`);
  if (nameIsBad) checkName(name, `${f}.topics`, i, 'INVALID_ITEM');
  return fail('INVALID_ITEM', `${f}.topics.${name}`, i, 'must be a finite number >= 0 (float32 range)');
}

/** The largest finite float32. */
const F32_MAX = 3.4028234663852886e38;

/**
 * Throws the error for the first bad number of `items[i].embedding` at or after index `from`.
 * @param {ArrayLike<unknown>} arr @param {number} from @param {number} i
 * @returns {never}
 */
function failEmbedding(arr, from, i) {
  let k = from;
  for (; k < arr.length; k++) {
    const x = arr[k];
    if (typeof x !== 'number' || !(x >= -F32_MAX && x <= F32_MAX)) break;
  }
  return fail('INVALID_ITEM', `items[${i}].embedding[${k}]`, i, 'must be a finite number in float32 range');
}

/**
 * Whether for-in over an object whose prototype is Object.prototype visits
 * exactly its own enumerable string keys (as Object.keys does): nobody added
 * an enumerable property to Object.prototype.
 */
function plainForInIsOwn() {
  // eslint-disable-next-line no-unreachable-loop
  for (const _ in Object.prototype) return false;
  return true;
}

/**
 * Validates rerank items and writes them into `s` in one pass, without a
 * normalised copy per item. Topic and creator names are resolved with the
 * caller's name -> id index objects; names not in them get FRESH and are listed in
 * `s.freshTopics` / `s.freshCreators` for the caller to intern once the whole
 * batch is valid (nothing outside `s` changes here, so a rejected call changes
 * nothing). Checks, error codes, fields and their order are those of
 * normalizeTopics (validate.js) and the per-item rules in docs/api.md. Longer than
 * the facade's ~120 lines per function: the per-item loop of the hottest call,
 * with its checks written out inline (BENCHMARKS.md).
 * @param {unknown} items
 * @param {number} dim  embedding dimension (0 = embeddings not accepted)
 * @param {ItemScratch} s
 * @param {Record<string, number>} topicIds  name -> id, a prototype-less object
 * @param {Record<string, number>} creatorIds
 */
export function readItems(items, dim, s, topicIds, creatorIds) {
  if (!Array.isArray(items)) throw new TypeError('items must be an array of item objects');
  const n = items.length;
  if (n > LIMITS.maxItemsPerCall) {
    throw new LocalrankError(LIMITS_CODE, `items: ${n} items exceed the limit of ${LIMITS.maxItemsPerCall} per call`, { field: 'items' });
  }
  const maxTopics = LIMITS.maxTopicsPerItem, maxName = LIMITS.maxNameLength, maxId = LIMITS.maxIdLength;
  const keys = (s.keys = growF64(s.keys, n));
  const server = (s.serverScore = growF64(s.serverScore, n));
  const published = (s.publishedAt = growF64(s.publishedAt, n));
  const flags = (s.flags = growI32(s.flags, n));
  const creators = (s.creators = growI32(s.creators, n));
  const tOff = (s.topicOffsets = growI32(s.topicOffsets, n + 1));
  // Power-of-two table at most half full.
  let size = 64;
  while (size < 2 * n) size *= 2;
  if (s.slots.length < size) s.slots = new Int32Array(size);
  const slots = s.slots, mask = size - 1;
  slots.fill(0, 0, size);
  const ids = s.ids;
  ids.length = n;
  const freshT = s.freshTopics, freshTAt = s.freshTopicAt, freshC = s.freshCreators, freshCAt = s.freshCreatorAt;
  freshT.length = 0; freshTAt.length = 0; freshC.length = 0; freshCAt.length = 0;
  const itemTopics = s.itemTopics;
  let okKeys = s.okShapes.at(-1) ?? [];
  const forInIsOwn = plainForInIsOwn();
  let tIds = s.topicIds, tW = s.topicWeights, emb = s.embeddings;
  let t = 0, withEmbedding = false;
  tOff[0] = 0;
  // Set before the loop: a store after it is reached by on-stack-replaced code without type feedback (a deopt per call).
  s.n = n;
  s.withEmbedding = false;
  for (let i = 0; i < n; i++) {
    const item = items[i];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) fail('INVALID_ITEM', `items[${i}]`, i, 'must be an object');
    // Near misses of known keys (`topic`, `creator`): checked only when the
    // item's keys differ from those of the last item checked.
    if (keysDiffer(item, okKeys)) okKeys = checkKeys(item, s.okShapes, ITEM_KEYS, `items[${i}]`, i, 'INVALID_ITEM');

    const id = item.id;
    if (typeof id !== 'string' || id.length === 0) fail('INVALID_ITEM', `items[${i}].id`, i, 'must be a non-empty string');
    if (id.length > maxId) fail(LIMITS_CODE, `items[${i}].id`, i, `is longer than ${maxId} characters`);
    const key = hashId(id);
    // Equal ids have equal keys; equal keys of different ids (a hash collision) are not duplicates.
    let slot = (key >>> 0) & mask;
    for (let j = slots[slot]; j !== 0; j = slots[slot]) {
      if (keys[j - 1] === key && ids[j - 1] === id) fail('DUPLICATE_ID', `items[${i}].id`, i, `"${id}" repeats items[${j - 1}].id`);
      slot = (slot + 1) & mask;
    }
    slots[slot] = i + 1;
    keys[i] = key;
    ids[i] = id;

    const topics = item.topics;
    if (tIds.length < t + maxTopics) {
      // Grown mid-batch: keep the entries written so far.
      const moreIds = growI32(tIds, t + maxTopics), moreWeights = growF32(tW, t + maxTopics);
      moreIds.set(tIds.subarray(0, t)); moreWeights.set(tW.subarray(0, t));
      s.topicIds = tIds = moreIds; s.topicWeights = tW = moreWeights;
    }
    if (topics === undefined || topics === null) {
      // no topics
    } else if (Array.isArray(topics)) {
      if (topics.length > maxTopics) fail(LIMITS_CODE, `items[${i}].topics`, i, `has more than ${maxTopics} topics`);
      let m = 0;
      // An index loop: a hole in a sparse array is an error, not skipped.
      for (let k = 0; k < topics.length; k++) {
        const name = topics[k];
        if (typeof name !== 'string' || name.length === 0 || name.length > maxName) checkName(name, `items[${i}].topics[${k}]`, i, 'INVALID_ITEM');
        let id = topicIds[name];
        if (id === undefined) { checkName(name, `items[${i}].topics[${k}]`, i, 'INVALID_ITEM'); id = FRESH; }
        let repeated = false;
        for (let q = 0; q < m; q++) if (itemTopics[q] === name) { repeated = true; break; }
        if (repeated) continue;
        itemTopics[m++] = name;
        if (id === FRESH) { freshT.push(name); freshTAt.push(t); }
        tIds[t] = id; tW[t] = 1; t++;
      }
    } else if (typeof topics === 'object') {
      const o = /** @type {Record<string, unknown>} */ (topics);
      const proto = Object.getPrototypeOf(o);
      if (forInIsOwn && (proto === Object.prototype || proto === null)) {
        // for-in reads the values through V8's enum cache, much faster than Object.keys + o[name].
        const first = t;
        for (const name in o) {
          if (t - first === maxTopics) fail(LIMITS_CODE, `items[${i}].topics`, i, `has more than ${maxTopics} topics`);
          if (name.length === 0 || name.length > maxName) failTopic(o, `items[${i}]`, i, name, true);
          let id = topicIds[name];
          if (id === undefined) {
            if (name.includes('\0') || !wellFormed(name)) failTopic(o, `items[${i}]`, i, name, true);
            // (A rejected batch leaves its fresh lists unused: the next call clears them.)
            freshT.push(name); freshTAt.push(t);
            id = FRESH;
          }
          const w = o[name];
          if (typeof w !== 'number' || !(w >= 0 && w <= 3.4028234663852886e38)) failTopic(o, `items[${i}]`, i, name, false);
          tIds[t] = id; tW[t] = w; t++;
        }
      } else {
        const names = Object.keys(o);
        if (names.length > maxTopics) fail(LIMITS_CODE, `items[${i}].topics`, i, `has more than ${maxTopics} topics`);
        for (let k = 0; k < names.length; k++) {
          const name = names[k], w = o[name];
          checkName(name, `items[${i}].topics`, i, 'INVALID_ITEM');
          if (!isFloat32(w) || /** @type {number} */ (w) < 0) fail('INVALID_ITEM', `items[${i}].topics.${name}`, i, 'must be a finite number >= 0 (float32 range)');
          const id = topicIds[name];
          if (id === undefined) { freshT.push(name); freshTAt.push(t); }
          tIds[t] = id ?? FRESH; tW[t] = /** @type {number} */ (w); t++;
        }
      }
    } else {
      fail('INVALID_ITEM', `items[${i}].topics`, i, 'must be an object {topic: weight} or an array of topic names');
    }
    tOff[i + 1] = t;

    const creator = item.creatorId;
    if (creator === undefined || creator === null) {
      creators[i] = -1;
    } else {
      if (typeof creator !== 'string' || creator.length === 0 || creator.length > maxName) checkName(creator, `items[${i}].creatorId`, i, 'INVALID_ITEM');
      const cid = creatorIds[creator];
      if (cid === undefined) {
        checkName(creator, `items[${i}].creatorId`, i, 'INVALID_ITEM');
        freshC.push(creator); freshCAt.push(i);
        creators[i] = FRESH;
      } else {
        creators[i] = cid;
      }
    }
    const at = item.publishedAt;
    if (at === undefined || at === null) published[i] = NaN;
    else if (typeof at === 'number' && at >= 978307200000 && at !== Infinity) published[i] = /** @type {number} */ (at);
    else if (typeof at === 'number' && Number.isFinite(at)) failOldTime(at, `items[${i}].publishedAt`, i, 'INVALID_ITEM');
    else fail('INVALID_ITEM', `items[${i}].publishedAt`, i, 'must be a finite time in ms');
    const score = item.serverScore;
    if (score === undefined || score === null) server[i] = NaN;
    else if (typeof score === 'number' && Number.isFinite(score)) server[i] = /** @type {number} */ (score);
    else fail('INVALID_ITEM', `items[${i}].serverScore`, i, 'must be a finite number');
    const pinned = item.pinned;
    if (pinned !== undefined && typeof pinned !== 'boolean') fail('INVALID_ITEM', `items[${i}].pinned`, i, 'must be a boolean');
    flags[i] = pinned === true ? 1 : 0;
    const e = item.embedding;
    if (e !== undefined && e !== null) {
      const arr = /** @type {ArrayLike<number>} */ (checkEmbeddingShape(e, `items[${i}].embedding`, i, dim, 'INVALID_ITEM'));
      if (!withEmbedding) {
        // The first embedding of the batch: the items before it get zeros.
        withEmbedding = true;
        s.withEmbedding = true;
        s.embeddings = emb = growF32(emb, n * dim);
        emb.fill(0, 0, i * dim);
      }
      const base = i * dim;
      let k = 0;
      // Four at a time: V8 runs this about 1.8 times as fast as one at a time (BENCHMARKS.md).
      for (; k + 4 <= dim; k += 4) {
        const x0 = arr[k], x1 = arr[k + 1], x2 = arr[k + 2], x3 = arr[k + 3];
        if (typeof x0 !== 'number' || typeof x1 !== 'number' || typeof x2 !== 'number' || typeof x3 !== 'number' ||
          !(x0 >= -F32_MAX && x0 <= F32_MAX && x1 >= -F32_MAX && x1 <= F32_MAX &&
            x2 >= -F32_MAX && x2 <= F32_MAX && x3 >= -F32_MAX && x3 <= F32_MAX)) failEmbedding(arr, k, i);
        emb[base + k] = x0; emb[base + k + 1] = x1; emb[base + k + 2] = x2; emb[base + k + 3] = x3;
      }
      for (; k < dim; k++) {
        const x = arr[k];
        if (typeof x !== 'number' || !(x >= -F32_MAX && x <= F32_MAX)) failEmbedding(arr, k, i);
        emb[base + k] = x;
      }
    } else if (withEmbedding) {
      emb.fill(0, i * dim, (i + 1) * dim);
    }
  }
  s.nt = t;
}
