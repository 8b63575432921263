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
  const topics = [...est.topics].sort((a, b) => b.share - a.share);
  if (est.reports === 0 || topics.length === 0) {
    summary.textContent = 'No reports yet. Estimates appear once people who opted in have sent reports.';
    out.replaceChildren();
    return;
  }
  summary.textContent = `Estimated from ${est.reports} report${est.reports === 1 ? '' : 's'}. ` +
    'Each report is randomized on its device, so no single report says what its sender likes; ' +
    'together they estimate each topic’s share of interest. Whiskers show 95% confidence intervals.';
  const pct = (/** @type {number} */ x) => `${(x * 100).toFixed(1)}%`;
  out.replaceChildren(
    barChart(topics.map((t) => ({
      label: t.topic, value: t.share, interval: /** @type {[number, number]} */ (t.ci95),
      note: `${pct(t.share)} ± ${pct(1.96 * t.stdError)}`,
    })), { title: 'Estimated share of interest per topic', width: 640, labelWidth: 110, format: pct }),
    h('p', { class: 'hint', text: 'Shares can be slightly negative or above the true value: that is the noise that protects each person.' }),
  );
}
