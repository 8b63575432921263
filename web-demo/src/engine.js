// SPDX-License-Identifier: MIT
// The demo's one personalizer and the person's consent choices. Everything the
// feed learns goes through the localrank package; the demo keeps no copy of
// behaviour of its own beyond the current page (hidden posts, pressed buttons).
import { createPersonalizer } from 'localrank';
import { announce } from './dom.js';

/** Where the demo remembers that the consent question was answered (and how). */
const CONSENT_KEY = 'localrank-demo:consent';

/** @typedef {{personalization: boolean, aggregateMeasurement: boolean}} Consent */

/** @returns {Consent|null} the stored answer, or null on a first visit */
function storedConsent() {
  const text = localStorage.getItem(CONSENT_KEY);
  if (text === null) return null;
  try {
    const c = JSON.parse(text);
    return { personalization: c.personalization === true, aggregateMeasurement: c.aggregateMeasurement === true };
  } catch {
    return null; // unreadable: ask again
  }
}

export class Engine {
  /** @type {import('localrank').Personalizer} */
  p;
  /** @type {Consent} */
  consent;
  /** false until the person answered the consent question */
  answered;

  /** @param {import('localrank').Personalizer} p @param {Consent|null} stored */
  constructor(p, stored) {
    this.p = p;
    this.answered = stored !== null;
    this.consent = stored ?? { personalization: false, aggregateMeasurement: false };
  }

  /** Opens the personalizer with the stored consent (nothing is consented on a first visit). */
  static async open() {
    const stored = storedConsent();
    return new Engine(await Engine.#create(stored ?? undefined), stored);
  }

  /** @param {Consent} [consent] */
  static #create(consent) {
    return createPersonalizer({
      storage: 'indexedDB',
      consent,
      on: {
        // Ranking goes on from memory; tell the person their profile may not be kept.
        error: (/** @type {Error} */ e) => announce(`Your profile could not be saved in this browser: ${e.message}`),
        'profile-reset': (/** @type {{reason: string}} */ d) => announce(`The stored profile could not be read (${d.reason}); starting afresh.`),
      },
    });
  }

  /**
   * Saves the profile now (autosave runs shortly after each change anyway).
   * Returns the time of the save, or null when there is nothing to keep.
   */
  async save() {
    if (!this.consent.personalization) return null;
    await this.p.flush();
    return new Date();
  }

  /**
   * Records the person's answer. The package takes consent at creation, so a
   * change reopens the personalizer and carries the profile over.
   * @param {Consent} consent
   */
  async setConsent(consent) {
    localStorage.setItem(CONSENT_KEY, JSON.stringify(consent));
    this.answered = true;
    // Save what was learned so far (nothing is stored before personalization was allowed).
    if (this.consent.personalization) await this.p.flush();
    const next = await Engine.#create(consent); // loads what was just saved
    this.p.dispose();
    this.p = next;
    this.consent = { ...consent };
  }

  /**
   * Sets "show more / less / never" (or `none`: clear) for a topic or a creator.
   * Returns false when personalization is not allowed (nothing is stored).
   * @param {{topic: string, preference: 'more'|'less'|'never'|'none'} | {creatorId: string, preference: 'more'|'less'|'never'|'none'}} adjustment
   */
  adjust(adjustment) {
    return this.p.adjust(/** @type {any} */ (adjustment));
  }

  /** Erases everything the demo and the package stored; the next visit is a first visit. */
  async erase() {
    localStorage.removeItem(CONSENT_KEY);
    await this.p._eraseStoredProfile();
    const next = await Engine.#create(undefined);
    this.p.dispose();
    this.p = next;
    this.consent = { personalization: false, aggregateMeasurement: false };
    this.answered = false;
  }
}
