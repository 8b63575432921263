// SPDX-License-Identifier: MIT
// Golden parity: the wasm package ranks the shared fixture exactly as the
// native build did when it wrote the expected file (core/fixture_test.cpp
// checks the native side against the same file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPersonalizer } from 'localrank';

const dir = new URL('../fixtures/', import.meta.url);
const fixture = JSON.parse(readFileSync(new URL('rank_basic.json', dir), 'utf8'));
const expected = JSON.parse(readFileSync(new URL('rank_basic.expected.json', dir), 'utf8'));

test('wasm ranks the shared fixture like the native build (scores within 1e-9)', async () => {
  const p = await createPersonalizer({ ...fixture.config, now: () => fixture.now, consent: { personalization: true }, autosaveMs: 0 });
  p.record(fixture.events);
  const got = p.rerank(fixture.items, fixture.options);
  assert.deepEqual(got.map((r) => r.id), expected.map((r) => r.id));
  got.forEach((r, i) => {
    assert.ok(Math.abs(r.score - expected[i].score) < 1e-9, `${r.id}: ${r.score} vs ${expected[i].score}`);
    assert.equal(r.originalIndex, expected[i].originalIndex);
    assert.deepEqual(r.reasons.map((x) => x.kind), expected[i].reasons.map((x) => x.kind));
  });
  p.dispose();
});

test('wasm (f32x4 kernels) ranks the embeddings fixture like the native scalar build (scores within 1e-9)', async () => {
  const fx = JSON.parse(readFileSync(new URL('rank_embeddings.json', dir), 'utf8'));
  const want = JSON.parse(readFileSync(new URL('rank_embeddings.expected.json', dir), 'utf8'));
  const p = await createPersonalizer({ ...fx.config, now: () => fx.now, consent: { personalization: true }, autosaveMs: 0 });
  p.record(fx.events);
  const got = p.rerank(fx.items, fx.options);
  assert.deepEqual(got.map((r) => r.id), want.map((r) => r.id));
  got.forEach((r, i) => {
    assert.ok(Math.abs(r.score - want[i].score) < 1e-9, `${r.id}: ${r.score} vs ${want[i].score}`);
    const e = r.reasons.find((x) => x.kind === 'embedding');
    const w = want[i].reasons.find((x) => x.kind === 'embedding');
    assert.ok(e && w && Math.abs(e.contribution - w.contribution) < 1e-9, `${r.id}: embedding reason`);
  });
  p.dispose();
});
