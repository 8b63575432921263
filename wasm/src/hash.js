// SPDX-License-Identifier: MIT

/**
 * 53-bit cyrb53 hash of the UTF-8 bytes of `str`; the core's HashId computes
 * the same, so item keys agree between the facade and native builds. A lone
 * surrogate (which UTF-8 cannot hold) is hashed as its generalized UTF-8
 * (WTF-8) bytes, not as U+FFFD: ids that differ only there keep different
 * keys.
 * @param {string} str
 * @returns {number}
 */
export function hashId(str) {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const n = str.length;
  // ASCII, the usual id: its UTF-16 units are its UTF-8 bytes. Two at a time
  // (V8 runs this loop about 1.4 to 2 times as fast as one at a time).
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const a = str.charCodeAt(i), b = str.charCodeAt(i + 1);
    if ((a | b) > 0x7f) break;
    h1 = Math.imul(Math.imul(h1 ^ a, 2654435761) ^ b, 2654435761);
    h2 = Math.imul(Math.imul(h2 ^ a, 1597334677) ^ b, 1597334677);
  }
  for (; i < n; i++) {
    const ch = str.charCodeAt(i);
    if (ch > 0x7f) return hashRest(str, i, h1, h2);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  return finish(h1, h2);
}

/**
 * hashId from the first non-ASCII character `str[i]` on, with the state of
 * the bytes before it: encodes each code point here. (Apart, so that the
 * ASCII loop stays small enough for V8 to inline.)
 * @param {string} str @param {number} i @param {number} h1 @param {number} h2
 */
function hashRest(str, i, h1, h2) {
  const n = str.length;
  for (; i < n; i++) {
    let c = str.charCodeAt(i);
    // The code point's UTF-8 bytes, the first in the lowest 8 bits.
    let bytes;
    if (c < 0x80) {
      bytes = c;
    } else if (c < 0x800) {
      bytes = (0xc0 | (c >>> 6)) | ((0x80 | (c & 0x3f)) << 8);
    } else {
      const next = i + 1 < n ? str.charCodeAt(i + 1) : 0;
      if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        bytes = (0xf0 | (c >>> 18)) | ((0x80 | ((c >>> 12) & 0x3f)) << 8) | ((0x80 | ((c >>> 6) & 0x3f)) << 16) |
          ((0x80 | (c & 0x3f)) << 24);
      } else {
        // A lone surrogate too: its WTF-8 bytes.
        bytes = (0xe0 | (c >>> 12)) | ((0x80 | ((c >>> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
      }
    }
    // At least the first byte (it may be NUL); no later byte of a sequence is 0.
    do {
      const b = bytes & 0xff;
      h1 = Math.imul(h1 ^ b, 2654435761);
      h2 = Math.imul(h2 ^ b, 1597334677);
      bytes >>>= 8;
    } while (bytes !== 0);
  }
  return finish(h1, h2);
}

/** @param {number} h1 @param {number} h2 */
function finish(h1, h2) {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
