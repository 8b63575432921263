// SPDX-License-Identifier: MIT
// The report encoder is linked into a variant of the device module
// (localrank_core_reports.wasm, with the report path's JavaScript), loaded
// instead of localrank_core.wasm only by a personalizer given a taxonomy
// (docs/architecture.md, "Two device modules"): the lean module holds no
// encoder, a page without reports never loads the variant, a missing one is
// WASM_LOAD_FAILED naming it, and reports are byte for byte what the device
// module built before the encoder left it.
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

test('the device module holds the engine and the accountant, not the encoder; its variant with reports holds all three', () => {
  const device = exportsOf('localrank_core.mjs'), reports = exportsOf('localrank_core_reports.mjs');
  assert.ok(device.includes('localrank_rerank') && device.includes('localrank_accountant_new'), device.join(' '));
  assert.deepEqual(device.filter((e) => /encoder/.test(e)), []);
  assert.ok(reports.includes('localrank_encoder_new') && reports.includes('localrank_encoder_encode'), reports.join(' '));
  // The same engine and accountant: every export of the lean module, and the encoder's on top.
  assert.deepEqual(device.filter((e) => !reports.includes(e)), []);
  assert.deepEqual(reports.filter((e) => !device.includes(e)).filter((e) => !/encoder/.test(e)), []);
});

test("the report path is only imported dynamically: every entry's static graph leaves it out", () => {
  const lazy = ['report.js', 'memo.js', 'outbox.js', 'schedule.js', 'report-path.js', 'localrank_core_reports.mjs'];
  for (const entry of ['index.browser.mjs', 'index.node.mjs', 'worker-thread.mjs']) {
    const loaded = staticFiles(dist, entry);
    assert.deepEqual(loaded.filter((f) => lazy.includes(f)), [], `${entry}: ${loaded.join(' ')}`);
    const all = browserFiles(dist, entry);
    for (const f of ['report-path.js', 'localrank_core_reports.mjs']) assert.ok(all.includes(f), `${entry} can load ${f}`);
  }
});

test('without a taxonomy the variant with reports is never loaded: a reportWasmUrl that does not exist goes unnoticed', async () => {
  const p = await createPersonalizer({ autosaveMs: 0, reportWasmUrl: join(tmpdir(), 'no-such-report.wasm'), privacy: { config: '0123456789abcd' } });
  assert.equal(p.privacyBudget().epsilonCap, 4);
  assert.throws(() => p.buildAggregateReport(), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.taxonomy');
  p.dispose();
});

test('a variant with reports that cannot be loaded: WASM_LOAD_FAILED naming localrank_core_reports.wasm, its option and the fix', async () => {
  const missing = join(tmpdir(), 'no-such-report.wasm');
  await assert.rejects(createPersonalizer({ autosaveMs: 0, taxonomy: TAXONOMY, reportWasmUrl: missing }), (e) => {
    assert.ok(e instanceof LocalrankError);
    assert.equal(e.code, 'WASM_LOAD_FAILED');
    assert.equal(e.field, 'options.reportWasmUrl');
    assert.match(e.message, /no-such-report\.wasm could not be read \(ENOENT\)/);
    assert.match(e.message, /Serve localrank_core_reports\.wasm .*`reportWasmUrl` \(or its bytes as `reportWasmBinary`\)/);
    return true;
  });
  const html = new TextEncoder().encode('<!doctype html><html><body>Not found</body></html>');
  await assert.rejects(createPersonalizer({ autosaveMs: 0, taxonomy: TAXONOMY, reportWasmBinary: html }), (e) => e.code === 'WASM_LOAD_FAILED' &&
    e.field === 'options.reportWasmBinary' && /is not WebAssembly/.test(e.message));
  await assert.rejects(createPersonalizer({ autosaveMs: 0, taxonomy: TAXONOMY, reportWasmBinary: 42 }),
    (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.reportWasmBinary');
});

test('the variant with reports is looked for next to wasmUrl when reportWasmUrl is not given; reportWasmBinary and reportWasmUrl work; wasmBinary alone is not used', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'localrank-wasm-'));
  try {
    copyFileSync(join(dist, 'localrank_core.wasm'), join(dir, 'localrank_core.wasm'));
    const options = { autosaveMs: 0, taxonomy: TAXONOMY, consent: { aggregateMeasurement: true } };
    await assert.rejects(createPersonalizer({ ...options, wasmUrl: join(dir, 'localrank_core.wasm') }),
      (e) => e.code === 'WASM_LOAD_FAILED' && e.message.startsWith(join(dir, 'localrank_core_reports.wasm')));
    const viaUrl = await createPersonalizer({ ...options, wasmUrl: join(dir, 'localrank_core.wasm'), reportWasmUrl: pathToFileURL(join(dist, 'localrank_core_reports.wasm')) });
    const viaBinary = await createPersonalizer({ ...options, wasmUrl: join(dir, 'localrank_core.wasm'), reportWasmBinary: readFileSync(join(dist, 'localrank_core_reports.wasm')) });
    copyFileSync(join(dist, 'localrank_core_reports.wasm'), join(dir, 'localrank_core_reports.wasm'));
    const beside = await createPersonalizer({ ...options, wasmUrl: pathToFileURL(join(dir, 'localrank_core.wasm')) });
    // The lean module's bytes are not the module a taxonomy needs: the variant is still looked for.
    await assert.rejects(createPersonalizer({ ...options, wasmBinary: readFileSync(join(dist, 'localrank_core.wasm')), wasmUrl: join(dir, 'none', 'localrank_core.wasm') }),
      (e) => e.code === 'WASM_LOAD_FAILED' && e.field === 'options.reportWasmUrl');
    for (const p of [viaUrl, viaBinary, beside]) {
      assert.equal(typeof p.privacyBudget().remaining, 'number');
      p.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
