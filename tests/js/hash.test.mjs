// SPDX-License-Identifier: MIT
// The facade's item-id hash (wasm/src/hash.js) must equal the core's HashId
// (tests/core/hash_test.cpp pins the same values): item-level state is keyed by it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashId } from '../../wasm/src/hash.js';

test('hashId gives the values the core test pins', () => {
  assert.equal(hashId('p1'), 231592308308667);
  assert.equal(hashId(''), 3338908027751811);
  assert.equal(hashId('héllo-日本'), 5802679966786666);
});

// Computed by the core's HashId over the UTF-8 bytes of each string, for
// each place the first non-ASCII character can be, and for every length of
// UTF-8 sequence; NUL after a non-ASCII character.
const PINNED = [
  ['a', 7929297801672961], ['item-12345', 6878208310591584], ['\x7f', 7806563198393042], ['\x80', 1176873813076247],
  ['é', 4622794299147134], ['abcé', 1212958296697508], ['éabc', 1510962985628420], ['post-1-日本', 1736825499289181],
  ['x\u{1F600}', 8261949517956787], ['\u{1F600}', 6400225040015233], ['a\0bé\0', 3426329572440652],
];
// A lone surrogate has no UTF-8: hashed as its generalized UTF-8 (WTF-8)
// bytes, e.g. U+D800 as ED A0 80 (the core's HashId over those bytes gives these).
const LONE = [
  ['ab\uD800', 3549463945119368], ['\uDC00z', 7653395003540926], ['x\uD83Dy', 6600861753654618],
  ['\uDC00\uD800', 5780460314345247],
];

test('hashId hashes the UTF-8 bytes wherever the first non-ASCII character is', () => {
  for (const [s, h] of PINNED) assert.equal(hashId(s), h, JSON.stringify(s));
});

test('ids that differ only in a lone surrogate keep different keys (none is hashed as U+FFFD)', () => {
  for (const [s, h] of LONE) assert.equal(hashId(s), h, JSON.stringify(s));
  const keys = ['ab\uD800', 'ab\uD801', 'ab\uDFFF', 'ab\uFFFD'].map(hashId);
  assert.equal(new Set(keys).size, keys.length);
});

/** cyrb53 over the UTF-8 bytes, one byte at a time: the reference for well-formed strings. @param {string} s */
function reference(s) {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (const b of new TextEncoder().encode(s)) {
    h1 = Math.imul(h1 ^ b, 2654435761);
    h2 = Math.imul(h2 ^ b, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

test('hashId equals a byte-at-a-time reference at every length and wherever a non-ASCII character is', () => {
  const ascii = 'post-1-abcdefghijklmnopqrstuvwxyz0123456789';
  for (let n = 0; n <= 24; n++) {
    const base = ascii.slice(0, n);
    assert.equal(hashId(base), reference(base), JSON.stringify(base));
    for (let at = 0; at <= n; at++) {
      for (const ch of ['\x80', 'é', '日', '\u{1F600}']) {
        const s = base.slice(0, at) + ch + base.slice(at);
        assert.equal(hashId(s), reference(s), JSON.stringify(s));
      }
    }
  }
});
