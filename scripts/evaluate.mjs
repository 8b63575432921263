// SPDX-License-Identifier: MIT
// Offline evaluation of localrank against baselines on a seeded simulated
// population (scripts/lib/evaluate-sim.mjs). Runs the BUILT package, i.e. the
// real wasm ranker. Writes results.{md,json} and chart.{svg,png}.
// Usage: node scripts/evaluate.mjs [--users N] [--sessions S] [--seed K] [--out DIR] [--smoke] [--no-chart]
// LOCALRANK_EVAL_CONFIG='{"contextWeight":2}' evaluates localrank with a non-default config (for tuning studies).
// node scripts/evaluate.mjs --replay movielens [DIR] [...] replays a real rating log instead (scripts/replay.mjs).
import { mkdirSync, writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { simulate, OPT_IN_OPTIONS, DEFAULTS } from './lib/evaluate-sim.mjs';

if (process.argv.includes('--privacy-linkage')) {
  // Issue 22's linkage attack on memoized reports (docs/privacy.md, EVALUATION.md).
  const { main } = await import('./privacy-linkage.mjs');
  process.exit(await main(process.argv.slice(2)));
}
if (process.argv.includes('--replay')) {
  const { main } = await import('./replay.mjs');
  process.exit(await main(process.argv.slice(2)));
}

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const smoke = args.includes('--smoke');
const config = {
  seed: Number(opt('seed', 1)),
  users: Number(opt('users', smoke ? 120 : 2000)),
  sessions: Number(opt('sessions', 10)),
  candidates: 80,
  page: 10,
};
const out = opt('out', smoke ? mkdtempSync(join(tmpdir(), 'localrank-eval-')) : new URL('../docs/evaluation/', import.meta.url).pathname);

/** Done-when thresholds of issue 4. */
export const TARGETS = { ndcgGain: 0.2, ildShare: 0.9, entropyDrop: 0.2 };

const started = Date.now();
const rows = await simulate(config);
const seconds = (Date.now() - started) / 1000;
const server = rows.find((r) => r.policy === 'server order');
const full = rows.find((r) => r.policy === DEFAULTS);
const checks = {
  ndcgGain: full.ndcg10 / server.ndcg10 - 1,
  ildShare: full.ild / server.ild,
  entropyDrift: full.entropyDrift,
};

const f = (x, d = 3) => x.toFixed(d);
const md = [
  `| policy | CTR | NDCG@10 (clicked) | intra-list diversity | topic coverage (of 10) | calibration KL | creator Gini | consumed-topic entropy, early → late (drift) |`,
  `|---|---|---|---|---|---|---|---|`,
  ...rows.map((r) => `| ${r.policy} | ${f(r.ctr)} | ${f(r.ndcg10)} | ${f(r.ild)} | ${f(r.coverage, 2)} | ${f(r.calibrationKl)} | ${f(r.creatorGini)} | ${f(r.entropyEarly, 2)} → ${f(r.entropyLate, 2)} (${r.entropyDrift >= 0 ? '+' : ''}${f(100 * r.entropyDrift, 1)}%) |`),
  '',
  `localrank defaults vs server order: NDCG@10 ${checks.ndcgGain >= 0 ? '+' : ''}${f(100 * checks.ndcgGain, 1)}% (target ≥ +${100 * TARGETS.ndcgGain}%), ` +
    `intra-list diversity ${f(100 * checks.ildShare, 1)}% of the server's (target ≥ ${100 * TARGETS.ildShare}%), ` +
    `consumed-topic entropy ${checks.entropyDrift >= 0 ? '+' : ''}${f(100 * checks.entropyDrift, 1)}% (target: no fall beyond −${100 * TARGETS.entropyDrop}%).`,
  '',
  `Seed ${config.seed}, ${config.users} users × ${config.sessions} sessions, ${config.candidates} candidates, top ${config.page} shown; ` +
    `localrank defaults = rerank(items) with no options; opt-in row = ${JSON.stringify(OPT_IN_OPTIONS)}; ${f(seconds, 1)} s.`,
].join('\n');

mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'results.md'), `${md}\n`);
writeFileSync(join(out, 'results.json'), `${JSON.stringify({ config, optInOptions: OPT_IN_OPTIONS, seconds, checks, targets: TARGETS, rows }, null, 2)}\n`);
console.log(md);

if (!args.includes('--no-chart') && !smoke) {
  const svg = chartSvg(rows);
  writeFileSync(join(out, 'chart.svg'), svg);
  await renderPng(svg, join(out, 'chart.png'));
  console.log(`chart: ${join(out, 'chart.png')}`);
}

if (smoke) {
  rmSync(out, { recursive: true, force: true });
  const problems = [];
  if (checks.ndcgGain < SMOKE_NDCG_GAIN) problems.push(`NDCG@10 gain ${f(checks.ndcgGain)} < ${SMOKE_NDCG_GAIN}`);
  if (checks.ildShare < TARGETS.ildShare) problems.push(`intra-list diversity share ${f(checks.ildShare)} < ${TARGETS.ildShare}`);
  if (checks.entropyDrift < -TARGETS.entropyDrop) problems.push(`entropy drift ${f(checks.entropyDrift)} < -${TARGETS.entropyDrop}`);
  if (problems.length) {
    console.error(`evaluate smoke FAILED: ${problems.join('; ')}`);
    process.exit(1);
  }
  console.log('evaluate smoke: inequalities hold');
}

/**
 * The NDCG bar of the smoke run (120 users): it measures +24% there, and small
 * runs of seed 1 read several points above the 2,000-user run (+20%), so the
 * bar is a regression tripwire with margin, not the target; see EVALUATION.md.
 */
// eslint-disable-next-line no-var
var SMOKE_NDCG_GAIN = 0.18;

function chartSvg(data) {
  const metrics = [
    ['ctr', 'CTR'], ['ndcg10', 'NDCG@10'], ['ild', 'intra-list diversity'], ['coverage', 'topic coverage'],
    ['calibrationKl', 'calibration KL (lower = better)'], ['creatorGini', 'creator Gini (lower = fairer)'],
  ];
  const colors = ['#2e7d32', '#7f8c8d', '#b08d57', '#c0c0c0', '#4f81bd', '#8e44ad'];
  const W = 1100, H = 1000, panelW = 340, panelH = 200;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="28" font-size="18" font-weight="bold">localrank vs baselines — ${config.users} simulated users × ${config.sessions} sessions (seed ${config.seed})</text>`];
  metrics.forEach(([key, label], m) => {
    const x0 = 30 + (m % 3) * (panelW + 20), y0 = 60 + Math.floor(m / 3) * (panelH + 60);
    const max = Math.max(...data.map((r) => r[key])) * 1.15 || 1;
    parts.push(`<text x="${x0}" y="${y0}" font-weight="bold">${label}</text>`);
    const bw = (panelW - 40) / data.length;
    data.forEach((r, k) => {
      const h = (r[key] / max) * panelH;
      const x = x0 + 10 + k * bw, y = y0 + 15 + panelH - h;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(bw - 8).toFixed(1)}" height="${h.toFixed(1)}" fill="${colors[k]}"/>`);
      parts.push(`<text x="${(x + (bw - 8) / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="11">${r[key].toFixed(key === 'coverage' ? 2 : 3)}</text>`);
    });
    parts.push(`<line x1="${x0}" y1="${y0 + 15 + panelH}" x2="${x0 + panelW - 20}" y2="${y0 + 15 + panelH}" stroke="#333"/>`);
  });
  // Per-session lines: NDCG@10 and consumed-topic entropy.
  [['ndcgBySession', 'NDCG@10 by session'], ['entropyBySession', 'consumed-topic entropy (bits) by session']].forEach(([key, label], m) => {
    const x0 = 30 + m * (panelW * 1.5 + 30), y0 = 600, w = panelW * 1.5, h = 300;
    const all = data.flatMap((r) => r[key]);
    const lo = Math.min(...all) * 0.9, hi = Math.max(...all) * 1.05;
    parts.push(`<text x="${x0}" y="${y0}" font-weight="bold">${label}</text>`);
    parts.push(`<line x1="${x0}" y1="${y0 + 15 + h}" x2="${x0 + w}" y2="${y0 + 15 + h}" stroke="#333"/>`);
    parts.push(`<text x="${x0}" y="${y0 + 32 + h}" font-size="11">session 1</text><text x="${x0 + w}" y="${y0 + 32 + h}" text-anchor="end" font-size="11">session ${config.sessions}</text>`);
    parts.push(`<text x="${x0 - 4}" y="${y0 + 20}" text-anchor="end" font-size="10">${hi.toFixed(2)}</text><text x="${x0 - 4}" y="${y0 + 15 + h}" text-anchor="end" font-size="10">${lo.toFixed(2)}</text>`);
    data.forEach((r, k) => {
      const pts = r[key].map((v, s) => `${(x0 + (s / Math.max(1, r[key].length - 1)) * w).toFixed(1)},${(y0 + 15 + h - ((v - lo) / (hi - lo)) * h).toFixed(1)}`);
      parts.push(`<polyline fill="none" stroke="${colors[k]}" stroke-width="2.5" points="${pts.join(' ')}"/>`);
    });
  });
  data.forEach((r, k) => {
    const x = 30 + (k % 3) * 360, y = H - 52 + Math.floor(k / 3) * 22;
    parts.push(`<rect x="${x}" y="${y}" width="14" height="14" fill="${colors[k]}"/><text x="${x + 20}" y="${y + 12}">${r.policy}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

async function renderPng(svg, file) {
  const { chromium } = await import('playwright-core');
  const exe = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!exe) { console.warn('Chromium not found: chart.png not rendered'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'localrank-chart-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: exe, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 1100, height: 1000 });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path: file, clip: { x: 0, y: 0, width: 1100, height: 1000 } });
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
