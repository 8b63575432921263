// SPDX-License-Identifier: MIT
// Checks a report passes before anything is counted or any limit is spent:
// one key per JSON object, a day near today, and (OUE) a bit-vector weight an
// honest device produces with probability at least 1e-6.

/** Reports whose weight is rarer than this under the mechanism are refused. */
export const MIN_WEIGHT_PROBABILITY = 1e-6;

/** Days accepted around the collector's UTC today: [today - 2, today + 1]. */
export const DAYS_BEFORE = 2;
export const DAYS_AFTER = 1;

const MS_PER_DAY = 86400000;

/**
 * The first key that appears twice in one object of a JSON text, or null.
 * Malformed text returns null (JSON.parse reports it). Keys are compared
 * after unescaping, so "a" and "\u0061" are the same key.
 * @param {string} text
 * @returns {string|null}
 */
export function duplicateKey(text) {
  /** @type {(Set<string>|null)[]} */
  const stack = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      const top = stack[stack.length - 1];
      if (top && expectKey) {
        let key;
        try {
          key = JSON.parse(text.slice(i, j + 1));
        } catch {
          return null;
        }
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return null;
}

/**
 * The UTC day of a time in ms, YYYY-MM-DD.
 * @param {number} ms
 */
export function utcDay(ms) {
  return new Date(Math.floor(ms / MS_PER_DAY) * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * The days a report may carry at time `now`: [today - 2, today + 1] (UTC).
 * @param {number} now ms
 */
export function acceptedDays(now) {
  return { from: utcDay(now - DAYS_BEFORE * MS_PER_DAY), to: utcDay(now + DAYS_AFTER * MS_PER_DAY) };
}

/**
 * Probabilities of an OUE report's weight (number of set bits) from an honest
 * device: the true bit is set with probability p, each of the other d - 1
 * with probability q, so weight = Bernoulli(p) + Binomial(d - 1, q).
 * @param {number} d domain size
 * @param {number} p
 * @param {number} q
 * @returns {number[]} pmf[w] for w = 0..d
 */
export function oueWeightPmf(d, p, q) {
  const m = d - 1;
  // Binomial(m, q) by the recurrence pmf(k+1) = pmf(k) * (m-k)/(k+1) * q/(1-q).
  const bin = new Array(m + 1).fill(0);
  bin[0] = Math.pow(1 - q, m);
  for (let k = 0; k < m; k++) bin[k + 1] = bin[k] * ((m - k) / (k + 1)) * (q / (1 - q));
  const pmf = new Array(d + 1).fill(0);
  for (let w = 0; w <= d; w++) pmf[w] = (1 - p) * (bin[w] ?? 0) + p * (w > 0 ? bin[w - 1] : 0);
  return pmf;
}

/**
 * The weights an honest OUE device produces with probability >= `limit` in
 * either tail: weight w is refused when P(W >= w) < limit or P(W <= w) < limit.
 * @param {number} d domain size
 * @param {number} epsilon  epsilonPerReport
 * @param {number} [limit]
 * @param {{p: number, q: number}} [support]  each bit's probabilities when they are not those of `epsilon`
 *   alone: with instantEpsilon, the aggregator's composed `support` (localrank/server)
 * @returns {{min: number, max: number, p: number, q: number}}
 */
export function plausibleOueWeights(d, epsilon, limit = MIN_WEIGHT_PROBABILITY, support = { p: 0.5, q: 1 / (Math.exp(epsilon) + 1) }) {
  const { p, q } = support;
  const pmf = oueWeightPmf(d, p, q);
  let min = 0;
  let below = pmf[0];
  while (min < d && below < limit) below += pmf[++min];
  let max = d;
  let above = pmf[d];
  while (max > 0 && above < limit) above += pmf[--max];
  return { min, max, p, q };
}
