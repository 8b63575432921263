// SPDX-License-Identifier: MIT
// The person's model (core/include/localrank/model.h) as the facade shows it:
// the `model` option of createPersonalizer (a site's own prior), and the
// plain-words view of what was learnt in profile().model.
import { LocalrankError } from './errors.js';

/** The model's parameters: each one's prior mean is the config key `<name>Weight`. */
const PARAMS = ['server', 'topic', 'creator', 'embedding', 'rate', 'context', 'freshness', 'position'];

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
 * Checks a site's model prior and returns the config keys it sets.
 * @param {unknown} model  `options.model`
 * @returns {Record<string, number|boolean>}
 */
export function modelConfig(model) {
  /** @type {Record<string, number|boolean>} */
  const out = {};
  if (model === undefined) return out;
  /** @param {string} field @param {string} message @returns {never} */
  const bad = (field, message) => { throw new LocalrankError('INVALID_ARGUMENT', `options.${field} ${message}`, { field: `options.${field}` }); };
  const isObject = (/** @type {unknown} */ v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  /** @param {string} field @param {unknown} v @param {number} lo @param {number} hi */
  const number = (field, v, lo, hi) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) bad(field, `must be a number in [${lo}, ${hi}]`);
    return /** @type {number} */ (v);
  };
  if (!isObject(model)) bad('model', 'must be an object { weights?, precision?, choiceScale?, learning? } (docs/model.md)');
  const m = /** @type {Record<string, unknown>} */ (model);
  for (const [key, v] of Object.entries(m)) {
    if (key === 'schema') { if (v !== 'localrank.model') bad('model.schema', 'must be "localrank.model"'); }
    else if (key === 'version') { if (v !== 1) bad('model.version', 'must be 1 (this build reads version 1)'); }
    else if (key === 'precision') out.modelPrecision = number('model.precision', v, 1e-3, 1e6);
    else if (key === 'choiceScale') out.choiceScale = number('model.choiceScale', v, 1e-3, 1e3);
    else if (key === 'learning') { if (typeof v !== 'boolean') bad('model.learning', 'must be true or false'); out.learning = /** @type {boolean} */ (v); }
    else if (key === 'weights') {
      if (!isObject(v)) bad('model.weights', 'must be an object of { signal: number }');
      for (const [name, w] of Object.entries(/** @type {Record<string, unknown>} */ (v))) {
        if (!PARAMS.includes(name)) bad(`model.weights.${name}`, `is not a signal: use ${PARAMS.join(', ')}`);
        out[`${name}Weight`] = number(`model.weights.${name}`, w, 0, name === 'position' ? 8 : 100);
      }
    } else bad(`model.${key}`, 'is not a model field: use weights, precision, choiceScale or learning');
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
