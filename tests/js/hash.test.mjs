// SPDX-License-Identifier: MIT
// The facade's item-id hash (wasm/src/hash.js) must equal the core's HashId
// (tests/core/hash_test.cpp pins the same values): item-level state is keyed by it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashId } from '../../wasm/src/hash.js';

/** cyrb53 over the UTF-8 bytes, written the plain way. */
function reference(str) {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (const ch of new TextEncoder().encode(str)) {
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

test('hashId gives the values the core test pins', () => {
  assert.equal(hashId('p1'), 231592308308667);
  assert.equal(hashId(''), 3338908027751811);
  assert.equal(hashId('héllo-日本'), 5802679966786666);
});

test('hashId hashes the UTF-8 bytes wherever the first non-ASCII character is', () => {
  const cases = ['a', 'item-12345', '\x7f', '\x80', 'é', 'abcé', 'éabc', 'post-1-日本', 'x\u{1F600}', '\u{1F600}',
    // A lone surrogate is encoded as U+FFFD, as the core receives it.
    'ab\uD800', '\uDC00z'];
  for (const s of cases) assert.equal(hashId(s), reference(s), JSON.stringify(s));
  for (const s of cases) assert.ok(Number.isSafeInteger(hashId(s)) && hashId(s) >= 0, JSON.stringify(s));
});
