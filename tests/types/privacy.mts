// SPDX-License-Identifier: MIT
// Type-checks the privacy API: consent, reports, budget, localrank/server, worker.
import { createPersonalizer, LocalrankError, type AggregateReport, type ConsentState, type PrivacyBudget } from 'localrank';
import { createAggregator, createReportEncoder, type Estimates, type FrequencyEstimate } from 'localrank/server';
import { createWorkerPersonalizer } from 'localrank/worker';
import { createOhttpRelay, type OhttpRelay } from 'localrank/ohttp';
import { createPersonalizer as createTestPersonalizer } from 'localrank/testing';

async function main(): Promise<void> {
  const taxonomy = ['cooking', 'fitness'];
  const p = await createPersonalizer({
    taxonomy, sensitiveTopics: ['fitness'], segments: [{ id: 'cooks', topics: { cooking: 1 } }],
    privacy: { epsilonPerReport: 1, epsilonCap: 4, windowDays: 30, honorGpc: true, policyVersion: '2024-05', instantEpsilon: 0, config: { taxonomy }, gpc: false },
  });
  const c: ConsentState = await p.consent.set({ personalization: true, aggregateMeasurement: true });
  const r: AggregateReport | null = p.buildAggregateReport();
  const b: PrivacyBudget = p.privacyBudget();
  const sent = await p.sendAggregateReport(new URL('https://example.org/v1/reports'));
  const relay: OhttpRelay = createOhttpRelay({ url: 'https://relay.example/', keyConfig: new Uint8Array(0) });
  const schedule = await p.scheduleAggregateReports('https://example.org/v1/reports', { relay, retries: 1, auto: false });
  const due = await schedule.runDue();
  const next: number | null = schedule.nextAt;
  p.on('report', (d) => { if (d) console.log(d.report.id, d.status); });
  schedule.stop();
  console.log(due?.status, next);
  await p.forget();
  const agg = await createAggregator({ taxonomy, minReports: 50 });
  if (r) agg.ingest(r);
  const e: Estimates = agg.estimate();
  const first: FrequencyEstimate | undefined = e.topics[0];
  const enc = await createReportEncoder({ taxonomy, random: (w) => w.fill(1) });
  agg.ingest(enc.encode({ interest: { cooking: 1 } }, { day: '2026-11-23' }));
  try { agg.ingest({ bogus: true }); } catch (err) { if (!(err instanceof LocalrankError)) throw err; }
  // @ts-expect-error privacy.random is an option of localrank/testing only
  await createPersonalizer({ taxonomy, privacy: { random: (words: Uint32Array) => words.fill(7) } }).catch(() => null);
  const t = await createTestPersonalizer({ taxonomy, privacy: { random: (words) => words.fill(7) } });
  t.dispose();
  const w = await createWorkerPersonalizer({ taxonomy });
  const wc: ConsentState = await w.consent.get();
  const wr: AggregateReport | null = await w.buildAggregateReport();
  const wb: PrivacyBudget = await w.privacyBudget();
  await w.forget();
  // @ts-expect-error the report kind is 0 or 1
  const bad: AggregateReport = { ...r!, kind: 2 };
  const seg = e.segments[0];
  const segShare: number | null | undefined = seg?.share;
  console.log(c.gpc, c.gpcOverride, e.epsilonOfOneReport, segShare, b.remaining, sent?.status, first?.ci95[0], wc.updatedAt, wr?.day, wb.reportsLeft, bad);
}

void main();
