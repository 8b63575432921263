// SPDX-License-Identifier: MIT
// Renders an SVG to a PNG with Debian's Chromium through playwright-core (the
// way scripts/evaluate.mjs renders its chart). Returns false, with a warning,
// when Chromium is not installed.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/**
 * @param {string} svg @param {string} file @param {number} width @param {number} height
 * @returns {Promise<boolean>}
 */
export async function renderPng(svg, file, width, height) {
  const { chromium } = await import('playwright-core');
  const exe = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!exe) { console.warn(`Chromium not found: ${file} not rendered`); return false; }
  const dir = mkdtempSync(join(tmpdir(), 'localrank-chart-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: exe, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await ctx.newPage();
    await page.setViewportSize({ width, height });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path: file, clip: { x: 0, y: 0, width, height } });
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return true;
}
