// SPDX-License-Identifier: MIT
// The demo's report configuration (report-config.json): the topics of the demo
// feed (scripts/gen-feed.mjs) and the motivation segments its collector
// publishes. Devices and collector share it; the collector is localrank-collector
// (`localrank-collector --taxonomy web-demo/report-config.json` serves the same).
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const file = JSON.parse(readFileSync(new URL('./report-config.json', import.meta.url), 'utf8'));

/** Topics of the demo feed; devices and server share them. */
export const DEMO_TAXONOMY = Object.freeze(/** @type {string[]} */ (file.taxonomy));

/** Motivation segments the demo server publishes. */
export const DEMO_SEGMENTS = Object.freeze(/** @type {{id: string, topics: Record<string, number>}[]} */ (file.segments));

/** Topics of special categories (GDPR art. 9) that never enter a report or a segment (docs/privacy.md). */
export const DEMO_SENSITIVE_TOPICS = Object.freeze(/** @type {string[]} */ (file.sensitiveTopics ?? []));

export const DEMO_REPORT_CONFIG = Object.freeze({
  taxonomy: DEMO_TAXONOMY, sensitiveTopics: DEMO_SENSITIVE_TOPICS, segments: DEMO_SEGMENTS, epsilonPerReport: /** @type {number} */ (file.epsilonPerReport),
});

/** Default database of the demo: a SQLite file under the OS temp dir. */
export const DEFAULT_DB_PATH = join(tmpdir(), 'localrank-demo-collector.sqlite');
