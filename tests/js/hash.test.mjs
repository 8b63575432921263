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

// Computed by the core's HashId over the UTF-8 bytes of each string (a lone
// surrogate as U+FFFD, as it reaches the core), for each place the first
// non-ASCII character can be.
const PINNED = [
  ['a', 7929297801672961], ['item-12345', 6878208310591584], ['\x7f', 7806563198393042], ['\x80', 1176873813076247],
  ['é', 4622794299147134], ['abcé', 1212958296697508], ['éabc', 1510962985628420], ['post-1-日本', 1736825499289181],
  ['x\u{1F600}', 8261949517956787], ['\u{1F600}', 6400225040015233], ['ab\uD800', 1167347874488785], ['\uDC00z', 4558134975448631],
];

test('hashId hashes the UTF-8 bytes wherever the first non-ASCII character is', () => {
  for (const [s, h] of PINNED) assert.equal(hashId(s), h, JSON.stringify(s));
});
