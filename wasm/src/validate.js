// SPDX-License-Identifier: MIT
// Input validation at the facade: everything is checked before the core is
// touched, so a rejected call changes nothing, and each error names the field.
import { LocalrankError } from './errors.js';
import { EVENT_TYPES, LIMITS } from './core-buffers.js';
import { hashId } from './hash.js';

const EVENT_INDEX = new Map(EVENT_TYPES.map((t, i) => [t, i]));
const FOLLOW = EVENT_TYPES.indexOf('follow'), DWELL = EVENT_TYPES.indexOf('dwell');
/** Shared by events without a context (never written to). @type {string[]} */
const NO_KEYS = Object.freeze([]);
const LIMITS_CODE = 'LIMIT_EXCEEDED';

/** readItems writes this test out: a call through a bundled `var` costs it about 5% (see FLOAT32_MAX). @param {unknown} v */
const isFiniteNumber = (v) => typeof v === 'number' && Number.isFinite(v);
/**
 * Largest float32: embeddings and topic weights cross the boundary as
 * Float32Array. The loops of readItems and normalizeEvent write the literal
 * instead: the package's bundler (esbuild) turns top-level `const` into
 * `var`, and V8 then loads and checks the variable at every comparison
 * instead of folding a constant (readItems took 16% longer in the bundle;
 * BENCHMARKS.md).
 */
const FLOAT32_MAX = 3.4028234663852886e38;
/** @param {unknown} v */
const isFloat32 = (v) => isFiniteNumber(v) && Math.abs(/** @type {number} */ (v)) <= FLOAT32_MAX;
/** An event may be stamped at most this far after now() (clock skew); see docs/limits.md. */
const MAX_FUTURE_MS = 366 * 24 * 3600 * 1000;

/**
 * @param {string} code @param {string} field @param {number} index @param {string} what
 * @returns {never}
 */
function fail(code, field, index, what) {
  throw new LocalrankError(code, `${field} ${what}`, { field, index });
}

/**
 * False for a string holding a lone UTF-16 surrogate. Names cross into the
 * core as UTF-8, where a lone surrogate would become U+FFFD: two different
 * names would then be one name there. (String#isWellFormed where the engine
 * has it: constant time for one-byte strings.)
 * @type {(v: string) => boolean}
 */
const wellFormed = typeof (/** @type {any} */ ('').isWellFormed) === 'function'
  ? (v) => /** @type {any} */ (v).isWellFormed()
  : (v) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(v);

// ---- Typos in keys (issue 19) ----
// Options are the library's namespace: any key it does not know is an error.
// Items and events may also carry a site's own fields (title, url, ...): a key
// there is an error only when it is a near miss of a known one (`itemID`,
// `topic`, `creator`, `publishedat`), which would otherwise be ignored silently.

/** The keys an item may have. */
export const ITEM_KEYS = ['id', 'topics', 'creatorId', 'publishedAt', 'serverScore', 'pinned', 'embedding'];
/** The keys an event may have. */
export const EVENT_KEYS = ['type', 'itemId', 'topics', 'creatorId', 'at', 'dwellMs', 'expectedMs', 'context', 'embedding'];
/** The keys of a context (`{hour, weekday, device, intent}`). */
export const CONTEXT_KEYS = ['hour', 'weekday', 'device', 'intent'];
/** The keys of rerank / rerankPacked options. */
export const RERANK_OPTION_KEYS = ['strength', 'diversity', 'exploration', 'calibration', 'context', 'topK'];
/**
 * The options of createPersonalizer (index.d.ts PersonalizerOptions). A new
 * option must be added here, or createPersonalizer refuses it as a typo.
 */
export const OPTION_KEYS = ['storage', 'now', 'seed', 'dim', 'consent', 'namespace', 'autosaveMs', 'config',
  'model', 'on', 'wasmUrl', 'wasmBinary', 'reportWasmUrl', 'reportWasmBinary', 'taxonomy', 'segments', 'sensitiveTopics', 'privacy', 'storageTimeoutMs'];
/** The keys of `options.privacy` (index.d.ts PrivacyOptions). */
export const PRIVACY_OPTION_KEYS = ['epsilonPerReport', 'epsilonCap', 'windowDays', 'recentDays', 'honorGpc',
  'policyVersion', 'mechanism', 'segmentThreshold', 'random', 'instantEpsilon', 'gpc', 'config', 'testOnlyMemoryLedger'];

/**
 * Levenshtein distance between two short strings (at most 24 characters: see nearMiss).
 * @param {string} a @param {string} b
 */
export function editDistance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * The known key that `key` is a near miss of, or '': equal but for case, `_`
 * or `-` (`itemID`, `published_at`), or within an edit distance of 1 of a
 * known key of 3 to 5 letters (`topic`, `hours`) and 2 of a longer one
 * (`creator`, `publishedat`).
 * @param {string} key @param {readonly string[]} known
 */
export function nearMiss(key, known) {
  // No known key is longer than 20 characters.
  if (key.length > 24) return '';
  const k = key.toLowerCase().replace(/[_-]/g, '');
  let best = '', bestDistance = 3;
  for (const name of known) {
    const n = name.toLowerCase(), d = editDistance(k, n);
    if (d <= (n.length > 5 ? 2 : n.length > 2 ? 1 : 0) && d < bestDistance) { best = name; bestDistance = d; }
  }
  return best;
}

/**
 * Whether the keys of `obj` (for-in order) are not exactly `keys`: a pointer
 * comparison per key (for-in reads V8's enum cache, no allocation).
 * @param {object} obj @param {string[]} keys
 */
function keysDiffer(obj, keys) {
  let k = 0;
  for (const key in obj) if (keys[k++] !== key) return true;
  return k !== keys.length;
}

/**
 * nearMiss verdicts of the keys seen, per list of known keys (items, events):
 * a site's own field names repeat. @type {Map<readonly string[], Map<string, string>>}
 */
const nearMisses = new Map();

/**
 * The keys of `obj` (an item or event: a site may add its own fields) if
 * none is a near miss of one of `known`, else throws. `shapes` holds the key
 * lists (for-in order) of the last 8 objects checked: an object with one of
 * them needs no check (the items of a feed have a few shapes).
 * @param {object} obj @param {string[][]} shapes @param {readonly string[]} known
 * @param {string} where  e.g. `items[3]` @param {number} index @param {string} code
 * @returns {string[]}
 */
export function checkKeys(obj, shapes, known, where, index, code) {
  for (const keys of shapes) if (!keysDiffer(obj, keys)) return keys;
  const keys = Object.keys(obj);
  let verdicts = nearMisses.get(known);
  if (!verdicts || verdicts.size > 999) nearMisses.set(known, verdicts = new Map());
  for (const key of keys) {
    if (known.includes(key)) continue;
    let near = verdicts.get(key);
    if (near === undefined) verdicts.set(key, near = nearMiss(key, known));
    if (near) fail(code, `${where}.${key}`, index, `is not a localrank field: did you mean \`${near}\`?`);
  }
  if (shapes.push(keys) > 8) shapes.shift();
  return keys;
}

/**
 * Throws for a key of an options object that is not one of `known`, naming
 * it, with "did you mean" when one is close.
 * @param {unknown} obj @param {readonly string[]} known @param {string} path  e.g. `options`
 * @param {string} [code] @param {number} [index]
 */
export function checkOptionKeys(obj, known, path, code = 'INVALID_ARGUMENT', index = -1) {
  if (obj === null || typeof obj !== 'object') return;
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const near = nearMiss(key, known);
    fail(code, `${path}.${key.length > 64 ? `${key.slice(0, 64)}...` : key}`, index, `is not an option (${near ? `did you mean \`${near}\`?` : `known: ${known.join(', ')}`})`);
  }
}

/**
 * Throws for a time in ms before 2001: a Unix time in seconds reads as January 1970.
 * @param {number} t @param {string} field @param {number} index @param {string} code
 * @returns {never}
 */
export function failOldTime(t, field, index, code) {
  return fail(code, field, index, `must be ms since 1970 after 2001, got ${t}${t >= 0 && t < 1e11 ? ': it looks like seconds; multiply by 1000' : ''}`);
}

/**
 * @param {unknown} v @param {string} field @param {number} index @param {string} code
 * @returns {string}
 */
export function checkName(v, field, index, code) {
  if (typeof v !== 'string' || v.length === 0) fail(code, field, index, 'must be a non-empty string');
  if (v.length > LIMITS.maxNameLength) fail(LIMITS_CODE, field, index, `is longer than ${LIMITS.maxNameLength} characters`);
  if (v.includes('\0')) fail(code, field, index, 'must not contain NUL characters');
  if (!wellFormed(v)) fail(code, field, index, 'must be well-formed Unicode (it holds a lone surrogate)');
  return v;
}
/**
 * Normalizes `topics` ({name: weight} or [names]) into parallel arrays.
 * @param {unknown} topics @param {string} field @param {number} index @param {string} code
 * @returns {{names: string[], weights: number[]}}
 */
export function normalizeTopics(topics, field, index, code) {
  /** @type {string[]} */ const names = [];
  /** @type {number[]} */ const weights = [];
  if (topics === undefined || topics === null) return { names, weights };
  if (Array.isArray(topics)) {
    if (topics.length > LIMITS.maxTopicsPerItem) fail(LIMITS_CODE, field, index, `has more than ${LIMITS.maxTopicsPerItem} topics`);
    const seen = new Set();
    // An index loop, not forEach: a hole in a sparse array is an error, not skipped.
    for (let k = 0; k < topics.length; k++) {
      const t = checkName(topics[k], `${field}[${k}]`, index, code);
      if (!seen.has(t)) { seen.add(t); names.push(t); weights.push(1); }
    }
  } else if (typeof topics === 'object') {
    // Object.keys + indexing: same order as Object.entries, without an array per entry (hot path).
    const t = /** @type {Record<string, unknown>} */ (topics);
    const keys = Object.keys(t);
    if (keys.length > LIMITS.maxTopicsPerItem) fail(LIMITS_CODE, field, index, `has more than ${LIMITS.maxTopicsPerItem} topics`);
    for (let k = 0; k < keys.length; k++) {
      const name = keys[k], w = t[name];
      checkName(name, field, index, code);
      if (!isFloat32(w) || /** @type {number} */ (w) < 0) fail(code, `${field}.${name}`, index, 'must be a finite number >= 0 (float32 range)');
      weights.push(/** @type {number} */ (w));
    }
    return { names: keys, weights };
  } else {
    fail(code, field, index, 'must be an object {topic: weight} or an array of topic names');
  }
  return { names, weights };
}

/** @param {Int32Array} a @param {number} n */
const growI32 = (a, n) => (a.length >= n ? a : new Int32Array(Math.max(n, 2 * a.length, 64)));
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
 * in {@link normalizeTopics}.
 * @param {Record<string, unknown>} t @param {string} f @param {number} i @param {string} name
 * @param {boolean} nameIsBad
 * @returns {never}
 */
function failTopic(t, f, i, name, nameIsBad) {
  if (Object.keys(t).length > LIMITS.maxTopicsPerItem) fail(LIMITS_CODE, `${f}.topics`, i, `has more than ${LIMITS.maxTopicsPerItem} topics`);
  if (nameIsBad) checkName(name, `${f}.topics`, i, 'INVALID_ITEM');
  return fail('INVALID_ITEM', `${f}.topics.${name}`, i, 'must be a finite number >= 0 (float32 range)');
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
 * {@link normalizeTopics} and the per-item rules in docs/api.md.
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
      for (let k = 0; k < dim; k++) {
        const x = arr[k];
        if (typeof x !== 'number' || !(x >= -3.4028234663852886e38 && x <= 3.4028234663852886e38)) fail('INVALID_ITEM', `items[${i}].embedding[${k}]`, i, 'must be a finite number in float32 range');
        emb[base + k] = x;
      }
    } else if (withEmbedding) {
      emb.fill(0, i * dim, (i + 1) * dim);
    }
  }
  s.nt = t;
}

/**
 * The type and length checks of an embedding (not its numbers).
 * @param {unknown} e @param {string} field @param {number} index @param {number} dim @param {string} code
 * @returns {ArrayLike<number>}
 */
function checkEmbeddingShape(e, field, index, dim, code) {
  if (!Array.isArray(e) && !(e instanceof Float32Array) && !(e instanceof Float64Array)) {
    fail(code, field, index, 'must be an array or Float32Array of numbers');
  }
  const arr = /** @type {ArrayLike<number>} */ (e);
  if (dim === 0) fail('DIMENSION_MISMATCH', field, index, 'given but the personalizer was created without `dim`');
  if (arr.length !== dim) fail('DIMENSION_MISMATCH', field, index, `has ${arr.length} numbers, expected dim = ${dim}`);
  return arr;
}

/**
 * @param {unknown} e @param {string} field @param {number} index @param {number} dim @param {string} code
 * @returns {ArrayLike<number>|null}
 */
function checkEmbedding(e, field, index, dim, code) {
  if (e === undefined || e === null) return null;
  const arr = checkEmbeddingShape(e, field, index, dim, code);
  for (let k = 0; k < arr.length; k++) {
    if (!isFloat32(arr[k])) fail(code, `${field}[${k}]`, index, 'must be a finite number in float32 range');
  }
  return arr;
}

/**
 * @typedef {object} NormalizedEvent
 * @property {number} type
 * @property {number} at
 * @property {number} key  NaN when no itemId
 * @property {string|null} creatorId
 * @property {number} dwellMs
 * @property {number} expectedMs
 * @property {string[]} topicNames
 * @property {number[]} topicWeights
 * @property {string[]} contextKeys
 * @property {ArrayLike<number>|null} embedding
 */

/**
 * Context object → interned context keys. Hours map to a part of the day so
 * that sparse data pools: night (0-5), morning (6-11), afternoon (12-17), evening (18-23).
 * @param {unknown} ctx @param {string} field @param {number} index @param {string} code
 * @returns {string[]}
 */
export function contextKeys(ctx, field, index, code) {
  if (ctx === undefined || ctx === null) return [];
  if (typeof ctx !== 'object' || Array.isArray(ctx)) fail(code, field, index, 'must be an object {hour, weekday, device, intent}');
  const c = /** @type {Record<string, unknown>} */ (ctx);
  checkOptionKeys(c, CONTEXT_KEYS, field, code, index);
  /** @type {string[]} */ const keys = [];
  if (c.hour !== undefined) {
    if (!Number.isInteger(c.hour) || /** @type {number} */ (c.hour) < 0 || /** @type {number} */ (c.hour) > 23) fail(code, `${field}.hour`, index, 'must be an integer 0..23');
    const h = /** @type {number} */ (c.hour);
    keys.push(`daypart:${h < 6 ? 'night' : h < 12 ? 'morning' : h < 18 ? 'afternoon' : 'evening'}`);
  }
  if (c.weekday !== undefined) {
    if (!Number.isInteger(c.weekday) || /** @type {number} */ (c.weekday) < 0 || /** @type {number} */ (c.weekday) > 6) fail(code, `${field}.weekday`, index, 'must be an integer 0..6 (0 = Sunday)');
    const w = /** @type {number} */ (c.weekday);
    keys.push(`week:${w === 0 || w === 6 ? 'weekend' : 'weekday'}`);
  }
  if (c.device !== undefined) keys.push(`device:${checkName(c.device, `${field}.device`, index, code)}`);
  if (c.intent !== undefined) keys.push(`intent:${checkName(c.intent, `${field}.intent`, index, code)}`);
  return keys;
}

/** Field prefix of event i: `events[i]` in an array, `event` alone. @param {boolean} many @param {number} i */
const prefix = (many, i) => (many ? `events[${i}]` : 'event');
/** @param {unknown} v */
const isName = (v) => typeof v === 'string' && v.length > 0 && v.length <= LIMITS.maxNameLength && !v.includes('\0') && wellFormed(v);

/**
 * @param {unknown} input  one event or an array
 * @param {number} now
 * @param {number} dim
 * @returns {NormalizedEvent[]}
 */
export function normalizeEvents(input, now, dim) {
  const many = Array.isArray(input);
  const n = many ? /** @type {unknown[]} */ (input).length : 1;
  if (n > LIMITS.maxEventsPerCall) {
    throw new LocalrankError(LIMITS_CODE, `events: ${n} events exceed the limit of ${LIMITS.maxEventsPerCall} per call`, { field: 'events' });
  }
  const out = new Array(n);
  // An index loop: a hole in a sparse array is an error, not skipped.
  for (let i = 0; i < n; i++) out[i] = normalizeEvent(many ? /** @type {unknown[]} */ (input)[i] : input, many, i, now, dim);
  return out;
}

/**
 * One event (record's hot path: field names are built only for an error).
 * @param {any} ev @param {boolean} many @param {number} i @param {number} now @param {number} dim
 * @returns {NormalizedEvent}
 */
function normalizeEvent(ev, many, i, now, dim) {
  if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) fail('INVALID_EVENT', prefix(many, i), i, 'must be an object');
  const type = EVENT_INDEX.get(ev.type);
  if (type === undefined) fail('INVALID_EVENT', `${prefix(many, i)}.type`, i, `must be one of ${EVENT_TYPES.join(', ')}`);
  // Near misses of known keys (`itemID`, `topic`): checked when the keys differ from the last event checked.
  if (keysDiffer(ev, okEventKeys)) okEventKeys = checkKeys(ev, eventShapes, EVENT_KEYS, prefix(many, i), i, 'INVALID_EVENT');
  let at = now;
  if (ev.at !== undefined) {
    if (!isFiniteNumber(ev.at)) fail('INVALID_EVENT', `${prefix(many, i)}.at`, i, 'must be a finite time in ms');
    if (ev.at < 978307200000) failOldTime(ev.at, `${prefix(many, i)}.at`, i, 'INVALID_EVENT');
    // A far-future stamp would never decay nor expire: refuse it.
    if (ev.at > now + MAX_FUTURE_MS) fail('INVALID_EVENT', `${prefix(many, i)}.at`, i, 'is more than 366 days after now()');
    at = ev.at;
  }
  let key = NaN;
  const itemId = ev.itemId;
  if (itemId !== undefined && itemId !== null) {
    if (typeof itemId !== 'string' || itemId.length === 0) fail('INVALID_EVENT', `${prefix(many, i)}.itemId`, i, 'must be a non-empty string');
    if (itemId.length > LIMITS.maxIdLength) fail(LIMITS_CODE, `${prefix(many, i)}.itemId`, i, `is longer than ${LIMITS.maxIdLength} characters`);
    key = hashId(itemId);
  }
  let creatorId = null;
  if (ev.creatorId !== undefined && ev.creatorId !== null) {
    creatorId = isName(ev.creatorId) ? ev.creatorId : checkName(ev.creatorId, `${prefix(many, i)}.creatorId`, i, 'INVALID_EVENT');
  }
  if (type === FOLLOW && creatorId === null) fail('INVALID_EVENT', `${prefix(many, i)}.creatorId`, i, 'is required for a follow event');
  let dwellMs = NaN;
  if (type === DWELL) {
    if (!isFiniteNumber(ev.dwellMs) || ev.dwellMs < 0) fail('INVALID_EVENT', `${prefix(many, i)}.dwellMs`, i, 'must be a finite number >= 0 for a dwell event');
    dwellMs = ev.dwellMs;
  }
  let expectedMs = NaN;
  if (ev.expectedMs !== undefined && ev.expectedMs !== null) {
    if (!isFiniteNumber(ev.expectedMs) || ev.expectedMs <= 0) fail('INVALID_EVENT', `${prefix(many, i)}.expectedMs`, i, 'must be a finite number > 0');
    expectedMs = ev.expectedMs;
  }
  /** @type {string[]} */ let topicNames = [];
  /** @type {number[]} */ let topicWeights = [];
  const topics = ev.topics;
  if (topics !== undefined && topics !== null) {
    if (typeof topics === 'object' && !Array.isArray(topics)) {
      // {name: weight}: keys and values in the same (property) order, no lookup per name.
      const keys = Object.keys(topics);
      if (keys.length > LIMITS.maxTopicsPerItem) fail(LIMITS_CODE, `${prefix(many, i)}.topics`, i, `has more than ${LIMITS.maxTopicsPerItem} topics`);
      topicWeights = Object.values(topics);
      // Only a Proxy or a getter can make the two disagree.
      if (topicWeights.length !== keys.length) fail('INVALID_EVENT', `${prefix(many, i)}.topics`, i, 'changed while it was read');
      for (let k = 0; k < keys.length; k++) {
        const name = keys[k], w = topicWeights[k];
        if (!isName(name)) checkName(name, `${prefix(many, i)}.topics`, i, 'INVALID_EVENT');
        // NaN fails both comparisons.
        if (typeof w !== 'number' || !(w >= 0 && w <= 3.4028234663852886e38)) fail('INVALID_EVENT', `${prefix(many, i)}.topics.${name}`, i, 'must be a finite number >= 0 (float32 range)');
      }
      topicNames = keys;
    } else {
      ({ names: topicNames, weights: topicWeights } = normalizeTopics(topics, `${prefix(many, i)}.topics`, i, 'INVALID_EVENT'));
    }
  }
  const contextKeysOf = ev.context === undefined || ev.context === null ? NO_KEYS : contextKeys(ev.context, `${prefix(many, i)}.context`, i, 'INVALID_EVENT');
  let embedding = null;
  const e = ev.embedding;
  if (e !== undefined && e !== null) {
    let ok = dim > 0 && (Array.isArray(e) || e instanceof Float32Array || e instanceof Float64Array) && e.length === dim;
    for (let k = 0; ok && k < dim; k++) {
      const v = e[k];
      ok = typeof v === 'number' && v >= -3.4028234663852886e38 && v <= 3.4028234663852886e38;
    }
    // checkEmbedding names what is wrong.
    embedding = ok ? e : checkEmbedding(e, `${prefix(many, i)}.embedding`, i, dim, 'INVALID_EVENT');
  }
  // An event about nothing would be stored and learn nothing.
  if (key !== key && creatorId === null && topicNames.length === 0 && embedding === null) {
    fail('INVALID_EVENT', prefix(many, i), i, `names no item, topic or creator: give itemId, topics, creatorId or embedding${ev.id === undefined ? '' : ' (did you mean `itemId`, not `id`?)'}`);
  }
  return { type, at, key, creatorId, dwellMs, expectedMs, topicNames, topicWeights, contextKeys: contextKeysOf, embedding };
}

/** The key lists of events checked for near misses (see checkKeys), the last one matched. @type {string[][]} */
const eventShapes = [];
let okEventKeys = /** @type {string[]} */ ([]);

/**
 * Checks the `config` option before it is serialised: JSON.stringify would
 * turn NaN and Infinity into null, which the core reads as "use the default".
 * The core checks names and ranges.
 * @param {unknown} config
 */
export function checkConfig(config) {
  if (config === undefined || config === null) return;
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.config must be an object', { field: 'options.config' });
  }
  /** @param {Record<string, unknown>} obj @param {string} path */
  const walk = (obj, path) => {
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'number' && !Number.isFinite(v)) fail('INVALID_ARGUMENT', `${path}.${k}`, -1, 'must be a finite number');
      if (k === 'eventWeights' && path === 'config' && v !== null && typeof v === 'object') walk(/** @type {Record<string, unknown>} */ (v), `${path}.${k}`);
    }
  };
  walk(/** @type {Record<string, unknown>} */ (config), 'config');
}

/**
 * UTF-8 length of `text`, stopping early once it exceeds `limit`.
 * @param {string} text @param {number} limit
 */
export function utf8LengthExceeds(text, limit) {
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { bytes += 4; i++; }
    else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}
