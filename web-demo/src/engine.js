// SPDX-License-Identifier: MIT
// The demo's one personalizer. Everything the feed learns, the consent record
// and the privacy ledger are kept by the localrank package (in IndexedDB); the
// demo keeps no copy of behaviour beyond the current page (hidden posts,
// pressed buttons).
import { createPersonalizer } from 'localrank';
import { announce } from './dom.js';
// The report configuration pinned in the page's bundle: a configuration the
// collector serves at run time is used only if it is this one (docs/privacy.md).
import PINNED_REPORT_CONFIG from '../report-config.json';

/** @typedef {{personalization: boolean, aggregateMeasurement: boolean}} Consent */

export class Engine {
  /** @type {import('localrank').Personalizer} */
  #p;

  /**
   * The collector's token challenge when it counts only reports with a Privacy Pass token, else null.
   * @type {{challenge: string, tokenKey: string}|null}
   */
  tokens = null;

  /** @param {import('localrank').Personalizer} p */
  constructor(p) {
    this.#p = p;
  }

  /**
   * Opens the personalizer with the collector's shared configuration (the
   * taxonomy and segments that reports are encoded over).
   * @param {{taxonomy: string[], segments?: {id: string, topics: Record<string, number>}[], epsilonPerReport?: number, tokens?: {challenge: string, tokenKey: string}}} config
   */
  static async open(config) {
    const engine = new Engine(await createPersonalizer({
      storage: 'indexedDB',
      taxonomy: config.taxonomy,
      sensitiveTopics: /** @type {any} */ (config).sensitiveTopics,
      segments: config.segments,
      privacy: { epsilonPerReport: config.epsilonPerReport ?? 1, config: PINNED_REPORT_CONFIG },
      on: {
        // Ranking goes on from memory; tell the person their profile may not be kept.
        error: (/** @type {Error & {code?: string}} */ e) => announce(e.code === 'SEND_FAILED'
          ? `A report was not sent: ${e.message}`
          : `Your data could not be saved in this browser: ${e.message}`),
        'profile-reset': (/** @type {{reason: string}} */ d) => announce(`The stored profile could not be read (${d.reason}); starting afresh.`),
      },
    }));
    engine.tokens = /** @type {any} */ (config).tokens ?? null;
    return engine;
  }

  /** What the person allowed. @returns {Consent} */
  get consent() {
    const c = this.#p.consent.get();
    return { personalization: c.personalization, aggregateMeasurement: c.aggregateMeasurement };
  }

  /** False until the person answered the consent question (localrank stores when). */
  get answered() {
    return this.#p.consent.get().updatedAt !== null;
  }

  /**
   * Records the person's answer. Withdrawing personalization erases the
   * profile; under Global Privacy Control aggregate measurement stays off.
   * @param {Consent} consent
   */
  async setConsent(consent) {
    try {
      await this.#p.consent.set(consent);
    } catch (e) {
      if (/** @type {any} */ (e).code !== 'NOT_CONSENTED') throw e;
      await this.#p.consent.set({ ...consent, aggregateMeasurement: false });
      announce('Your browser asks sites not to share data (Global Privacy Control): aggregate measurement stays off.');
    }
  }

  /**
   * Ranks the candidates for this person (the site's own order when
   * personalization is not allowed).
   * @param {import('localrank').Item[]} items @param {import('localrank').RerankOptions} [options]
   * @returns {import('localrank').RankedItem[]}
   */
  rerank(items, options) {
    return this.#p.rerank(items, options);
  }

  /**
   * Records one interaction. Returns how many events were kept (0 when
   * personalization is not allowed: the package drops them).
   * @param {import('localrank').InteractionEvent} event
   */
  record(event) {
    return this.#p.record(event);
  }

  /** What the profile learnt, for the dashboard. @param {{top?: number}} [options] */
  profile(options) {
    return this.#p.profile(options);
  }

  /** The full consent record (with when it was given and Global Privacy Control). */
  consentRecord() {
    return this.#p.consent.get();
  }

  /**
   * Lets localrank send this browser's aggregate reports by itself, on its schedule.
   * @param {string} url @param {Parameters<import('localrank').Personalizer['scheduleAggregateReports']>[1]} [options]
   */
  scheduleAggregateReports(url, options) {
    return this.#p.scheduleAggregateReports(url, options);
  }

  /** Calls `handler` with every report localrank sent by itself (null: none could be sent). @param {(sent: {report: unknown, status: number}|null) => void} handler */
  onReport(handler) {
    this.#p.on('report', handler);
  }

  /** The privacy budget of aggregate reports. */
  privacyBudget() {
    return this.#p.privacyBudget();
  }

  /**
   * Sends one aggregate report to `url` when consent and budget allow; null otherwise.
   * @param {string} url @param {import('localrank').SendOptions} [options]
   */
  sendAggregateReport(url, options) {
    return this.#p.sendAggregateReport(url, options);
  }

  /** The portable profile (JSON) the person can download. */
  exportProfile() {
    return this.#p.exportProfile();
  }

  /** Replaces the profile with a downloaded one; throws (changing nothing) when it is not valid. @param {string} text */
  importProfile(text) {
    this.#p.importProfile(text);
  }

  /**
   * Sets "show more / less / never" (or `none`: clear) for a topic or a creator.
   * Returns false when personalization is not allowed (nothing is stored).
   * @param {{topic: string, preference: 'more'|'less'|'never'|'none'} | {creatorId: string, preference: 'more'|'less'|'never'|'none'}} adjustment
   */
  adjust(adjustment) {
    return this.#p.adjust(/** @type {any} */ (adjustment));
  }

  /**
   * Saves the profile now (autosave runs shortly after each change anyway).
   * Returns the time of the save, or null when there is nothing to keep.
   */
  async save() {
    if (!this.consent.personalization) return null;
    await this.#p.flush();
    return new Date();
  }

  /** Erases everything localrank stored here; the next visit is a first visit. */
  async erase() {
    await this.#p.forget();
  }
}
