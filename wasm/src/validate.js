// SPDX-License-Identifier: MIT
// Input validation at the facade: everything is checked before the core is
// touched, so a rejected call changes nothing, and each error names the field.
import { LocalrankError } from './errors.js';
import { EVENT_TYPES, LIMITS, KIND, PREFERENCES, DEFAULT_TOP_K } from './core-buffers.js';
import { hashId } from './hash.js';

const EVENT_INDEX = new Map(EVENT_TYPES.map((t, i) => [t, i]));
const FOLLOW = EVENT_TYPES.indexOf('follow'), DWELL = EVENT_TYPES.indexOf('dwell');
/** Shared by events without a context (never written to). @type {string[]} */
const NO_KEYS = Object.freeze([]);
export const LIMITS_CODE = 'LIMIT_EXCEEDED';

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
export const isFloat32 = (v) => isFiniteNumber(v) && Math.abs(/** @type {number} */ (v)) <= FLOAT32_MAX;
/** An event may be stamped at most this far after now() (clock skew); see docs/limits.md. */
const MAX_FUTURE_MS = 366 * 24 * 3600 * 1000;

/**
 * @param {string} code @param {string} field @param {number} index @param {string} what
 * @returns {never}
 */
export function fail(code, field, index, what) {
  throw new LocalrankError(code, `${field} ${what}`, { field, index });
}

/**
 * False for a string holding a lone UTF-16 surrogate. Names cross into the
 * core as UTF-8, where a lone surrogate would become U+FFFD: two different
 * names would then be one name there. (String#isWellFormed where the engine
 * has it: constant time for one-byte strings.)
 * @type {(v: string) => boolean}
 */
export const wellFormed = typeof (/** @type {any} */ ('').isWellFormed) === 'function'
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
export function keysDiffer(obj, keys) {
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

/**
 * The type and length checks of an embedding (not its numbers).
 * @param {unknown} e @param {string} field @param {number} index @param {number} dim @param {string} code
 * @returns {ArrayLike<number>}
 */
export function checkEmbeddingShape(e, field, index, dim, code) {
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

// ---- Options of the personalizer and of its calls ----

/** Share of slots explored when `exploration: true`. */
const DEFAULT_EXPLORATION = 0.1;

/**
 * The options of createPersonalizer.
 * @param {unknown} options
 * @returns {Record<string, any>}
 */
export function checkOptions(options) {
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
 * Checks rerank options (shared by rerank and rerankPacked).
 * @param {unknown} options
 */
export function rerankOptions(options) {
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

/**
 * The argument of adjust(): which table, the name and the preference's index.
 * @param {unknown} adjustment
 */
export function checkAdjustment(adjustment) {
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
  return { kind, name, pref };
}

/**
 * The `top` option of profile().
 * @param {Record<string, any>} options
 */
export function profileTop(options) {
  checkOptionKeys(options, ['top'], 'options');
  const top = options.top ?? 20;
  if (!Number.isInteger(top) || top < 0) throw new TypeError('options.top must be a non-negative integer');
  if (top > 2 ** 31 - 1) throw new RangeError('options.top must be at most 2^31 - 1');
  return top;
}

/**
 * The text of importProfile's argument (an exported profile or its JSON),
 * checked against the size limit before it is copied into wasm memory.
 * @param {unknown} data
 */
export function profileText(data) {
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
  if (utf8LengthExceeds(text, LIMITS.maxProfileBytes)) {
    throw new LocalrankError('LIMIT_EXCEEDED', `profile is larger than the limit of ${LIMITS.maxProfileBytes} bytes`, { field: 'profile' });
  }
  return text;
}
