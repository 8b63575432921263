// SPDX-License-Identifier: MIT
// The privacy options every personalizer checks, with or without aggregate
// reports (the accountant and privacyBudget() need them), and the storage
// keys of the report path that forget() erases, and whether reports are
// configured at all. The report path itself
// (report.js, memo.js, outbox.js, schedule.js) is loaded on demand
// (report-module.js).
import { LocalrankError } from './errors.js';

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
/** Where the outbox (outbox.js) and the schedule (schedule.js) keep their state, under the namespace. */
export const OUTBOX_KEY = 'report-outbox';
export const SCHEDULE_KEY = 'report-schedule';

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

/**
 * Whether a personalizer with these options builds aggregate reports (a
 * taxonomy, or a pinned report configuration): the entries then load the
 * device module with the report encoder (localrank_core_reports.wasm) instead
 * of the lean one, and the report path's JavaScript (report-module.js).
 * @param {Record<string, any>} options
 */
export function reportsWanted(options) {
  const pin = options.privacy?.config;
  return options.taxonomy !== undefined || (pin !== null && typeof pin === 'object' && !Array.isArray(pin));
}
