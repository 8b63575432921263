// SPDX-License-Identifier: MIT
// Measures how long each post is actually on screen (IntersectionObserver):
// a post counts as seen at 60% visibility; the time it stays that visible,
// while the tab is visible and no dialog covers the feed, is its dwell.

const VISIBLE = 0.6;
/** Shorter stays are scrolling past, not reading. */
export const MIN_DWELL_MS = 1000;

/** @typedef {{post: any, visible: boolean, since: number|null}} Watch */

export class DwellTracker {
  /** @type {Map<Element, Watch>} */
  #watched = new Map();
  /** Post ids with a recorded impression (one per page view). */
  #seen = new Set();
  #paused = false;
  #io;
  #onImpression;
  #onDwell;

  /**
   * @param {{onImpression: (post: any) => void, onDwell: (post: any, dwellMs: number) => void}} handlers
   */
  constructor({ onImpression, onDwell }) {
    this.#onImpression = onImpression;
    this.#onDwell = onDwell;
    this.#io = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const w = this.#watched.get(e.target);
        if (!w) continue;
        w.visible = e.intersectionRatio >= VISIBLE;
        if (w.visible) this.#start(w);
        else this.#end(w);
      }
    }, { threshold: [0, VISIBLE, 1] });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.flush();
      else this.#startVisible();
    });
  }

  /** Starts measuring a post card. @param {Element} el @param {any} post */
  observe(el, post) {
    this.#watched.set(el, { post, visible: false, since: null });
    this.#io.observe(el);
  }

  /** Stops measuring a card (records what was measured so far). @param {Element} el */
  unobserve(el) {
    const w = this.#watched.get(el);
    if (w) this.#end(w);
    this.#watched.delete(el);
    this.#io.unobserve(el);
  }

  /** Stops measuring every card. */
  clear() {
    for (const el of [...this.#watched.keys()]) this.unobserve(el);
  }

  /** Something covers the feed (the reader view): what is behind it is not being read. */
  pause() {
    this.flush();
    this.#paused = true;
  }

  resume() {
    this.#paused = false;
    this.#startVisible();
  }

  /**
   * Records every running measurement now (before a rerank, or when the tab is
   * hidden); cards still on screen start a new measurement.
   */
  flush() {
    for (const w of this.#watched.values()) this.#end(w);
    this.#startVisible();
  }

  #startVisible() {
    for (const w of this.#watched.values()) if (w.visible) this.#start(w);
  }

  /** @param {Watch} w */
  #start(w) {
    if (w.since !== null || this.#paused || document.visibilityState !== 'visible') return;
    if (!this.#seen.has(w.post.id)) {
      this.#seen.add(w.post.id);
      this.#onImpression(w.post);
    }
    w.since = performance.now();
  }

  /** @param {Watch} w */
  #end(w) {
    if (w.since === null) return;
    const dwellMs = Math.round(performance.now() - w.since);
    w.since = null;
    if (dwellMs >= MIN_DWELL_MS) this.#onDwell(w.post, dwellMs);
  }
}
