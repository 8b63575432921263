// SPDX-License-Identifier: MIT
// Draws time against candidate count (objects, packed, native, plain JS
// baseline) as SVG and renders it to PNG with Debian's Chromium through
// playwright-core. Usage: node chart.mjs NODE.json NATIVE.json OUT.png
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [nodeFile, nativeFile, outPng, mode] = process.argv.slice(2);
// `localrank-only`: leave the baseline out (it dwarfs the other lines).
const withBaseline = mode !== 'localrank-only';
const node = JSON.parse(readFileSync(nodeFile, 'utf8'));
const native = nativeFile ? JSON.parse(readFileSync(nativeFile, 'utf8')) : null;

const series = [
  { name: 'localrank, plain objects (wasm)', color: '#1f77b4', points: node.scaling.map((s) => [s.n, s.objects]) },
  { name: 'localrank, packed API (wasm)', color: '#2ca02c', points: node.scaling.map((s) => [s.n, s.packed]) },
];
if (withBaseline) series.push({ name: 'plain JavaScript baseline', color: '#d62728', points: Object.entries(node.pipeline).map(([n, r]) => [Number(n), r.baseline.median]) });
if (native) {
  const rerank = native.benchmarks.filter((b) => b.run_name?.startsWith('BM_Rerank/') ?? b.name.startsWith('BM_Rerank/'));
  const medians = rerank.filter((b) => b.aggregate_name === 'median');
  const pts = (medians.length ? medians : rerank).map((b) => [Number((b.run_name ?? b.name).split('/')[1]), b.cpu_time / 1000]);
  series.push({ name: 'core, native (g++ -O3)', color: '#7f7f7f', points: pts });
}

const W = 760, H = 440, L = 70, R = 250, T = 40, B = 50;
const maxX = 10000;
const maxY = Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.05;
const x = (v) => L + (v / maxX) * (W - L - R);
const y = (v) => H - B - (v / maxY) * (H - T - B);
const step = [0.5, 1, 2, 5, 10, 20, 50, 100, 200].find((s) => maxY / s <= 8) ?? 500;
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`;
svg += `<rect width="${W}" height="${H}" fill="white"/>`;
svg += `<text x="${L}" y="22" font-size="15" font-weight="bold">Full rerank (score, MMR over ${node.settings.rerank.topK} slots, reasons): median ms vs candidates</text>`;
for (let v = 0; v <= maxY; v += step) {
  svg += `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`;
}
for (let v = 0; v <= maxX; v += 2000) {
  svg += `<line x1="${x(v)}" x2="${x(v)}" y1="${T}" y2="${H - B}" stroke="#eee"/><text x="${x(v)}" y="${H - B + 18}" text-anchor="middle">${v}</text>`;
}
svg += `<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">candidates</text>`;
svg += `<text transform="translate(18 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">ms (median)</text>`;
series.forEach((s, k) => {
  const pts = [...s.points].sort((a, b) => a[0] - b[0]);
  svg += `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ')}"/>`;
  for (const p of pts) svg += `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${s.color}"/>`;
  svg += `<rect x="${W - R + 15}" y="${T + 10 + k * 22}" width="14" height="4" fill="${s.color}"/><text x="${W - R + 35}" y="${T + 16 + k * 22}">${s.name}</text>`;
});
svg += `<text x="${W - R + 15}" y="${T + 30 + series.length * 22}" fill="#555">Node ${node.machine.node}, ${node.machine.nproc} cores</text>`;
svg += `<text x="${W - R + 15}" y="${T + 46 + series.length * 22}" fill="#555">load ${node.machine.loadBefore.map((l) => l.toFixed(2)).join(' ')}</text>`;
svg += '</svg>';
writeFileSync(outPng.replace(/\.png$/, '.svg'), svg);

const dir = mkdtempSync(join(tmpdir(), 'pw-bench-'));
const ctx = await chromium.launchPersistentContext(dir, {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await ctx.newPage();
  await page.setViewportSize({ width: W, height: H });
  await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: outPng });
} finally {
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`wrote ${outPng}`);
