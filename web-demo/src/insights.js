// SPDX-License-Identifier: MIT
// Population insights: what the collector can estimate from everyone's noisy
// aggregate reports: topic popularity with 95% confidence intervals.
import { h, $ } from './dom.js';
import { barChart } from './charts.js';

export const ESTIMATES_URL = '/v1/estimates';

/** Fetches the collector's estimates and draws them. */
export async function renderInsights() {
  const out = $('#insights-chart');
  const summary = $('#insights-summary');
  let est;
  try {
    const res = await fetch(ESTIMATES_URL, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(res.status === 404 ? 'this server has no collector' : `HTTP ${res.status}`);
    est = await res.json();
  } catch (e) {
    summary.textContent = `No estimates: ${/** @type {Error} */ (e).message}.`;
    out.replaceChildren();
    return;
  }
  if (est.suppressed?.topics || est.topics.length === 0) {
    summary.textContent = `Not enough reports yet (${est.reports} of the ${est.minReports} needed): ` +
      'nothing is published from fewer, so no small group can be singled out.';
    out.replaceChildren();
    return;
  }
  summary.textContent = `Estimated from ${est.reports} report${est.reports === 1 ? '' : 's'}. ` +
    'Each report is randomized on its device, so no single report says what its sender likes; ' +
    'together they estimate how many people have each topic as their top interest. Whiskers show 95% confidence intervals.';
  const n = est.reports;
  const pct = (/** @type {number} */ x) => `${(x * 100).toFixed(1)}%`;
  /** @param {{count: number, share: number, stdError: number, ci95: [number, number]}} e @param {string} label */
  const bar = (e, label) => ({
    label, value: e.share, interval: /** @type {[number, number]} */ ([e.ci95[0] / n, e.ci95[1] / n]),
    note: `${pct(e.share)} ± ${pct((1.96 * e.stdError) / n)}`,
  });
  const topics = [...est.topics].sort((a, b) => b.share - a.share);
  out.replaceChildren(
    barChart(topics.map((t) => bar(t, t.topic)), { title: 'Estimated share of people per top topic', width: 640, labelWidth: 110, format: pct }),
    h('p', { class: 'hint', text: 'An estimate can be slightly negative or off by its interval: that noise is what protects each person.' }),
  );
  if (!est.suppressed?.segments && est.segments.length > 0) {
    const segs = [...est.segments].sort((a, b) => b.share - a.share);
    out.append(
      h('h3', { text: 'Motivation segments' }),
      barChart(segs.map((t) => bar(t, t.segment)), { title: 'Estimated share of people per segment', width: 640, labelWidth: 110, format: pct }),
    );
  }
}
