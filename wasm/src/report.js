// SPDX-License-Identifier: MIT
// Aggregate reports on the device side: the shared report configuration, the
// encoder around ReportEncoderCore (of the device module with reports, or the
// server module), and cryptographic randomness. The core draws no randomness
// for a report itself: its Rng is not cryptographic, so the words come from
// crypto.getRandomValues. Loaded on demand (report-module.js) only by a
// personalizer given a taxonomy; what every page needs of the privacy options
// is in privacy-options.js.
import { LocalrankError, throwIfFailed } from './errors.js';
import { ReportEncoderCore } from './core-abi.js';
import { PRIVACY_DEFAULTS, MS_PER_DAY } from './privacy-options.js';

export { PRIVACY_DEFAULTS, PRIVACY_BOUNDS, TEST_RANDOM, MS_PER_DAY } from './privacy-options.js';

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
   * @param {any} Module the loaded report module (or the server module)
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
