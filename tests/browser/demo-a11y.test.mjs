// SPDX-License-Identifier: MIT
// Automated accessibility check (axe-core) of every view of the demo, under
// the real CSP: axe is evaluated through the DevTools protocol
// (page.evaluate), which the page's CSP does not govern, so the page itself
// needs no relaxation and no test-only script tag.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { openDemo, newPage, load, answerConsent, refresh, showView } from './demo-helpers.mjs';

const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** @type {Awaited<ReturnType<typeof openDemo>>} */
let demo;
before(async () => { demo = await openDemo(); });
after(async () => { await demo?.close(); });

/**
 * Runs axe on the page; returns the serious and critical violations, readable.
 * @param {any} page
 */
async function seriousViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const results = await page.evaluate(() => /** @type {any} */ (window).axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    resultTypes: ['violations'],
  }));
  return results.violations
    .filter((/** @type {any} */ v) => v.impact === 'serious' || v.impact === 'critical')
    .map((/** @type {any} */ v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((/** @type {any} */ n) => n.target.join(' ')).join(' | ')}`);
}

test('axe finds no serious or critical violation in the consent dialog, feed, why popover, dashboard or insights', async () => {
  const { page, problems, close } = await newPage(demo);
  await load(page, demo.base);
  assert.deepEqual(await seriousViolations(page), [], 'first visit with the consent dialog open');
  await answerConsent(page, 'all');
  await page.locator('#feed > li').first().locator('[data-action="like"]').click();
  await refresh(page);
  assert.deepEqual(await seriousViolations(page), [], 'the feed');
  await page.locator('#feed > li').first().locator('[data-action="why"]').click();
  assert.deepEqual(await seriousViolations(page), [], 'the feed with a "why" popover open');
  await page.keyboard.press('Escape');
  await page.locator('#feed > li').nth(1).locator('[data-action="menu"]').click();
  assert.deepEqual(await seriousViolations(page), [], 'the feed with a post menu open');
  await page.keyboard.press('Escape');
  await showView(page, 'Your data');
  assert.deepEqual(await seriousViolations(page), [], 'the privacy dashboard');
  await showView(page, 'Population insights');
  await page.waitForFunction(() => document.querySelector('#insights-summary')?.textContent !== '');
  assert.deepEqual(await seriousViolations(page), [], 'the insights page');
  assert.deepEqual(problems, []);
  await close();
});

test('focus is visible on every control of the feed', async () => {
  const { page, problems, close } = await newPage(demo);
  await load(page, demo.base);
  await answerConsent(page, 'none');
  const missing = [];
  await page.locator('a.skip').focus();
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press('Tab');
    const r = await page.evaluate(() => {
      const el = /** @type {HTMLElement} */ (document.activeElement);
      const cs = getComputedStyle(el);
      return { name: el.id || el.getAttribute('aria-label') || el.textContent?.trim() || el.tagName, outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
    });
    if (!r.outline) missing.push(r.name);
  }
  assert.deepEqual(missing, [], 'controls without a visible focus ring');
  assert.deepEqual(problems, []);
  await close();
});
