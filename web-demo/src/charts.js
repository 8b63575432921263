// SPDX-License-Identifier: MIT
// A small horizontal bar chart in SVG (attributes only: the CSP allows no
// inline styles), with optional confidence-interval whiskers.
import { svg } from './dom.js';

/**
 * @typedef {object} Bar
 * @property {string} label
 * @property {number} value
 * @property {string} [note]  text after the bar, e.g. "12%"
 * @property {[number, number]} [interval]  e.g. a 95% confidence interval
 */

/**
 * @param {Bar[]} bars @param {{title: string, labelWidth?: number, width?: number, format?: (x: number) => string}} o
 * @returns {SVGElement}
 */
export function barChart(bars, { title, labelWidth = 130, width = 560, format = (x) => x.toFixed(2) }) {
  const rowH = 26, top = 6, noteW = 110;
  const plotW = width - labelWidth - noteW;
  const values = bars.flatMap((b) => [b.value, ...(b.interval ?? [])]);
  const lo = Math.min(0, ...values), hi = Math.max(1e-9, ...values);
  const x = (/** @type {number} */ v) => labelWidth + ((v - lo) / (hi - lo)) * plotW;
  const height = top * 2 + bars.length * rowH;
  const chart = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `${title}: ${bars.map((b) => `${b.label} ${b.note ?? format(b.value)}`).join(', ')}` });
  chart.append(svg('line', { class: 'axis', x1: x(0), x2: x(0), y1: top - 2, y2: height - top + 2 }));
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const x0 = x(Math.min(0, b.value)), x1 = x(Math.max(0, b.value));
    chart.append(
      svg('text', { class: 'chart-label', x: labelWidth - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end' }, b.label),
      svg('rect', { class: b.value >= 0 ? 'bar-pos' : 'bar-neg', x: x0.toFixed(1), y: y + 5, height: rowH - 10, rx: 3,
        width: Math.max(1, x1 - x0).toFixed(1) }));
    if (b.interval) {
      const [a, c] = b.interval.map(x);
      const m = y + rowH / 2;
      chart.append(svg('path', { class: 'whisker', d: `M${a.toFixed(1)} ${m - 6}v12M${a.toFixed(1)} ${m}H${c.toFixed(1)}M${c.toFixed(1)} ${m - 6}v12` }));
    }
    chart.append(svg('text', { class: 'chart-note', x: width - noteW + 8, y: y + rowH / 2 + 4 }, b.note ?? format(b.value)));
  });
  return chart;
}
