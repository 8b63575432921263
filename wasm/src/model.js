// SPDX-License-Identifier: MIT
// The person's model (core/include/localrank/model.h) as the facade shows it:
// the `model` option of createPersonalizer (a site's own prior), and the
// plain-words view of what was learnt in profile().model.
import { LocalrankError } from './errors.js';

/** The model's parameters and the config keys that hold their prior means. */
const WEIGHT_KEYS = Object.freeze({
  server: 'serverWeight',
  topic: 'topicWeight',
  creator: 'creatorWeight',
  embedding: 'embeddingWeight',
  rate: 'rateWeight',
  context: 'contextWeight',
  freshness: 'freshnessWeight',
  position: 'positionWeight',
});

/** Largest prior weight the core accepts (the position term: 8). */
const MAX_WEIGHT = { position: 8 };

/** The package's own prior (the core's Config defaults); `createPersonalizer({ model })` replaces any part of it. */
export const DEFAULT_MODEL = Object.freeze({
  schema: 'localrank.model',
  version: 1,
  weights: Object.freeze({ server: 1, topic: 0.5, creator: 0.6, embedding: 1.5, rate: 1, context: 1, freshness: 0, position: 0.5 }),
  precision: 3,
  choiceScale: 1,
  learning: true,
});

/**
 * @param {string} field @param {string} message
 * @returns {never}
 */
function bad(field, message) {
  throw new LocalrankError('INVALID_ARGUMENT', `${field} ${message}`, { field });
}

/**
 * Checks a site's model prior and returns the config keys it sets.
 * @param {unknown} model  `options.model`
 * @returns {Record<string, number|boolean>}
 */
export function modelConfig(model) {
  if (model === undefined) return {};
  if (model === null || typeof model !== 'object' || Array.isArray(model)) {
    bad('options.model', 'must be an object { weights?, precision?, choiceScale?, learning? } (docs/model.md)');
  }
  const m = /** @type {Record<string, unknown>} */ (model);
  /** @type {Record<string, number|boolean>} */
  const out = {};
  for (const key of Object.keys(m)) {
    if (!['schema', 'version', 'weights', 'precision', 'choiceScale', 'learning'].includes(key)) {
      bad(`options.model.${key}`, 'is not a model field: use weights, precision, choiceScale or learning');
    }
  }
  if (m.schema !== undefined && m.schema !== 'localrank.model') bad('options.model.schema', 'must be "localrank.model"');
  if (m.version !== undefined && m.version !== 1) bad('options.model.version', 'must be 1 (this build reads version 1)');
  if (m.weights !== undefined) {
    if (m.weights === null || typeof m.weights !== 'object' || Array.isArray(m.weights)) {
      bad('options.model.weights', 'must be an object of { signal: number }');
    }
    for (const [name, value] of Object.entries(/** @type {Record<string, unknown>} */ (m.weights))) {
      if (!Object.hasOwn(WEIGHT_KEYS, name)) {
        bad(`options.model.weights.${name}`, `is not a signal: use ${Object.keys(WEIGHT_KEYS).join(', ')}`);
      }
      const max = /** @type {Record<string, number>} */ (MAX_WEIGHT)[name] ?? 100;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
        bad(`options.model.weights.${name}`, `must be a number in [0, ${max}]`);
      }
      out[/** @type {Record<string, string>} */ (WEIGHT_KEYS)[name]] = value;
    }
  }
  const number = (/** @type {string} */ key, /** @type {string} */ configKey, /** @type {number} */ lo, /** @type {number} */ hi) => {
    const v = m[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) bad(`options.model.${key}`, `must be a number in [${lo}, ${hi}]`);
    out[configKey] = v;
  };
  number('precision', 'modelPrecision', 1e-3, 1e6);
  number('choiceScale', 'choiceScale', 1e-3, 1e3);
  if (m.learning !== undefined) {
    if (typeof m.learning !== 'boolean') bad('options.model.learning', 'must be true or false');
    out.learning = m.learning;
  }
  return out;
}

/** How the view names each signal. */
const SIGNAL_WORDS = Object.freeze({
  server: "the site's order",
  topic: 'topics',
  creator: 'creators',
  embedding: 'similar items',
  rate: 'how often you engage with a topic',
  context: 'what you are doing',
  freshness: 'new posts',
});

/**
 * The model part of profile(): the core's summary plus one sentence in
 * plain words, e.g. "For you (learnt from 12 choices), similar items counts
 * most, then the site's order; topics little." Signals no choice was ever
 * about (no evidence) are left out, except the site's order.
 * @param {{ weights: Record<string, number>, prior: Record<string, number>, evidence: Record<string, number>, choices: number, learning: boolean }} m
 */
export function describeModel(m) {
  if (m.choices === 0) return { ...m, summary: 'Nothing learnt from your choices yet: your feed uses the starting blend for everyone.' };
  const word = (/** @type {string} */ k) => /** @type {Record<string, string>} */ (SIGNAL_WORDS)[k];
  const sorted = Object.keys(SIGNAL_WORDS).filter((k) => k === 'server' || (m.evidence[k] ?? 0) > 0)
    .sort((a, b) => m.weights[b] - m.weights[a] || a.localeCompare(b));
  const top = Math.max(1e-9, ...sorted.map((k) => Math.abs(m.weights[k])));
  const strong = sorted.filter((k) => m.weights[k] >= 0.25 * top);
  const weak = sorted.filter((k) => m.weights[k] >= 0 && m.weights[k] < 0.25 * top);
  const against = sorted.filter((k) => m.weights[k] < 0);
  const list = (/** @type {string[]} */ ks) => {
    const w = ks.map(word);
    return `${w.length > 1 ? `${w.slice(0, -1).join(', ')} and ${w[w.length - 1]}` : w[0]} count${w.length > 1 ? '' : 's'}`;
  };
  const parts = [];
  if (strong.length) parts.push(`${word(strong[0])} counts most${strong.length > 1 ? `, then ${strong.slice(1).map(word).join(', ')}` : ''}`);
  if (weak.length) parts.push(`${list(weak)} little`);
  if (against.length) parts.push(`${list(against)} against`);
  return { ...m, summary: `For you (learnt from ${m.choices} choice${m.choices === 1 ? '' : 's'}), ${parts.join('; ')}.` };
}
