// SPDX-License-Identifier: MIT
// The poisoning run of issue 18, repeated against localrank-collector: one
// client sends thousands of reports crafted to move one estimate. Checks alone
// (no per-client tokens): all-ones vectors, replays and malformed reports are
// refused and change nothing; one-hot reports are plausible and accepted, and
// move the estimate by exactly what as many honest holders' reports would, no
// more; the consistent shares stay in [0, 1].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReportEncoder } from 'localrank/server';
import { createCollector } from 'localrank-collector';
import { DEMO_REPORT_CONFIG, DEMO_TAXONOMY } from '../../web-demo/demo-config.mjs';
import { seededWords } from './privacy-helpers.mjs';

const ATTACK = 3197;
const POLITICS = DEMO_TAXONOMY.indexOf('climate');
const p = 0.5;
const q = 1 / (Math.E + 1);

/** A fresh random report id. */
const newId = () => Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex');

test('one client poisoning the climate estimate (politics is sensitive in the demo: no estimate): refused, or bounded by its number of reports', { timeout: 120000 }, async () => {
  // Published after every report: this test measures the estimate, not the batching (collector-publish.test.mjs).
  const app = await createCollector({ config: DEMO_REPORT_CONFIG, store: 'sqlite::memory:', minReports: 50, publish: { everyMinutes: 0, minNewReports: 1 } });
  const enc = await createReportEncoder({ ...DEMO_REPORT_CONFIG, random: seededWords(31) });
  const post = (report) => app.inject({ method: 'POST', url: '/v1/reports', payload: report, headers: { 'content-type': 'application/json' } });
  const estimate = async () => JSON.parse((await app.inject({ url: '/v1/estimates' })).body);
  try {
    // An honest population of 2,000 devices: 7.1% with climate on top, the rest spread over the other topics.
    for (let i = 0; i < 2000; i++) {
      const top = i % 1000 < 71 ? 'climate' : DEMO_TAXONOMY[i % DEMO_TAXONOMY.length] === 'climate' ? 'cooking' : DEMO_TAXONOMY[i % DEMO_TAXONOMY.length];
      assert.equal((await post(enc.encode({ interest: { [top]: 3 } }))).statusCode, 202);
    }
    const before = await estimate();
    const template = enc.encode({ interest: { climate: 1 } });
    const hex = (bits) => {
      const bytes = Buffer.alloc(template.data.length / 2);
      for (const b of bits) bytes[b >> 3] |= 1 << (b & 7);
      return bytes.toString('hex');
    };
    const outcome = new Map();
    const tally = (name, res) => outcome.set(`${name} ${res.statusCode}`, (outcome.get(`${name} ${res.statusCode}`) ?? 0) + 1);

    // All-ones topic vectors (an honest device sends one with probability ~1e-14): refused.
    const all = Array.from({ length: DEMO_TAXONOMY.length + 1 }, (_, i) => i);
    for (let i = 0; i < ATTACK; i++) tally('all-ones', await post({ ...template, kind: 0, data: hex(all), id: newId() }));
    // One report replayed: counted once (it was counted when first sent).
    const replayed = enc.encode({ interest: { climate: 1 } });
    for (let i = 0; i < ATTACK; i++) tally('replay', await post(replayed));
    // Days far away and duplicated keys: refused.
    for (const day of ['1970-01-01', '9999-12-31']) tally(`day ${day}`, await post({ ...template, day, id: newId() }));
    tally('duplicate key', await post(JSON.stringify({ ...template, id: newId() }).replace('{', '{"data":"' + hex(all) + '",')));
    assert.deepEqual(Object.fromEntries(outcome), {
      'all-ones 400': ATTACK, 'replay 202': ATTACK, 'day 1970-01-01 400': 1, 'day 9999-12-31 400': 1, 'duplicate key 400': 1,
    });
    const afterRefused = await estimate();
    assert.equal(afterRefused.reports, before.reports + 1, 'only the replayed report, once');

    // One-hot climate vectors: weight 1 is plausible (an honest device sends weight <= 1 with probability 3e-3).
    const shareBefore = afterRefused.topics.find((t) => t.topic === 'climate').share;
    const nk = afterRefused.reportsByKind.topic;
    const support = nk * (shareBefore * (p - q) + q);
    let accepted = 0;
    for (let i = 0; i < ATTACK; i++) {
      const res = await post({ ...template, kind: 0, data: hex([POLITICS]), id: newId() });
      if (res.statusCode === 202) accepted++;
    }
    assert.equal(accepted, ATTACK, 'plausible one-hot reports are accepted: checks alone cannot tell them from honest ones');
    const after = await estimate();
    const politics = after.topics.find((t) => t.topic === 'climate');
    // Exactly what ATTACK honest reports supporting climate would do, no more.
    const expected = ((support + ATTACK) / (nk + ATTACK) - q) / (p - q);
    assert.ok(Math.abs(politics.share - expected) < 1e-9, `politics share ${politics.share}, expected ${expected}`);
    const consistent = after.consistent.topics.find((t) => t.topic === 'climate');
    assert.ok(consistent.share <= 1 && consistent.ci95[1] <= 1, 'the consistent share stays a share');
    const sum = after.consistent.topics.reduce((a, t) => a + t.share, 0) + after.consistent.noTopic.share;
    assert.ok(Math.abs(sum - 1) < 1e-9);
    console.log(`poisoning: ${ATTACK} all-ones refused, ${ATTACK} replays counted once; ${ATTACK} one-hot accepted: ` +
      `politics unbiased share ${shareBefore.toFixed(3)} -> ${politics.share.toFixed(3)} (${nk} honest topic reports), ` +
      `consistent share ${before.consistent.topics.find((t) => t.topic === 'climate').share.toFixed(3)} -> ${consistent.share.toFixed(3)}`);
  } finally {
    enc.dispose();
    await app.close();
  }
});
