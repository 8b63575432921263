// SPDX-License-Identifier: MIT
// The byte helpers of the storage format (wasm/src/bytes.js): base64 for
// adapters that store strings, the word checksum of a slot, byte comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checksum, fromBase64, sameBytes, toBase64 } from '../../wasm/src/bytes.js';

const random = (n, seed) => {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 255; }
  return b;
};

test('base64 agrees with Node\'s Buffer both ways, for every length and padding', () => {
  for (let n = 0; n < 200; n++) {
    const b = random(n, n + 1);
    const text = toBase64(b);
    assert.equal(text, Buffer.from(b).toString('base64'), `encode ${n}`);
    assert.deepEqual(fromBase64(text), b, `decode ${n}`);
  }
});

test('base64 that an encoder would not write is refused, not guessed at', () => {
  const good = toBase64(random(10, 3)); // 16 characters, "==" padding
  for (const bad of [good.slice(1), `${good.slice(0, 5)}*${good.slice(6)}`, `${good.slice(0, 6)}é${good.slice(7)}`, `=${good.slice(1)}`,
    'QQ=A', 'QR==', 'QUI=X===']) {
    assert.equal(fromBase64(bad), null, JSON.stringify(bad));
  }
  // A 1 MB snapshot round-trips.
  const big = random(1 << 20, 9);
  assert.deepEqual(fromBase64(toBase64(big)), big);
});

test('the checksum changes when any single bit changes, and does not depend on alignment', () => {
  const b = random(64, 5);
  const base = checksum(b);
  assert.match(base, /^[0-9a-f]{8}$/);
  for (let i = 0; i < b.length * 8; i++) {
    const c = b.slice();
    c[i >> 3] ^= 1 << (i & 7);
    assert.notEqual(checksum(c), base, `bit ${i}`);
  }
  const shifted = new Uint8Array(b.length + 1);
  shifted.set(b, 1);
  assert.equal(checksum(shifted.subarray(1)), base, 'an unaligned view of the same bytes');
  assert.notEqual(checksum(b.subarray(0, 60)), base, 'a cut changes it');
});

test('sameBytes compares contents, aligned or not', () => {
  const a = random(100, 7);
  const offset = new Uint8Array(101);
  offset.set(a, 1);
  assert.equal(sameBytes(a, a.slice()), true);
  assert.equal(sameBytes(a, offset.subarray(1)), true);
  const c = a.slice();
  c[99] ^= 1;
  assert.equal(sameBytes(a, c), false);
  assert.equal(sameBytes(a, a.subarray(0, 96)), false);
});
