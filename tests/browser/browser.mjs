// SPDX-License-Identifier: MIT
// Launches Debian's Chromium through playwright-core (test tools cannot
// download browsers here) with a throwaway profile directory.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** @returns {Promise<{context: import('playwright-core').BrowserContext, close: () => Promise<void>}>} */
export async function launch() {
  if (!CHROMIUM) throw new Error('Chromium not found: scripts/test installs Debian\'s chromium package');
  const dir = mkdtempSync(join(tmpdir(), 'localrank-pw-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => { await context.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/**
 * Collects console errors, page errors and CSP violations of a page.
 * @param {import('playwright-core').Page} page
 */
export function watchProblems(page) {
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

/**
 * Records the page's Content-Security-Policy violations (securitypolicyviolation
 * events); read them with `cspViolations(page)`. Call before page.goto.
 * @param {import('playwright-core').Page} page
 */
export async function watchCsp(page) {
  await page.addInitScript(() => {
    const list = /** @type {string[]} */ ([]);
    /** @type {any} */ (window).__cspViolations = list;
    document.addEventListener('securitypolicyviolation', (e) => list.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline/eval'}`));
  });
}

/** @param {import('playwright-core').Page} page @returns {Promise<string[]>} */
export const cspViolations = (page) => page.evaluate(() => /** @type {any} */ (window).__cspViolations ?? []);
