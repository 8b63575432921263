// SPDX-License-Identifier: MIT
// Shared set-up of the demo's browser tests: the demo server, one Chromium,
// fresh pages that collect console errors, page errors and CSP violations.
import { mkdirSync, readFileSync, copyFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { createReportEncoder } from 'localrank/server';
import { startServer } from '../../web-demo/server.mjs';
import { DEMO_REPORT_CONFIG } from '../../web-demo/demo-config.mjs';
import { CHROMIUM, watchProblems } from './browser.mjs';

export const ARTIFACTS = new URL('../../artifacts/', import.meta.url);
const DOC_IMAGES = new URL('../../docs/images/', import.meta.url);

/** The feed the server sends, in the server's order. */
export const DATA = JSON.parse(readFileSync(new URL('../../web-demo/public/data/posts.json', import.meta.url), 'utf8'));
export const SERVER_ORDER = DATA.posts.map((/** @type {any} */ p) => p.id);
export const POSTS = new Map(DATA.posts.map((/** @type {any} */ p) => [p.id, p]));

/**
 * Starts the server (with its Oblivious HTTP relay) and the browser; returns
 * what the tests use. Privacy Pass tokens are off unless asked for: the
 * population these tests send would need a blind signature per report.
 * `collector`: more collector options; `relay`, `relayLocalAddress`, `relayLog`: see startServer.
 * @param {{tokens?: boolean, collector?: object, relay?: boolean, relayLocalAddress?: string, relayLog?: boolean}} [o]
 */
export async function openDemo({ tokens = false, collector = {}, relay = true, relayLocalAddress, relayLog } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  // A fresh collector per run (SQLite in memory); a generous rate limit for the simulated population.
  const server = await startServer({ port: 0, db: ':memory:', tokens, relay, relayLocalAddress, relayLog, collector: {
    rateLimit: { perSecond: 5000, burst: 5000 },
    // The demo's batching (50 new reports), without its 5 minutes: the tests do not wait.
    publish: { everyMinutes: 0, minNewReports: 50 }, ...collector,
  } });
  const base = `http://127.0.0.1:${/** @type {any} */ (server.server.address()).port}/`;
  if (!CHROMIUM) throw new Error('Chromium not found: scripts/test installs Debian\'s chromium package');
  // A plain (not persistent) browser: every test gets its own context, so storage starts empty.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    base,
    browser,
    server,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * A fresh page (its own browser context: empty storage) that records problems:
 * console errors, uncaught errors and `securitypolicyviolation` events.
 * @param {{browser: any, base: string}} demo
 */
export async function newPage(demo, { viewport = { width: 1280, height: 860 } } = {}) {
  // A new context per test: storage starts empty, as on a first visit.
  const context = await demo.browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.exposeFunction('__reportCsp', (/** @type {string} */ v) => problems.push(`csp: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      /** @type {any} */ (window).__reportCsp(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return { page, context, problems, close: () => context.close() };
}

/**
 * The page's clock starts this far back: the demo's schedule (4 reports per 30
 * days: slots of 7.5 days) draws its first send 3.75 to 11.25 days after the
 * start, so moving the clock forward by this much makes it due, on today's date
 * (the collector accepts only reports of [today - 2, today + 1]).
 */
export const CLOCK_BACK_MS = 12 * 86400000;

/** Installs Playwright's clock on the page, CLOCK_BACK_MS in the past (before `load`). @param {any} page */
export async function backdateClock(page) {
  await page.clock.install({ time: Date.now() - CLOCK_BACK_MS });
}

/**
 * Moves the page's clock forward to the present: the schedule's timer fires
 * and the report leaves by itself (nothing in the page is clicked). Waits
 * until the page counted `n` reports sent.
 * @param {any} page @param {number} [n]
 */
export async function runSchedule(page, n = 1) {
  await page.clock.fastForward(CLOCK_BACK_MS);
  await page.waitForFunction((/** @type {number} */ k) => Number(document.body.dataset.reports ?? 0) >= k, n);
}

/** Loads the demo and waits until the feed is on screen. @param {any} page @param {string} url */
export async function load(page, url) {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
}

/** Answers the first-visit question. @param {any} page @param {'all'|'none'|{personalization?: boolean, aggregateMeasurement?: boolean}} choice */
export async function answerConsent(page, choice) {
  const dialog = page.getByRole('dialog', { name: 'Personalize this feed on your device?' });
  await dialog.waitFor();
  if (choice === 'all') await dialog.getByRole('button', { name: 'Allow all' }).click();
  else if (choice === 'none') await dialog.getByRole('button', { name: 'Reject all' }).click();
  else {
    if (choice.personalization) await dialog.getByLabel('Personalize my feed on this device').check();
    if (choice.aggregateMeasurement) await dialog.getByLabel('Contribute to anonymous population statistics').check();
    await dialog.getByRole('button', { name: 'Save my choices' }).click();
  }
  await page.waitForSelector('body[data-consent="answered"]');
}

/**
 * Follows a navigation link of the demo and waits until its view is shown:
 * the demo switches views on `hashchange`, which fires after click() returns.
 * @param {import('playwright-core').Page} page @param {'Feed'|'Your data'|'Population insights'} link
 */
export async function showView(page, link) {
  const view = { Feed: 'feed', 'Your data': 'privacy', 'Population insights': 'insights' }[link];
  await page.getByRole('link', { name: link }).click();
  await page.waitForSelector(`#view-${view}:not([hidden])`);
}

/** Ids of the posts on screen (removed ones excluded), in order. @param {any} page */
export function feedIds(page) {
  return page.$$eval('#feed > li:not([data-state="removed"])', (els) => els.map((e) => /** @type {HTMLElement} */ (e).dataset.id));
}

/** Clicks Refresh and waits for the rerank. @param {any} page */
export async function refresh(page) {
  const n = Number(await page.getAttribute('body', 'data-reranks'));
  await page.click('#refresh');
  await page.waitForFunction((k) => Number(document.body.dataset.reranks) > k, n);
}

/**
 * Saves a screenshot in artifacts/. With LOCALRANK_UPDATE_SCREENSHOTS=1 it is
 * also copied to docs/images/ for the README (off by default: a test run must
 * not change tracked files).
 * @param {any} page @param {string} name
 */
export async function screenshot(page, name, options = {}) {
  const path = new URL(name, ARTIFACTS).pathname;
  await page.screenshot({ path, ...options });
  if (process.env.LOCALRANK_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOC_IMAGES, { recursive: true });
    copyFileSync(path, new URL(name, DOC_IMAGES));
  }
}

/** A seeded source of the encoder's random words (the page itself uses crypto.getRandomValues). */
function seededWords(seed) {
  let a = seed >>> 0;
  return (/** @type {Uint32Array} */ words) => {
    for (let i = 0; i < words.length; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      words[i] = (t ^ (t >>> 14)) >>> 0;
    }
  };
}

/**
 * Sends the reports of a simulated population to the collector over HTTP, as
 * devices would: `shares` gives each topic's share of devices whose top topic
 * it is (the rest split evenly). Deterministic (seeded noise).
 * @param {string} base @param {number} n @param {Record<string, number>} shares
 */
export async function seedPopulation(base, n, shares) {
  const enc = await createReportEncoder({ ...DEMO_REPORT_CONFIG, random: seededWords(20261123) });
  const rest = DEMO_REPORT_CONFIG.taxonomy.filter((t) => !(t in shares));
  const left = 1 - Object.values(shares).reduce((a, b) => a + b, 0);
  const tops = [];
  for (const [t, s] of Object.entries(shares)) for (let i = 0; i < Math.round(s * n); i++) tops.push(t);
  for (let i = 0; tops.length < n; i++) tops.push(rest[i % rest.length]);
  try {
    for (let i = 0; i < n; i += 250) {
      await Promise.all(tops.slice(i, i + 250).map(async (top) => {
        const res = await fetch(new URL('v1/reports', base), {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(enc.encode({ interest: { [top]: 3 } })),
        });
        if (res.status !== 202) throw new Error(`collector answered ${res.status}: ${await res.text()}`);
      }));
    }
  } finally {
    enc.dispose();
  }
  return { rest: left / rest.length };
}
