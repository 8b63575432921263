// SPDX-License-Identifier: MIT
// The feed settings: personalization strength, variety, a one-click "not
// personalized" mode and the person's current context. A change reranks the
// feed right away: the person asked for it.
import { $ } from './dom.js';

/** The contexts the person can pick, as localrank intents. */
export const INTENTS = {
  'at-home': 'At home',
  commuting: 'Commuting',
  'working-out': 'Working out',
  'at-work': 'At work',
  'winding-down': 'Winding down',
};

export class Controls {
  strength = 1;
  diversity = 0.3;
  personalized = true;
  intent = 'at-home';
  #strength = /** @type {HTMLInputElement} */ ($('#strength'));
  #diversity = /** @type {HTMLInputElement} */ ($('#diversity'));
  #off = $('#not-personalized');
  #context = /** @type {HTMLSelectElement} */ ($('#context'));

  /** @param {() => void} onChange called after every change */
  constructor(onChange) {
    this.#strength.addEventListener('input', () => this.#show());
    this.#diversity.addEventListener('input', () => this.#show());
    this.#strength.addEventListener('change', () => { this.strength = Number(this.#strength.value) / 100; onChange(); });
    this.#diversity.addEventListener('change', () => { this.diversity = Number(this.#diversity.value) / 100; onChange(); });
    this.#context.addEventListener('change', () => { this.intent = this.#context.value; onChange(); });
    this.#off.addEventListener('click', () => {
      this.personalized = !this.personalized;
      this.#show();
      onChange();
    });
    this.#show();
  }

  #show() {
    $('#strength-out').textContent = `${this.#strength.value}%`;
    $('#diversity-out').textContent = `${this.#diversity.value}%`;
    this.#off.setAttribute('aria-pressed', String(!this.personalized));
    this.#strength.disabled = !this.personalized;
  }

  /** Options for `rerank()`. */
  options() {
    return { strength: this.personalized ? this.strength : 0, diversity: this.diversity, context: this.context() };
  }

  /** What the person is doing right now, for `record()` and `rerank()`. */
  context() {
    const now = new Date();
    return {
      intent: this.intent,
      hour: now.getHours(),
      weekday: now.getDay(),
      device: matchMedia('(pointer: coarse)').matches ? 'mobile' : 'desktop',
    };
  }

  /** A short summary for the status line. */
  describe() {
    return `strength ${Math.round(this.strength * 100)}%, variety ${Math.round(this.diversity * 100)}%, ${INTENTS[/** @type {keyof typeof INTENTS} */ (this.intent)].toLowerCase()}`;
  }
}
