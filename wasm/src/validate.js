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

/** @param {unknown} v */
const isFiniteNumber = (v) => typeof v === 'number' && Number.isFinite(v);
/** Largest float32: embeddings and topic weights cross the boundary as Float32Array. */
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
 * @param {unknown} v @param {string} field @param {number} index @param {string} code
 * @returns {string}
 */
export function checkName(v, field, index, code) {
  if (typeof v !== 'string' || v.length === 0) fail(code, field, index, 'must be a non-empty string');
  if (v.length > LIMITS.maxNameLength) fail(LIMITS_CODE, field, index, `is longer than ${LIMITS.maxNameLength} characters`);
  if (v.includes('\0')) fail(code, field, index, 'must not contain NUL characters');
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
 * @typedef {object} NormalizedItem
 * @property {string} id
 * @property {number} key
 * @property {string[]} topicNames
 * @property {number[]} topicWeights
 * @property {string|null} creatorId
 * @property {number} publishedAt  NaN when absent
 * @property {number} serverScore  NaN when absent
 * @property {boolean} pinned
 * @property {ArrayLike<number>|null} embedding
 */

/**
 * @param {unknown} items
 * @param {number} dim  embedding dimension (0 = embeddings not accepted)
 * @returns {NormalizedItem[]}
 */
export function normalizeItems(items, dim) {
  if (!Array.isArray(items)) throw new TypeError('items must be an array of item objects');
  if (items.length > LIMITS.maxItemsPerCall) {
    throw new LocalrankError(LIMITS_CODE, `items: ${items.length} items exceed the limit of ${LIMITS.maxItemsPerCall} per call`, { field: 'items' });
  }
  const seen = new Map();
  // Array.from visits the holes of a sparse array (map would skip them).
  return Array.from(items, (item, i) => {
    const f = `items[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) fail('INVALID_ITEM', f, i, 'must be an object');
    const { id } = item;
    if (typeof id !== 'string' || id.length === 0) fail('INVALID_ITEM', `${f}.id`, i, 'must be a non-empty string');
    if (id.length > LIMITS.maxIdLength) fail(LIMITS_CODE, `${f}.id`, i, `is longer than ${LIMITS.maxIdLength} characters`);
    if (seen.has(id)) fail('DUPLICATE_ID', `${f}.id`, i, `"${id}" repeats items[${seen.get(id)}].id`);
    seen.set(id, i);
    const { names, weights } = normalizeTopics(item.topics, `${f}.topics`, i, 'INVALID_ITEM');
    let creatorId = null;
    if (item.creatorId !== undefined && item.creatorId !== null) creatorId = checkName(item.creatorId, `${f}.creatorId`, i, 'INVALID_ITEM');
    let publishedAt = NaN;
    if (item.publishedAt !== undefined && item.publishedAt !== null) {
      if (!isFiniteNumber(item.publishedAt)) fail('INVALID_ITEM', `${f}.publishedAt`, i, 'must be a finite time in ms');
      publishedAt = item.publishedAt;
    }
    let serverScore = NaN;
    if (item.serverScore !== undefined && item.serverScore !== null) {
      if (!isFiniteNumber(item.serverScore)) fail('INVALID_ITEM', `${f}.serverScore`, i, 'must be a finite number');
      serverScore = item.serverScore;
    }
    if (item.pinned !== undefined && typeof item.pinned !== 'boolean') fail('INVALID_ITEM', `${f}.pinned`, i, 'must be a boolean');
    const embedding = checkEmbedding(item.embedding, `${f}.embedding`, i, dim, 'INVALID_ITEM');
    return { id, key: hashId(id), topicNames: names, topicWeights: weights, creatorId, publishedAt, serverScore, pinned: item.pinned === true, embedding };
  });
}

/**
 * @param {unknown} e @param {string} field @param {number} index @param {number} dim @param {string} code
 * @returns {ArrayLike<number>|null}
 */
function checkEmbedding(e, field, index, dim, code) {
  if (e === undefined || e === null) return null;
  if (!Array.isArray(e) && !(e instanceof Float32Array) && !(e instanceof Float64Array)) {
    fail(code, field, index, 'must be an array or Float32Array of numbers');
  }
  const arr = /** @type {ArrayLike<number>} */ (e);
  if (dim === 0) fail('DIMENSION_MISMATCH', field, index, 'given but the personalizer was created without `dim`');
  if (arr.length !== dim) fail('DIMENSION_MISMATCH', field, index, `has ${arr.length} numbers, expected dim = ${dim}`);
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
const isName = (v) => typeof v === 'string' && v.length > 0 && v.length <= LIMITS.maxNameLength && !v.includes('\0');

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
  let at = now;
  if (ev.at !== undefined) {
    if (!isFiniteNumber(ev.at) || ev.at < 0) fail('INVALID_EVENT', `${prefix(many, i)}.at`, i, 'must be a finite time in ms');
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
        if (typeof w !== 'number' || !(w >= 0 && w <= FLOAT32_MAX)) fail('INVALID_EVENT', `${prefix(many, i)}.topics.${name}`, i, 'must be a finite number >= 0 (float32 range)');
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
      ok = typeof v === 'number' && v >= -FLOAT32_MAX && v <= FLOAT32_MAX;
    }
    // checkEmbedding names what is wrong.
    embedding = ok ? e : checkEmbedding(e, `${prefix(many, i)}.embedding`, i, dim, 'INVALID_EVENT');
  }
  return { type, at, key, creatorId, dwellMs, expectedMs, topicNames, topicWeights, contextKeys: contextKeysOf, embedding };
}

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
