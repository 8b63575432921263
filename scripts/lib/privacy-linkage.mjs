// SPDX-License-Identifier: MIT
// The linkage attack of issue 22, through the built package: a server that
// can link all the reports of one device (same address, cookie, timing) adds
// up what they support and guesses the device's top topic as the topic with
// the most support. Run on a seeded population with the demo's report
// configuration (web-demo/report-config.json), three ways:
// - fresh:    every report draws new noise (localrank before memoization,
//             reproduced with localrank/server's createReportEncoder);
// - memo:     real personalizers (localrank/testing, seeded), memoized answers;
// - memo+irr: the same, with instantaneous noise (instantEpsilon) on top.
// Used by `scripts/evaluate --privacy-linkage` and tests/js/privacy-linkage.test.mjs.
import { readFileSync } from 'node:fs';
import { createPersonalizer } from 'localrank/testing';
import { createAggregator, createReportEncoder } from 'localrank/server';
import { rng } from './prng.mjs';

const DAY = 24 * 3600 * 1000;
const T0 = Date.UTC(2026, 0, 5);

/** The demo's report configuration: taxonomy, sensitive topics, segments, epsilon. */
export function demoReportConfig() {
  return JSON.parse(readFileSync(new URL('../../web-demo/report-config.json', import.meta.url), 'utf8'));
}

/** Uniform 32-bit words from a seeded generator (tests and simulations only). @param {number} seed */
function seededWords(seed) {
  const next = rng(seed);
  return (/** @type {Uint32Array} */ w) => { for (let i = 0; i < w.length; i++) w[i] = Math.floor(next() * 4294967296) >>> 0; };
}

/** A Map-backed storage adapter (one per simulated device). */
function mapStorage() {
  const map = new Map();
  return { get: async (k) => map.get(k) ?? null, set: async (k, v) => { map.set(k, v); }, delete: async (k) => { map.delete(k); }, keys: () => map.keys() };
}

/**
 * Seeded devices: each has a top topic (uniform over the reportable topics)
 * and two weaker secondary topics.
 * @param {string[]} topics reportable topics @param {number} n @param {() => number} r
 */
function population(topics, n, r) {
  return Array.from({ length: n }, () => {
    const top = topics[Math.floor(r() * topics.length)];
    /** @type {Record<string, number>} */
    const interest = { [top]: 3 };
    for (let k = 0; k < 2; k++) {
      const t = topics[Math.floor(r() * topics.length)];
      if (t !== top) interest[t] = 1;
    }
    return { top, interest };
  });
}

/**
 * Runs the attack.
 * @param {{devices?: number, windows?: number[], reportsPerWindow?: number, seed?: number,
 *   modes?: ('fresh'|'memo'|'memo+irr')[], instantEpsilon?: number}} [o]
 * @returns {Promise<{chance: number, devices: number, topics: number, results: {mode: string, windows: number, reports: number, recovered: number}[]}>}
 */
export async function simulateLinkage(o = {}) {
  const devices = o.devices ?? 1000;
  const windows = o.windows ?? [1, 3, 12];
  const perWindow = o.reportsPerWindow ?? 4;
  const seed = o.seed ?? 2026;
  const modes = o.modes ?? ['fresh', 'memo', 'memo+irr'];
  const instantEpsilon = o.instantEpsilon ?? 2;
  const config = demoReportConfig();
  const sensitive = new Set(config.sensitiveTopics ?? []);
  const topics = config.taxonomy.filter((/** @type {string} */ t) => !sensitive.has(t));
  const people = population(topics, devices, rng(seed));
  const maxWindows = Math.max(...windows);
  /** @type {{mode: string, windows: number, reports: number, recovered: number}[]} */
  const results = [];
  for (const mode of modes) {
    const cfg = mode === 'memo+irr' ? { ...config, instantEpsilon } : config;
    const agg = await createAggregator({ ...cfg, minReports: 1 });
    const correct = new Map(windows.map((w) => [w, 0]));
    const enc = mode === 'fresh' ? await createReportEncoder({ ...cfg, random: seededWords(seed + 1) }) : null;
    for (let d = 0; d < devices; d++) {
      // What the attacker sums: the support of this device's linked topic reports.
      const support = new Float64Array(config.taxonomy.length);
      let now = T0;
      const p = enc ? null : await createPersonalizer({
        taxonomy: cfg.taxonomy, sensitiveTopics: cfg.sensitiveTopics, segments: cfg.segments, storage: mapStorage(), now: () => now,
        autosaveMs: 0, consent: { personalization: true, aggregateMeasurement: true },
        privacy: { epsilonPerReport: cfg.epsilonPerReport, instantEpsilon: cfg.instantEpsilon, random: seededWords(seed * 7919 + d) },
      });
      for (let w = 1; w <= maxWindows; w++) {
        now = T0 + (w - 1) * 31 * DAY;
        // The device keeps its interests: the same engagement every window.
        if (p) for (const [t, n] of Object.entries(people[d].interest)) for (let i = 0; i < n; i++) p.record({ type: 'like', topics: { [t]: 1 } });
        for (let k = 0; k < perWindow; k++) {
          now += DAY;
          const report = enc ? enc.encode({ interest: people[d].interest }, { now }) : p?.buildAggregateReport();
          if (!report) continue;
          const c = agg.decode(report);
          if (c.kind === 'topic') for (const v of c.supported) if (v < config.taxonomy.length) support[v]++;
        }
        if (!correct.has(w)) continue;
        // The attacker's guess: the most supported reportable topic, a tie broken
        // uniformly at random; counted as its expected success, 1 / (tied topics)
        // when the true top topic is among them (the same mean, less variance).
        let best = -1, ties = 0, hit = false;
        for (const t of topics) {
          const s = support[config.taxonomy.indexOf(t)];
          if (s > best) { best = s; ties = 1; hit = t === people[d].top; } else if (s === best) { ties++; hit ||= t === people[d].top; }
        }
        if (hit) correct.set(w, /** @type {number} */ (correct.get(w)) + 1 / ties);
      }
      p?.dispose();
    }
    enc?.dispose();
    for (const w of windows) results.push({ mode, windows: w, reports: w * perWindow, recovered: /** @type {number} */ (correct.get(w)) / devices });
    agg.dispose();
  }
  return { chance: 1 / topics.length, devices, topics: topics.length, results };
}
