// SPDX-License-Identifier: MIT
// Tiny DOM helpers. The page runs under a strict CSP (no inline script or
// style), so everything is built with DOM calls and styled by class names.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * @typedef {Record<string, any> & {
 *   class?: string, text?: string, on?: Record<string, (e: any) => void>, data?: Record<string, string>
 * }} Attrs
 */

/**
 * Sets attributes, text, dataset and listeners on an element.
 * @param {Element} el @param {Attrs} attrs
 */
function apply(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'data') for (const [dk, dv] of Object.entries(v)) /** @type {HTMLElement} */ (el).dataset[dk] = String(dv);
    else if (k === 'style') throw new Error('inline styles are blocked by the CSP: use a class');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/**
 * Creates an HTML element: `h('button', { type: 'button', on: { click } }, 'Like')`.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {Attrs} [attrs] @param {...(Node|string|null|undefined|false)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/**
 * Creates an SVG element (charts): presentation attributes, not styles.
 * @param {string} tag @param {Attrs} [attrs] @param {...(Node|string|null|undefined|false)} children
 * @returns {SVGElement}
 */
export function svg(tag, attrs = {}, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  apply(el, attrs);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** @param {string} sel @param {ParentNode} [root] @returns {HTMLElement} */
export function $(sel, root = document) {
  const el = root.querySelector(sel);
  if (!el) throw new Error(`missing element ${sel}`);
  return /** @type {HTMLElement} */ (el);
}

/** Announces a short message in the polite live region. @param {string} text */
export function announce(text) {
  const s = $('#status');
  s.textContent = text;
  // The region stays in the DOM (screen readers track it); CSS hides it when empty.
  clearTimeout(/** @type {any} */ (announce).timer);
  /** @type {any} */ (announce).timer = setTimeout(() => { s.textContent = ''; }, 6000);
}

/** Formats a number with a sign, e.g. `+0.42` / `−0.10`. @param {number} x */
export function signed(x, digits = 2) {
  const s = Math.abs(x).toFixed(digits);
  return x < 0 ? `−${s}` : `+${s}`;
}

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
/** "3 hours ago" for a timestamp in ms. @param {number} at @param {number} now */
export function ago(at, now) {
  const s = Math.round((at - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 60) return rtf.format(s, 'second');
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

/** @type {WeakMap<HTMLElement, HTMLElement|null>} the button that opened each popover */
const invokers = new WeakMap();

/**
 * Opens `pop` (a `popover` element) next to `button`, keeps the button's
 * aria-expanded in step, and returns focus to it when the popover closes.
 * @param {HTMLElement} pop @param {HTMLElement} button
 */
export function openPopover(pop, button) {
  if (!invokers.has(pop)) {
    // beforetoggle fires synchronously as the popover starts to close, so
    // aria-expanded is never stale; toggle (queued) then returns the focus.
    pop.addEventListener('beforetoggle', (e) => {
      const back = invokers.get(pop);
      if (/** @type {ToggleEvent} */ (e).newState !== 'closed' || !back) return;
      back.setAttribute('aria-expanded', 'false');
    });
    pop.addEventListener('toggle', (e) => {
      const back = invokers.get(pop);
      if (/** @type {ToggleEvent} */ (e).newState !== 'closed' || !back) return;
      invokers.set(pop, null);
      if (pop.contains(document.activeElement) || document.activeElement === document.body) back.focus();
    });
  }
  if (pop.matches(':popover-open')) {
    // Re-opening for another post: the close and open toggle events coalesce into one.
    invokers.get(pop)?.setAttribute('aria-expanded', 'false');
    invokers.set(pop, null);
    pop.hidePopover();
  }
  invokers.set(pop, button);
  // The button becomes the popover's anchor (CSS anchor positioning places it).
  /** @type {any} */ (pop).showPopover({ source: button });
  button.setAttribute('aria-expanded', 'true');
  /** @type {HTMLElement|null} */ (pop.querySelector('button, [tabindex]'))?.focus();
}
