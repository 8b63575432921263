// SPDX-License-Identifier: MIT
// Reports built with the seeded test randomness (localrank/testing and the
// server's encoder) for tests/fixtures/reports.expected.json: the device's
// reports must stay byte for byte what they were whatever module builds them
// (the report encoder moved from the device module to localrank_core_reports.wasm,
// its variant that a taxonomy loads).
// The random `id` of each report (crypto.getRandomValues, never seeded) is left out.
// Regenerate only for an intended change of the encoding:
//   node tests/js/report-fixture.mjs [package dist folder] > tests/fixtures/reports.expected.json
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { seededWords, mapStorage, TAXONOMY, SEGMENTS } from './privacy-helpers.mjs';

const T0 = Date.UTC(2026, 0, 5, 12);
const DAY = 24 * 3600 * 1000;

const CASES = [
  { name: 'oue, memo, three days', seed: 1, privacy: { mechanism: 'oue' } },
  { name: 'olh, memo, three days', seed: 2, privacy: { mechanism: 'olh' } },
  { name: 'segments, instant noise', seed: 3, segments: SEGMENTS, privacy: { instantEpsilon: 1.5, epsilonPerReport: 0.5 } },
  { name: 'sensitive topic, auto', seed: 4, sensitiveTopics: ['politics'], privacy: {} },
];

/** @param {Record<string, any>} r */
const withoutId = ({ id, ...rest }) => rest;

/**
 * The reports of every case, built with the package in `dist`.
 * @param {string} dist  a package's dist folder (with testing.mjs and server.mjs)
 */
export async function buildReports(dist) {
  const base = pathToFileURL(`${resolve(dist)}/`);
  const { createPersonalizer } = await import(new URL('testing.mjs', base).href);
  const { createReportEncoder } = await import(new URL('server.mjs', base).href);
  const out = [];
  for (const c of CASES) {
    let now = T0;
    const p = await createPersonalizer({
      now: () => now, autosaveMs: 0, taxonomy: TAXONOMY, segments: c.segments, sensitiveTopics: c.sensitiveTopics,
      storage: mapStorage(), consent: { personalization: true, aggregateMeasurement: true },
      privacy: { epsilonCap: 8, random: seededWords(c.seed), ...c.privacy },
    });
    p.record([{ type: 'like', topics: { cooking: 3, travel: 1 } }, { type: 'share', topics: { politics: 2, music: 1 } }]);
    const reports = [];
    for (let d = 0; d < 3; d++) {
      now = T0 + d * DAY;
      reports.push(withoutId(p.buildAggregateReport()));
    }
    p.record({ type: 'like', topics: { fitness: 6, sports: 4 } });
    reports.push(withoutId(p.buildAggregateReport()));
    p.dispose();
    const enc = await createReportEncoder({ taxonomy: TAXONOMY, segments: c.segments, random: seededWords(c.seed + 100), ...c.privacy });
    for (const interest of [{ cooking: 1 }, { fitness: 2, travel: 1 }]) reports.push(withoutId(enc.encode({ interest }, { day: '2026-01-05' })));
    enc.dispose();
    out.push({ name: c.name, reports });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dist = process.argv[2] ?? new URL('../../wasm/dist/', import.meta.url).pathname;
  process.stdout.write(`${JSON.stringify(await buildReports(dist), null, 1)}\n`);
}
