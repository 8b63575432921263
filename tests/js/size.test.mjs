// SPDX-License-Identifier: MIT
// The shipped size budget (a regression guard, below issue 7's target of
// 150 KB gzip -9 for what a browser loads from the package; BENCHMARKS.md)
// and the package layout that keeps it: a size is deterministic for a given
// build, so this is a test, unlike speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { shippedSize, browserFiles, SHIPPED_BUDGET_BYTES, SHIPPED_TARGET_BYTES } from '../../scripts/lib/package-files.mjs';

const require = createRequire(import.meta.url);
const dist = dirname(require.resolve('localrank/localrank_core.wasm'));
const kb = (b) => `${(b / 1000).toFixed(1)} KB`;

test('what a browser loads from the package (browser entry, its imports, the .wasm) stays within its regression budget (gzip -9)', () => {
  assert.ok(SHIPPED_BUDGET_BYTES <= SHIPPED_TARGET_BYTES, 'the budget keeps the package within the 150 KB target');
  const s = shippedSize(dist);
  const detail = s.files.map((f) => `${f.file} ${kb(f.gzip)}`).join(', ');
  assert.ok(s.totalGzip <= SHIPPED_BUDGET_BYTES,
    `shipped ${s.totalGzip} B gzip (${detail}) exceeds the budget of ${SHIPPED_BUDGET_BYTES} B; see BENCHMARKS.md "Build choices"`);
});

test('the browser entry loads only the device module: the server module (aggregator) is not in its graph', () => {
  for (const entry of ['index.browser.mjs', 'worker-thread.mjs', 'worker.mjs']) {
    const files = browserFiles(dist, entry);
    for (const f of files.filter((x) => x.endsWith('.mjs'))) {
      const text = readFileSync(`${dist}/${f}`, 'utf8');
      assert.ok(!text.includes('localrank_server'), `${entry} -> ${f} refers to the server module`);
      assert.ok(!text.includes('AggregatorCore'), `${entry} -> ${f} holds the aggregator's bindings`);
    }
  }
  const server = browserFiles(dist, 'server.mjs').filter((x) => x.endsWith('.mjs'));
  assert.ok(server.some((f) => readFileSync(`${dist}/${f}`, 'utf8').includes('localrank_server.wasm')), 'server.mjs loads localrank_server.wasm');
});

test('the package JavaScript is shipped minified, with a source map holding the readable sources', () => {
  for (const f of browserFiles(dist).filter((x) => x.endsWith('.mjs'))) {
    const text = readFileSync(`${dist}/${f}`, 'utf8');
    assert.match(text, /^\/\/ SPDX-License-Identifier: MIT/, `${f} starts with the SPDX line`);
    assert.match(text, /\/\/# sourceMappingURL=/, `${f} names its source map`);
    const map = JSON.parse(readFileSync(`${dist}/${f}.map`, 'utf8'));
    assert.equal(map.sources.length, map.sourcesContent.length, `${f}.map carries the sources`);
  }
  const personalizer = browserFiles(dist).map((f) => `${dist}/${f}`).filter((f) => f.endsWith('.mjs'))
    .find((f) => readFileSync(`${f}.map`, 'utf8').includes('personalizer.js'));
  assert.ok(personalizer, 'personalizer.js is in the browser bundle');
  assert.ok(!readFileSync(personalizer, 'utf8').includes('\n  '), 'the bundle is minified (no indented lines)');
});
