// SPDX-License-Identifier: MIT
// Aggregate reports on the device side: the shared report configuration, the
// encoder around the core's ReportEncoderCore, and cryptographic randomness.
// The core draws no randomness for a report itself: its Rng is not
// cryptographic, so the words come from crypto.getRandomValues.
import { LocalrankError, throwIfFailed } from './errors.js';
import { ReportEncoderCore } from './core-abi.js';

/** Privacy defaults (docs/privacy.md). */
export const PRIVACY_DEFAULTS = Object.freeze({
  epsilonPerReport: 1,
  epsilonCap: 4,
  windowDays: 30,
  /** Interests seen within this many days count towards a report's top topic. */
  recentDays: 30,
  minReports: 50,
  segmentThreshold: 0.5,
});

/**
 * Hard bounds (docs/privacy.md, "Bounds no configuration lifts"): the core
 * refuses anything beyond them too, whatever the facade is given.
 */
export const PRIVACY_BOUNDS = Object.freeze({
  maxEpsilonPerReport: 2,
  maxEpsilonCap: 8,
  minWindowDays: 7,
  maxSegments: 32,
  minSegmentTopics: 3,
});

/**
 * The test-only source of report randomness. Not exported by any production
 * entry: only `localrank/testing` (Node) can set it, so no page and no
 * server-supplied option can make reports predictable.
 */
export const TEST_RANDOM = Symbol('localrank.testRandom');

export const MS_PER_DAY = 24 * 3600 * 1000;
/** crypto.getRandomValues fills at most 65,536 bytes per call. */
const MAX_RANDOM_WORDS = 16384;

/**
 * Fills `n` uniform 32-bit words from `source` (tests pass a seeded one) or
 * from crypto.getRandomValues.
 * @param {number} n
 * @param {((words: Uint32Array) => void) | undefined} source
 */
export function randomWords(n, source) {
  const words = new Uint32Array(n);
  if (source) {
    source(words);
    return words;
  }
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new LocalrankError('INVALID_ARGUMENT', 'aggregate reports need crypto.getRandomValues (a secure context)', { field: 'crypto' });
  }
  for (let i = 0; i < n; i += MAX_RANDOM_WORDS) c.getRandomValues(words.subarray(i, Math.min(n, i + MAX_RANDOM_WORDS)));
  return words;
}

/**
 * The UTC calendar day of a time in ms, YYYY-MM-DD: the only time a report carries.
 * @param {number} ms
 */
export function utcDay(ms) {
  return new Date(Math.floor(ms / MS_PER_DAY) * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * Adds a fresh random 128-bit `id` (32 hex digits, crypto.getRandomValues) to
 * an encoded report: new for every report, so it links nothing; a collector
 * counts a re-send of the same report once. Never drawn from the tests'
 * seeded source, so two encoders seeded alike still make distinct reports.
 * @param {string} reportJson the core's report
 * @returns {string}
 */
export function withReportId(reportJson) {
  const words = randomWords(4, undefined);
  let id = '';
  for (const w of words) id += w.toString(16).padStart(8, '0');
  return `${reportJson.slice(0, -1)},"id":"${id}"}`;
}

/**
 * Checks the shape of a report configuration (the core checks the rest and
 * names the field) and returns the JSON the core reads.
 * @param {{taxonomy?: unknown, segments?: unknown, epsilonPerReport?: unknown, mechanism?: unknown, segmentThreshold?: unknown}} o
 * @param {string} prefix field prefix for errors, e.g. `options.`
 */
export function reportConfigJson(o, prefix) {
  if (!Array.isArray(o.taxonomy)) {
    throw new LocalrankError('INVALID_ARGUMENT', `${prefix}taxonomy must be an array of topic names`, { field: `${prefix}taxonomy` });
  }
  if (o.segments !== undefined && !Array.isArray(o.segments)) {
    throw new LocalrankError('INVALID_ARGUMENT', `${prefix}segments must be an array of {id, topics}`, { field: `${prefix}segments` });
  }
  if (o.sensitiveTopics !== undefined && !Array.isArray(o.sensitiveTopics)) {
    throw new LocalrankError('INVALID_ARGUMENT', `${prefix}sensitiveTopics must be an array of taxonomy topic names`, { field: `${prefix}sensitiveTopics` });
  }
  const eps = o.epsilonPerReport ?? PRIVACY_DEFAULTS.epsilonPerReport;
  if (typeof eps !== 'number' || !Number.isFinite(eps)) {
    throw new LocalrankError('INVALID_ARGUMENT', `${prefix}epsilonPerReport must be a number in [0.01, 2]`, { field: `${prefix}epsilonPerReport` });
  }
  const instant = o.instantEpsilon ?? 0;
  if (typeof instant !== 'number' || !Number.isFinite(instant)) {
    throw new LocalrankError('INVALID_ARGUMENT', `${prefix}instantEpsilon must be 0 or a number in [0.01, 10]`, { field: `${prefix}instantEpsilon` });
  }
  return JSON.stringify({
    taxonomy: o.taxonomy,
    sensitiveTopics: o.sensitiveTopics ?? [],
    segments: o.segments ?? [],
    epsilonPerReport: eps,
    instantEpsilon: instant,
    mechanism: o.mechanism ?? 'auto',
    segmentThreshold: o.segmentThreshold ?? PRIVACY_DEFAULTS.segmentThreshold,
  });
}

/**
 * Rethrows a failed core status with the field under `prefix`.
 * @param {{code: string, field: string, index: number, message: string}} status
 * @param {string} prefix
 */
export function throwPrefixed(status, prefix) {
  if (!status.code) return;
  const field = status.field ? `${prefix}${status.field}` : prefix.replace(/\.$/, '');
  // Core messages start with the field they name: give them the same prefix.
  const message = status.field && status.message.startsWith(status.field) ? prefix + status.message : status.message;
  throw new LocalrankError(status.code, message, { field, index: status.index });
}

/**
 * Encodes reports for one configuration. Owns a ReportEncoderCore; call
 * dispose() when done.
 */
export class ReportEncoder {
  #core;
  #taxonomy;
  /** @type {{fingerprint: string, mechanism: string, wordsNeeded: number, memoWordsNeeded: number, freshWordsNeeded: number,
   *   dataHexChars: number, epsilonPerReport: number, instantEpsilon: number, oneReportRatio: number, epsilonOfOneReport: number}} */
  info;

  /**
   * @param {any} Module the loaded core
   * @param {Record<string, any>} config taxonomy, segments, epsilonPerReport, mechanism, segmentThreshold
   * @param {string} prefix field prefix for errors
   */
  constructor(Module, config, prefix) {
    const json = reportConfigJson(config, prefix);
    this.#core = new ReportEncoderCore(Module);
    const r = this.#core.configure(json);
    if (r.code) {
      this.#core.delete();
      throwPrefixed(r, prefix);
    }
    this.info = JSON.parse(r.value);
    this.info.epsilonOfOneReport = Math.log(this.info.oneReportRatio);
    this.#taxonomy = /** @type {string[]} */ (config.taxonomy);
  }

  get taxonomy() { return this.#taxonomy; }

  /**
   * One report for a device with `interest` (one weight per taxonomy topic).
   * @param {ArrayLike<number>} interest
   * @param {string} day YYYY-MM-DD
   * @param {Uint32Array} words `info.wordsNeeded` uniform words
   * @returns {string} the report JSON
   */
  encode(interest, day, words) {
    return this.#encode(interest, day, words, false);
  }

  /**
   * A report with a fresh permanent answer instead of the memo's: what a
   * population of devices sends (simulations, the server's encoder).
   * `words`: `info.freshWordsNeeded` uniform words.
   * @param {ArrayLike<number>} interest @param {string} day @param {Uint32Array} words
   */
  encodeFresh(interest, day, words) {
    return this.#encode(interest, day, words, true);
  }

  /** @param {ArrayLike<number>} interest @param {string} day @param {Uint32Array} words @param {boolean} fresh */
  #encode(interest, day, words, fresh) {
    this.#core.setInterest(this.#taxonomy.length, interest);
    this.#core.setRandom(words);
    const r = this.#core.encode(day, fresh);
    throwIfFailed(r);
    return withReportId(r.value);
  }

  /** Whether the memo (the permanent answers) is loaded. */
  get hasMemo() { return this.#core.hasMemo(); }

  /**
   * Draws the memo (the permanent answers) from `words`
   * (`info.memoWordsNeeded` uniform words; the same words, the same memo).
   * @param {Uint32Array} words
   */
  drawMemo(words) {
    this.#core.setRandom(words);
    throwIfFailed(this.#core.drawMemo());
  }

  /**
   * The device's top topic and segment for `interest` (what a report would
   * encode before noise), for showing the person what is at stake.
   * @param {ArrayLike<number>} interest
   */
  match(interest) {
    this.#core.setInterest(this.#taxonomy.length, interest);
    return { topic: this.#core.topTopic(), segment: this.#core.matchSegment() };
  }

  dispose() { this.#core.delete(); }
}

/**
 * Checks the `privacy` creation option and fills in the defaults.
 * @param {unknown} privacy
 */
export function privacyOptions(privacy) {
  if (privacy === undefined) privacy = {};
  if (privacy === null || typeof privacy !== 'object') throw new TypeError('options.privacy must be an object');
  const p = /** @type {Record<string, any>} */ (privacy);
  const num = (/** @type {string} */ name, /** @type {number} */ min, /** @type {number} */ max, /** @type {string} */ what) => {
    const v = p[name] ?? /** @type {any} */ (PRIVACY_DEFAULTS)[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new LocalrankError('INVALID_ARGUMENT', `options.privacy.${name} must be ${what}`, { field: `options.privacy.${name}` });
    }
    return v;
  };
  const B = PRIVACY_BOUNDS;
  const epsilonPerReport = num('epsilonPerReport', 0.01, B.maxEpsilonPerReport, `a number in [0.01, ${B.maxEpsilonPerReport}] (a hard bound)`);
  const epsilonCap = num('epsilonCap', epsilonPerReport, B.maxEpsilonCap, `a number in [epsilonPerReport, ${B.maxEpsilonCap}] (a hard bound)`);
  const windowDays = num('windowDays', B.minWindowDays, 3650, `a number of days in [${B.minWindowDays}, 3650] (a hard bound)`);
  const instantEpsilon = p.instantEpsilon === 0 || p.instantEpsilon === undefined ? 0 : num('instantEpsilon', 0.01, 10, '0 or a number in [0.01, 10]');
  const recentDays = num('recentDays', 1 / 24, 3650, 'a number of days > 0');
  const segmentThreshold = num('segmentThreshold', 0, 1, 'a number in [0, 1]');
  if (p.honorGpc !== undefined && typeof p.honorGpc !== 'boolean') {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.privacy.honorGpc must be a boolean', { field: 'options.privacy.honorGpc' });
  }
  if (p.policyVersion !== undefined && (typeof p.policyVersion !== 'string' || !p.policyVersion)) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.privacy.policyVersion must be a non-empty string', { field: 'options.privacy.policyVersion' });
  }
  if (p.random !== undefined) {
    throw new LocalrankError('INVALID_ARGUMENT', "options.privacy.random is for tests only: use createPersonalizer from 'localrank/testing' (Node)", { field: 'options.privacy.random' });
  }
  if (p.gpc !== undefined && typeof p.gpc !== 'boolean') {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.privacy.gpc must be a boolean (the page\'s navigator.globalPrivacyControl)', { field: 'options.privacy.gpc' });
  }
  const pin = p.config;
  if (pin !== undefined && !(typeof pin === 'string' && /^[0-9a-f]{14}$/.test(pin)) && (pin === null || typeof pin !== 'object' || Array.isArray(pin))) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.privacy.config must be the pinned report configuration or its 14-hex-digit fingerprint', { field: 'options.privacy.config' });
  }
  if (p.mechanism !== undefined && !['auto', 'oue', 'olh'].includes(p.mechanism)) {
    throw new LocalrankError('INVALID_ARGUMENT', "options.privacy.mechanism must be 'auto', 'oue' or 'olh'", { field: 'options.privacy.mechanism' });
  }
  const random = p[TEST_RANDOM];
  return {
    epsilonPerReport, epsilonCap, windowDays, recentDays, segmentThreshold, instantEpsilon,
    honorGpc: p.honorGpc ?? true,
    /** The page's Global Privacy Control signal (a worker is told at creation). */
    gpc: /** @type {boolean|undefined} */ (p.gpc),
    policyVersion: /** @type {string|undefined} */ (p.policyVersion),
    mechanism: /** @type {string} */ (p.mechanism ?? 'auto'),
    /** @type {string|Record<string, any>|undefined} */
    pin,
    /** @type {((words: Uint32Array) => void)|undefined} */
    random: typeof random === 'function' ? random : undefined,
  };
}
