// SPDX-License-Identifier: MIT
// The demo: a feed reranked on this device by localrank (imported by its
// package name, as a site would), a privacy dashboard and population insights.
import { $, announce } from './dom.js';
import { Engine } from './engine.js';
import { Controls } from './controls.js';
import { Feed } from './feed.js';
import { Dashboard } from './privacy.js';
import { renderInsights } from './insights.js';

/**
 * The demo's Oblivious HTTP relay (web-demo/server.mjs starts it), with the
 * collector's key configuration fetched through it (the same bytes for every
 * browser); null without one. localrank/ohttp (and @hpke/core) load only here.
 */
async function openRelay() {
  const res = await fetch('/relay.json');
  const url = res.ok ? (await res.json()).url : null;
  if (!url) return null;
  const keys = await fetch(new URL('ohttp-keys', url), { credentials: 'omit', referrerPolicy: 'no-referrer' });
  if (!keys.ok) throw new Error(`the relay has no keys: HTTP ${keys.status}`);
  const { createOhttpRelay } = await import('localrank/ohttp');
  return createOhttpRelay({ url, keyConfig: new Uint8Array(await keys.arrayBuffer()) });
}

const [data, config] = await Promise.all(['data/posts.json', '/v1/config'].map(async (url) => {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}));
// The taxonomy and segments come from the collector: devices and server must share them.
const engine = await Engine.open(config);
/** @type {Feed} */
let feed;
const controls = new Controls(() => feed.refresh());
feed = new Feed({ engine, controls, data });
const dashboard = new Dashboard({
  engine, creatorName: feed.creatorName, onChanged: () => feed.refresh(),
  // After an erase the next step is the first-visit question again.
  onErased: () => askConsent(),
});

// Views: #/ (feed), #/privacy, #/insights.
const VIEWS = { '': 'feed', privacy: 'privacy', insights: 'insights' };
function route() {
  const name = VIEWS[/** @type {keyof typeof VIEWS} */ (location.hash.replace(/^#\/?/, ''))] ?? 'feed';
  for (const v of Object.values(VIEWS)) $(`#view-${v}`).hidden = v !== name;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('data-view') === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // A new view starts at its top, without the last view's notices.
  window.scrollTo({ top: 0 });
  $('#status').textContent = '';
  if (name === 'privacy') dashboard.render();
  if (name === 'insights') renderInsights();
  document.title = `${{ feed: 'Feed', privacy: 'Your data', insights: 'Population insights' }[name]} · localrank demo`;
  $(`#view-${name} h1`).focus({ preventScroll: true });
}
addEventListener('hashchange', route);

// First visit: ask, per purpose, with "no" as easy as "yes".
function askConsent() {
  const dialog = /** @type {HTMLDialogElement} */ ($('#consent-dialog'));
  const box = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id));
  box('#ask-personalization').checked = false;
  box('#ask-aggregate').checked = false;
  delete document.body.dataset.consent;
  dialog.showModal();
}
async function answer(/** @type {boolean|null} */ all) {
  const dialog = /** @type {HTMLDialogElement} */ ($('#consent-dialog'));
  const pick = (/** @type {string} */ id) => all ?? /** @type {HTMLInputElement} */ ($(id)).checked;
  const consent = { personalization: pick('#ask-personalization'), aggregateMeasurement: pick('#ask-aggregate') };
  dialog.close();
  await engine.setConsent(consent);
  feed.refresh();
  dashboard.render();
  announce(consent.personalization ? 'Personalization is on, on this device only.' : 'Personalization is off: you see the site’s own order.');
  document.body.dataset.consent = 'answered';
}
$('#consent-all').addEventListener('click', () => answer(true));
$('#consent-none').addEventListener('click', () => answer(false));
$('#consent-save').addEventListener('click', () => answer(null));
$('#open-consent').addEventListener('click', askConsent);
$('#reader-close').addEventListener('click', () => /** @type {HTMLDialogElement} */ ($('#reader')).close());

/** Read-only view for tests and curious developers (devtools): what is on screen and why. */
Object.defineProperty(window, 'localrankDemo', {
  value: Object.freeze({ shown: () => structuredClone(feed.shown) }),
});

feed.refresh();
route();
if (!engine.answered) askConsent();
document.body.dataset.ready = 'true';
await dashboard.scheduleReports(await openRelay());
