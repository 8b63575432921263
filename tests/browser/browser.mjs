// SPDX-License-Identifier: MIT
// Launches Debian's Chromium through playwright-core (test tools cannot
// download browsers here) with a throwaway profile directory.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-server.mjs';

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

/**
 * A throwaway site whose module script `page.mjs` is `pageLines`, served with
 * the package folder under /localrank/ and the strict CSP, plus a Chromium to
 * open it in. `openPage` waits until the page sets html[data-ready];
 * `assertClean` fails on console errors, page errors and CSP violations
 * (seen by the page or reported to the server, workers included).
 * @param {string} name  names the temporary folder
 * @param {string[]} pageLines
 * @param {Record<string, {status: number, type: string, body: string}>} [routes]  fixed answers (static-server.mjs)
 */
export async function packageSite(name, pageLines, routes = {}) {
  const site = mkdtempSync(join(tmpdir(), `localrank-${name}-site-`));
  writeFileSync(join(site, 'index.html'), `<!doctype html><meta charset="utf-8"><title>${name}</title><link rel="icon" href="data:,"><script type="module" src="/page.mjs"></script>`);
  writeFileSync(join(site, 'page.mjs'), [...pageLines, "document.documentElement.dataset.ready = 'true';"].join('\n'));
  const pkg = fileURLToPath(new URL('../../wasm', import.meta.url));
  const server = await serveStatic({ mounts: { '/': site, '/localrank/': pkg }, routes });
  const browser = await launch();
  return {
    server,
    browser,
    /** @param {(() => void)} [initScript] */
    async openPage(initScript) {
      const page = await browser.context.newPage();
      if (initScript) await page.addInitScript(initScript);
      const problems = watchProblems(page);
      await watchCsp(page);
      await page.goto(server.base);
      await page.waitForSelector('html[data-ready="true"]');
      return { page, problems };
    },
    /** @param {import('playwright-core').Page} page @param {string[]} problems */
    async assertClean(page, problems) {
      assert.deepEqual(await cspViolations(page), [], 'no CSP violation in the page');
      assert.deepEqual(problems, [], 'no console error or page error');
      assert.deepEqual(server.cspReports, [], 'no CSP report from the page or a worker');
    },
    async close() {
      await browser.close();
      await server.close();
      rmSync(site, { recursive: true, force: true });
    },
  };
}
