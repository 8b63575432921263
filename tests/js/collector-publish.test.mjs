// SPDX-License-Identifier: MIT
// The collector publishes estimates in batches (collector/src/index.mjs,
// `publish`): GET /v1/estimates changes at most every N minutes and only after
// B new reports, so that comparing answers before and after one report (for
// any windows) recovers nothing of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReportEncoder } from 'localrank/server';
import { createCollector } from 'localrank-collector';
import { DEMO_REPORT_CONFIG } from '../../web-demo/demo-config.mjs';

const DAY = 86400000;
const MINUTE = 60000;
const T0 = Date.parse('2026-12-07T10:00:00Z');
const utc = (/** @type {number} */ t) => new Date(t).toISOString().slice(0, 10);

test('one report changes no answer of /v1/estimates, for any window; a batch of B after N minutes does', async (t) => {
  let now = T0;
  const app = await createCollector({ config: DEMO_REPORT_CONFIG, store: 'sqlite::memory:', minReports: 1, now: () => now, publish: { everyMinutes: 60, minNewReports: 5 } });
  const enc = await createReportEncoder(DEMO_REPORT_CONFIG);
  t.after(async () => { enc.dispose(); await app.close(); });
  const send = async (/** @type {number} */ topic, /** @type {number} */ at) => {
    const report = enc.encode({ interest: { [DEMO_REPORT_CONFIG.taxonomy[topic]]: 1 } }, { day: utc(at) });
    const res = await app.inject({ method: 'POST', url: '/v1/reports', payload: report });
    assert.equal(res.statusCode, 202, res.body);
  };
  // Earlier days (no longer accepting reports later on) and today.
  for (let i = 0; i < 6; i++) await send(i % 3, T0 - 2 * DAY);
  for (let i = 0; i < 6; i++) await send(i % 3, T0);
  const windows = [
    {}, { from: utc(T0), to: utc(T0) }, { from: utc(T0 - 2 * DAY), to: utc(T0 - 2 * DAY) },
    { from: utc(T0 - DAY), to: utc(T0 + DAY) }, { from: utc(T0 - 10 * DAY), to: utc(T0 - DAY) },
  ];
  const answers = async () => Promise.all(windows.map(async (q) => {
    const res = await app.inject({ method: 'GET', url: '/v1/estimates', query: q });
    assert.equal(res.statusCode, 200, res.body);
    const { publishedAt, ...rest } = res.json();
    return { publishedAt, rest };
  }));
  const before = await answers();
  assert.equal(before[0].rest.reports, 12, 'the first answer publishes what is there');

  // The victim's report, then every window again: identical.
  await send(7, now);
  assert.deepEqual(await answers(), before, 'one report later: the same answers');
  now += 61 * MINUTE;
  assert.deepEqual(await answers(), before, 'an hour later, with 1 < 5 new reports: still the same');
  // The operator's own view is live (it receives the reports anyway).
  assert.equal((await app.collector.estimate('0001-01-01', '9999-12-31')).reports, 13);

  for (let i = 0; i < 3; i++) await send(1, now);
  assert.deepEqual(await answers(), before, '4 new reports: not yet');
  await send(2, now);
  const after = await answers();
  assert.equal(after[0].rest.reports, 17, 'at 5 new reports a new publication');
  assert.notEqual(after[0].publishedAt, before[0].publishedAt);
  // The newest answer changes again only after another N minutes and B reports.
  for (let i = 0; i < 5; i++) await send(0, now);
  now += 30 * MINUTE;
  assert.deepEqual(await answers(), after, '5 more reports but only 30 minutes: unchanged');
  now += 31 * MINUTE;
  assert.equal((await answers())[0].rest.reports, 22);
});

test('publication: days that no longer accept reports are read as they are; publish options are checked', async (t) => {
  let now = T0;
  const app = await createCollector({ config: DEMO_REPORT_CONFIG, store: 'sqlite::memory:', minReports: 1, now: () => now, publish: { everyMinutes: 0, minNewReports: 1 } });
  t.after(() => app.close());
  const enc = await createReportEncoder(DEMO_REPORT_CONFIG);
  const res = await app.inject({ method: 'POST', url: '/v1/reports', payload: enc.encode({ interest: { [DEMO_REPORT_CONFIG.taxonomy[0]]: 1 } }, { day: utc(T0) }) });
  enc.dispose();
  assert.equal(res.statusCode, 202);
  const one = (await app.inject({ method: 'GET', url: '/v1/estimates' })).json();
  assert.equal(one.reports, 1, 'minNewReports 1, everyMinutes 0: every report is published');
  // A week later the day of that report is no longer in the snapshot's days; it is still counted.
  now += 7 * DAY;
  const later = (await app.inject({ method: 'GET', url: '/v1/estimates' })).json();
  assert.equal(later.reports, 1);
  await assert.rejects(createCollector({ config: DEMO_REPORT_CONFIG, store: 'sqlite::memory:', publish: { everyMinutes: -1 } }), /publish.everyMinutes/);
  await assert.rejects(createCollector({ config: DEMO_REPORT_CONFIG, store: 'sqlite::memory:', publish: { minNewReports: NaN } }), /publish.minNewReports/);
});
