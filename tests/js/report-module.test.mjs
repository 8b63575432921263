// SPDX-License-Identifier: MIT
// The report encoder is a module of its own (localrank_report.wasm, with the
// report path's JavaScript), loaded only by a personalizer given a taxonomy
// (docs/architecture.md, "Three modules"): the device module holds no encoder,
// a page without reports never loads it, a missing one is WASM_LOAD_FAILED
// naming it, and reports are byte for byte what the device module built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPersonalizer, LocalrankError } from 'localrank';
import { browserFiles, staticFiles } from '../../scripts/lib/package-files.mjs';
import { buildReports } from './report-fixture.mjs';
import { TAXONOMY } from './privacy-helpers.mjs';

const require = createRequire(import.meta.url);
const dist = dirname(require.resolve('localrank/localrank_core.wasm'));
/** The exports a module's glue names (the .wasm's own export names are minified). @param {string} glue */
const exportsOf = (glue) => [...readFileSync(join(dist, glue), 'utf8').matchAll(/\b_(localrank_\w+): "/g)].map((m) => m[1]);

test('reports are byte for byte those the device module built before the split (seeded randomness; tests/fixtures/reports.expected.json)', async () => {
  const expected = JSON.parse(readFileSync(new URL('../fixtures/reports.expected.json', import.meta.url), 'utf8'));
  assert.deepEqual(await buildReports(dist), expected);
});

test('the device module holds the engine and the accountant, not the encoder; the report module holds the encoder only', () => {
  const device = exportsOf('localrank_core.mjs'), report = exportsOf('localrank_report.mjs');
  assert.ok(device.includes('localrank_rerank') && device.includes('localrank_accountant_new'), device.join(' '));
  assert.deepEqual(device.filter((e) => /encoder/.test(e)), []);
  assert.ok(report.includes('localrank_encoder_new') && report.includes('localrank_encoder_encode'), report.join(' '));
  assert.deepEqual(report.filter((e) => /engine|accountant|rerank|record/.test(e)), []);
});

test("the report path is only imported dynamically: every entry's static graph leaves it out", () => {
  const lazy = ['report.js', 'memo.js', 'outbox.js', 'schedule.js', 'report-path.js', 'localrank_report.mjs'];
  for (const entry of ['index.browser.mjs', 'index.node.mjs', 'worker-thread.mjs']) {
    const loaded = staticFiles(dist, entry);
    assert.deepEqual(loaded.filter((f) => lazy.includes(f)), [], `${entry}: ${loaded.join(' ')}`);
    const all = browserFiles(dist, entry);
    for (const f of ['report-path.js', 'localrank_report.mjs']) assert.ok(all.includes(f), `${entry} can load ${f}`);
  }
});

test('without a taxonomy the report module is never loaded: a reportWasmUrl that does not exist goes unnoticed', async () => {
  const p = await createPersonalizer({ autosaveMs: 0, reportWasmUrl: join(tmpdir(), 'no-such-report.wasm'), privacy: { config: '0123456789abcd' } });
  assert.equal(p.privacyBudget().epsilonCap, 4);
  assert.throws(() => p.buildAggregateReport(), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.taxonomy');
  p.dispose();
});

test('a report module that cannot be loaded: WASM_LOAD_FAILED naming localrank_report.wasm, its option and the fix', async () => {
  const missing = join(tmpdir(), 'no-such-report.wasm');
  await assert.rejects(createPersonalizer({ autosaveMs: 0, taxonomy: TAXONOMY, reportWasmUrl: missing }), (e) => {
    assert.ok(e instanceof LocalrankError);
    assert.equal(e.code, 'WASM_LOAD_FAILED');
    assert.equal(e.field, 'options.reportWasmUrl');
    assert.match(e.message, /no-such-report\.wasm could not be read \(ENOENT\)/);
    assert.match(e.message, /Serve localrank_report\.wasm .*`reportWasmUrl` \(or its bytes as `reportWasmBinary`\)/);
    return true;
  });
  const html = new TextEncoder().encode('<!doctype html><html><body>Not found</body></html>');
  await assert.rejects(createPersonalizer({ autosaveMs: 0, taxonomy: TAXONOMY, reportWasmBinary: html }), (e) => e.code === 'WASM_LOAD_FAILED' &&
    e.field === 'options.reportWasmBinary' && /is not WebAssembly/.test(e.message));
  await assert.rejects(createPersonalizer({ autosaveMs: 0, taxonomy: TAXONOMY, reportWasmBinary: 42 }),
    (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.reportWasmBinary');
});

test('the report module is looked for next to wasmUrl when reportWasmUrl is not given; reportWasmBinary and reportWasmUrl work', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'localrank-wasm-'));
  try {
    copyFileSync(join(dist, 'localrank_core.wasm'), join(dir, 'localrank_core.wasm'));
    const options = { autosaveMs: 0, taxonomy: TAXONOMY, consent: { aggregateMeasurement: true } };
    await assert.rejects(createPersonalizer({ ...options, wasmUrl: join(dir, 'localrank_core.wasm') }),
      (e) => e.code === 'WASM_LOAD_FAILED' && e.message.startsWith(join(dir, 'localrank_report.wasm')));
    const viaUrl = await createPersonalizer({ ...options, wasmUrl: join(dir, 'localrank_core.wasm'), reportWasmUrl: pathToFileURL(join(dist, 'localrank_report.wasm')) });
    const viaBinary = await createPersonalizer({ ...options, wasmUrl: join(dir, 'localrank_core.wasm'), reportWasmBinary: readFileSync(join(dist, 'localrank_report.wasm')) });
    copyFileSync(join(dist, 'localrank_report.wasm'), join(dir, 'localrank_report.wasm'));
    const beside = await createPersonalizer({ ...options, wasmUrl: pathToFileURL(join(dir, 'localrank_core.wasm')) });
    for (const p of [viaUrl, viaBinary, beside]) {
      assert.equal(typeof p.privacyBudget().remaining, 'number');
      p.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
