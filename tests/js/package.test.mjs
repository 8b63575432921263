// SPDX-License-Identifier: MIT
// The package's entry points as Node resolves them: CommonJS exports, the
// exports map, and localrank/worker outside a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import * as esm from 'localrank';
import * as workerEntry from 'localrank/worker';

const require = createRequire(import.meta.url);

test('CommonJS require gives LocalrankError, ErrorCode, LIMITS and memoryStorage synchronously', () => {
  const cjs = require('localrank');
  assert.equal(typeof cjs.LocalrankError, 'function');
  assert.deepEqual(cjs.ErrorCode, esm.ErrorCode);
  assert.deepEqual(cjs.LIMITS, esm.LIMITS);
  assert.deepEqual([...cjs.EVENT_TYPES], [...esm.EVENT_TYPES]);
  const s = cjs.memoryStorage();
  s.set('k', 'v');
  assert.equal(s.get('k'), 'v');
});

test('an error thrown by the ESM core is instanceof the CommonJS LocalrankError, and the other way round', async () => {
  const cjs = require('localrank');
  const p = await cjs.createPersonalizer({ autosaveMs: 0 });
  assert.throws(() => p.rerank([{ id: 'a' }, { id: 'a' }]), (e) => e instanceof cjs.LocalrankError && e.code === 'DUPLICATE_ID' && e.index === 1);
  p.dispose();
  assert.ok(new cjs.LocalrankError('INVALID_ITEM', 'x') instanceof esm.LocalrankError);
  assert.ok(!(new Error('plain') instanceof cjs.LocalrankError));
  class Narrower extends esm.LocalrankError {}
  assert.ok(!(new esm.LocalrankError('INVALID_ITEM', 'x') instanceof Narrower), 'subclasses keep ordinary instanceof');
});

test('exports map: types come first in every condition, and the .wasm and worker entries resolve', () => {
  const pkg = JSON.parse(readFileSync(require.resolve('localrank/package.json'), 'utf8'));
  const check = (node, path) => {
    if (typeof node !== 'object' || node === null) return;
    const keys = Object.keys(node);
    const firstTarget = keys.findIndex((k) => ['import', 'require', 'default'].includes(k));
    if (keys.includes('types')) assert.ok(keys.indexOf('types') < firstTarget, `${path}: "types" must come before ${keys[firstTarget]}`);
    for (const k of keys) check(node[k], `${path}.${k}`);
  };
  check(pkg.exports, 'exports');
  assert.match(require.resolve('localrank/localrank_core.wasm'), /dist\/localrank_core\.wasm$/);
  assert.match(require.resolve('localrank/localrank_core_reports.wasm'), /dist\/localrank_core_reports\.wasm$/);
  assert.match(import.meta.resolve('localrank/worker'), /dist\/worker\.mjs$/);
  assert.match(import.meta.resolve('localrank/worker-thread'), /dist\/worker-thread\.mjs$/);
});

test('localrank/worker in Node: importing works, creating explains that Web Workers need a browser', async () => {
  assert.equal(workerEntry.LocalrankError, esm.LocalrankError);
  await assert.rejects(workerEntry.createWorkerPersonalizer(), (e) => e instanceof TypeError && /needs Web Workers/.test(e.message));
  await assert.rejects(workerEntry.createWorkerPersonalizer({ worker: 42 }), TypeError);
  await assert.rejects(workerEntry.createWorkerPersonalizer({ worker: '/w.mjs', wasmUrl: 'x.wasm' }), (e) => e instanceof TypeError && /needs Web Workers/.test(e.message));
  await assert.rejects(workerEntry.createWorkerPersonalizer({ worker: { postMessage() {} } }), /options\.worker must be/);
});

test('wasmBinary and wasmUrl load the core explicitly in Node', async () => {
  const url = new URL('localrank_core.wasm', import.meta.resolve('localrank'));
  const fromBytes = await esm.createPersonalizer({ wasmBinary: readFileSync(url), autosaveMs: 0 });
  const fromUrl = await esm.createPersonalizer({ wasmUrl: url, autosaveMs: 0 });
  assert.deepEqual(fromBytes.rerank([{ id: 'a' }, { id: 'b' }]).map((r) => r.id), ['a', 'b']);
  assert.deepEqual(fromUrl.rerank([{ id: 'a' }, { id: 'b' }]).map((r) => r.id), ['a', 'b']);
  fromBytes.dispose();
  fromUrl.dispose();
  await assert.rejects(esm.createPersonalizer({ wasmUrl: new URL('missing.wasm', url) }), /ENOENT|missing/);
  // A failed load is not cached: the next attempt with a good path succeeds.
  const relative = (await import('node:path')).relative(process.cwd(), url.pathname);
  const fromPath = await esm.createPersonalizer({ wasmUrl: relative, autosaveMs: 0 });
  fromPath.dispose();
});
