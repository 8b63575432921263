// SPDX-License-Identifier: MIT
// `scripts/evaluate --privacy-linkage [--devices N] [--seed K]`: how often a
// server that links all reports of a device recovers its top topic, after 1, 3
// and 12 windows of 4 reports, without memoization (fresh noise per report),
// with it, and with instantaneous noise on top (scripts/lib/privacy-linkage.mjs).
import { simulateLinkage } from './lib/privacy-linkage.mjs';

/** @param {string[]} args */
export async function main(args) {
  const arg = (/** @type {string} */ name, /** @type {number} */ fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const out = await simulateLinkage({ devices: arg('--devices', 1000), seed: arg('--seed', 2026) });
  console.log(`Linkage attack, ${out.devices} devices, demo configuration (${out.topics} reportable topics; chance ${(100 * out.chance).toFixed(1)}%)`);
  console.log('| reports | windows | fresh noise | memoized | memoized + instantaneous noise |');
  console.log('|---|---|---|---|---|');
  for (const w of [...new Set(out.results.map((r) => r.windows))]) {
    const at = (/** @type {string} */ mode) => out.results.find((r) => r.mode === mode && r.windows === w);
    const pct = (/** @type {any} */ r) => (r ? `${(100 * r.recovered).toFixed(1)}%` : '-');
    console.log(`| ${w * 4} | ${w} | ${pct(at('fresh'))} | ${pct(at('memo'))} | ${pct(at('memo+irr'))} |`);
  }
  return 0;
}
