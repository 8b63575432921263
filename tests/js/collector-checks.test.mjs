// SPDX-License-Identifier: MIT
// The collector's checks and post-processing as functions: duplicate keys,
// the OUE weight bound, Norm-Sub and its bootstrap intervals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createAggregator, createReportEncoder } from 'localrank/server';
import { createCollector, duplicateKey, plausibleOueWeights, normSub, consistentShares } from 'localrank-collector';
import { DEMO_REPORT_CONFIG, DEMO_TAXONOMY } from '../../web-demo/demo-config.mjs';
import { seededWords } from './privacy-helpers.mjs';

const RUNS = Number(process.env.LOCALRANK_PROPERTY_RUNS ?? 100);

test('duplicateKey finds a key repeated in any object, escaped or not, and nothing else', () => {
  assert.equal(duplicateKey('{"a":1,"b":2}'), null);
  assert.equal(duplicateKey('{"a":1,"a":2}'), 'a');
  assert.equal(duplicateKey('{"a":1,"\\u0061":2}'), 'a');
  assert.equal(duplicateKey('{"a":{"b":1},"c":{"b":2}}'), null, 'the same key in two objects');
  assert.equal(duplicateKey('{"a":{"b":1,"b":2}}'), 'b');
  assert.equal(duplicateKey('[{"a":1},{"a":2}]'), null);
  assert.equal(duplicateKey('{"a":"x,\\"a\\":1","b":["a","a"]}'), null, 'keys inside strings and array values are not keys');
  assert.equal(duplicateKey('{"a":'), null, 'malformed: left to JSON.parse');
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (o) => {
    const text = JSON.stringify(o);
    assert.equal(duplicateKey(text), null);
    const keys = Object.keys(o);
    if (keys.length) assert.equal(duplicateKey(`${text.slice(0, -1)},${JSON.stringify(keys[0])}:0}`), keys[0]);
  }), { numRuns: RUNS });
});

test('the OUE weight bound refuses all-ones and all-zeros vectors and keeps 1 - 1e-6 of honest ones', async () => {
  const d = DEMO_TAXONOMY.length + 1;
  const w = plausibleOueWeights(d, 1);
  assert.ok(w.max < d, `all ${d} bits set is refused (max ${w.max})`);
  assert.ok(w.min <= 1, `a one-hot vector is plausible (min ${w.min})`);
  // Larger domains: the empty vector becomes implausible too.
  assert.ok(plausibleOueWeights(64, 1).min > 0);
  // Honest reports of the demo configuration: none is refused.
  const enc = await createReportEncoder({ ...DEMO_REPORT_CONFIG, segments: [], random: seededWords(11) });
  let refused = 0;
  for (let i = 0; i < 20000; i++) {
    const r = enc.encode({ interest: { [DEMO_TAXONOMY[i % d] ?? 'cooking']: 1 } });
    const bits = Buffer.from(r.data, 'hex');
    let weight = 0;
    for (const b of bits) for (let k = 0; k < 8; k++) weight += (b >> k) & 1;
    if (weight < w.min || weight > w.max) refused++;
  }
  enc.dispose();
  assert.equal(refused, 0, 'an honest report is refused with probability < 2e-6');
});

test('Norm-Sub gives non-negative shares summing to 1 and keeps the order of the estimates', () => {
  assert.deepEqual(normSub([0.5, 0.5]), [0.5, 0.5]);
  assert.deepEqual(normSub([1.2, -0.1, -0.1]), [1, 0, 0]);
  const s = normSub([0.6, 0.3, -0.2, 0.1]);
  assert.ok(Math.abs(s[0] - 0.6) < 1e-12 && Math.abs(s[1] - 0.3) < 1e-12 && s[2] === 0 && Math.abs(s[3] - 0.1) < 1e-12);
  fc.assert(fc.property(fc.array(fc.double({ min: -2, max: 3, noNaN: true }), { minLength: 1, maxLength: 40 }), (f) => {
    const out = normSub(f);
    assert.ok(out.every((x) => x >= 0));
    assert.ok(Math.abs(out.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    for (let i = 0; i < f.length; i++) {
      for (let j = 0; j < f.length; j++) if (f[i] > f[j]) assert.ok(out[i] >= out[j] - 1e-12);
    }
  }), { numRuns: RUNS });
});

test('the consistent shares\' intervals hold the truth about 95% of the time (at least 90 of 100 runs), also where Norm-Sub is biased', () => {
  // Simulated OUE support counts of n reports at epsilon 1: 24 topics + none, as the demo; Norm-Sub pulls the
  // mid-sized shares (20%, 12%) down by 2-3 points here, and percentile intervals alone held 12% in 78% of runs.
  const d = 25;
  const truth = Array.from({ length: d }, (_, i) => [0.35, 0.2, 0.12][i] ?? 0.33 / 22);
  const p = 0.5;
  const q = 1 / (Math.E + 1);
  const n = 1000;
  const rand = seededWords(3);
  const word = new Uint32Array(1);
  const u = () => { rand(word); return word[0] / 4294967296; };
  const trials = 100;
  const covered = truth.map(() => 0);
  for (let trial = 0; trial < trials; trial++) {
    const support = truth.map(() => 0);
    for (let i = 0; i < n; i++) {
      let x = u();
      let v = 0;
      while (v < d - 1 && x >= truth[v]) { x -= truth[v]; v++; }
      for (let k = 0; k < d; k++) if (u() < (k === v ? p : q)) support[k]++;
    }
    const shares = support.map((c) => (c / n - q) / (p - q));
    const cs = consistentShares({ shares, n, p, q, resamples: 300, seed: trial + 1 });
    assert.ok(Math.abs(cs.shares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    cs.ci95.forEach(([lo, hi], k) => {
      assert.ok(lo <= cs.shares[k] && cs.shares[k] <= hi, 'the interval holds the share it is drawn around');
      if (lo <= truth[k] && truth[k] <= hi) covered[k]++;
    });
  }
  for (const k of [0, 1, 2]) assert.ok(covered[k] / trials >= 0.9, `value ${k} (true ${truth[k]}): held in ${covered[k]} of ${trials}`);
  const small = covered.slice(3).reduce((a, b) => a + b, 0) / (trials * (d - 3));
  assert.ok(small >= 0.9, `small values: ${small}`);
});

test('with instantEpsilon the collector checks weights and bootstraps with the composed p*, q*: honest reports pass, estimates stay unbiased', async () => {
  // Memo at epsilon 2, fresh noise at 1: the composed q* (about 0.32) is well above q (0.12), so weights the
  // bound of epsilonPerReport alone would refuse are what honest devices send.
  const config = { ...DEMO_REPORT_CONFIG, segments: [], epsilonPerReport: 2, instantEpsilon: 1 };
  const d = DEMO_TAXONOMY.length + 1;
  const alone = plausibleOueWeights(d, 2);
  const support = async (c) => { const a = await createAggregator(c); try { return a.support; } finally { a.dispose(); } };
  const composed = plausibleOueWeights(d, 2, undefined, await support(config));
  assert.ok(composed.q > 0.3 && composed.q < 0.35 && Math.abs(composed.p - 0.5) < 1e-12, `p* ${composed.p}, q* ${composed.q}`);
  assert.deepEqual(await support({ ...config, instantEpsilon: 0 }), { p: alone.p, q: alone.q }, 'without instant noise: p and q of epsilon');
  const olh = await support({ ...config, mechanism: 'olh' }), olhAlone = await support({ ...config, mechanism: 'olh', instantEpsilon: 0 });
  assert.ok(olh.p < olhAlone.p && olh.q === olhAlone.q, 'OLH: p shrinks, q stays 1/g');
  const enc = await createReportEncoder({ ...config, random: seededWords(17) });
  const app = await createCollector({ config, store: 'sqlite::memory:', minReports: 10, publish: { everyMinutes: 0, minNewReports: 1 } });
  try {
    let refusedByAlone = 0;
    const statuses = [];
    for (let i = 0; i < 2000; i++) {
      const r = enc.encode({ interest: { [i % 4 === 0 ? 'music' : 'cooking']: 1 } });
      let weight = 0;
      for (const b of Buffer.from(r.data, 'hex')) for (let k = 0; k < 8; k++) weight += (b >> k) & 1;
      if (weight < alone.min || weight > alone.max) refusedByAlone++;
      statuses.push((await app.inject({ method: 'POST', url: '/v1/reports', payload: r })).statusCode);
    }
    assert.ok(refusedByAlone > 20, `the bound without the instant noise would refuse honest reports (${refusedByAlone} of 2000)`);
    assert.deepEqual([...new Set(statuses)], [202], 'every honest report is accepted');
    const est = JSON.parse((await app.inject({ url: '/v1/estimates' })).body);
    const share = (t) => est.topics.find((x) => x.topic === t).share;
    // 2,000 reports at p* - q* = 0.18: a standard error of about 0.06 per share.
    assert.ok(Math.abs(share('cooking') - 0.75) < 0.2 && Math.abs(share('music') - 0.25) < 0.2, `cooking ${share('cooking')}, music ${share('music')}`);
  } finally {
    enc.dispose();
    await app.close();
  }
});
