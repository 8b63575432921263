// SPDX-License-Identifier: MIT
// Population insights: what the collector can estimate from everyone's noisy
// aggregate reports: topic popularity as consistent shares (>= 0, summing to
// 1) with 95% bootstrap intervals.
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
    'together they estimate how many people have each topic as their top interest. ' +
    'Shares are adjusted to be at least 0 and to add up to 100% (Norm-Sub); whiskers show 95% intervals (bootstrap).';
  const pct = (/** @type {number} */ x) => `${(x * 100).toFixed(1)}%`;
  /** @param {{share: number, ci95: [number, number]}} e @param {string} label */
  const bar = (e, label) => ({
    label, value: e.share, interval: e.ci95,
    note: `${pct(e.share)} [${(e.ci95[0] * 100).toFixed(0)}–${(e.ci95[1] * 100).toFixed(0)}]`,
  });
  // The consistent shares (never negative, summing to 1), not the unbiased counts: a chart of shares should not
  // show a negative bar or a share above 100%.
  const c = est.consistent;
  const topics = [...c.topics].sort((a, b) => b.share - a.share);
  out.replaceChildren(
    barChart(topics.map((t) => bar(t, t.topic)), { title: 'Estimated share of people per top topic', width: 640, labelWidth: 110, format: pct }),
    h('p', { class: 'hint', text: 'Each estimate is off by up to its interval: that noise is what protects each person. The rest, people with no top topic yet, is not drawn.' }),
  );
  // A segment estimated below k is suppressed by the collector (no figures).
  const shown = c.segments.filter((/** @type {{suppressed?: boolean}} */ s) => !s.suppressed);
  if (!est.suppressed?.segments && shown.length > 0) {
    const segs = [...shown].sort((a, b) => b.share - a.share);
    out.append(
      h('h3', { text: 'Motivation segments' }),
      barChart(segs.map((t) => bar(t, t.segment)), { title: 'Estimated share of people per segment', width: 640, labelWidth: 110, format: pct }),
    );
  }
  const hidden = c.segments.length - shown.length;
  if (!est.suppressed?.segments && hidden > 0) {
    out.append(h('p', { class: 'hint', text: `${hidden} segment${hidden > 1 ? 's are' : ' is'} not shown: estimated below ${est.minReports} people, too few to publish.` }));
  }
}
