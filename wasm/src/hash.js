// SPDX-License-Identifier: MIT

const encoder = new TextEncoder();

/**
 * 53-bit cyrb53 hash of the UTF-8 bytes of `str`; the core's HashId computes
 * the same, so item keys agree between the facade and native builds.
 * @param {string} str
 * @returns {number}
 */
export function hashId(str) {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  // One pass while the string is ASCII (its UTF-16 units are its UTF-8 bytes).
  const n = str.length;
  let i = 0;
  for (; i < n; i++) {
    const ch = str.charCodeAt(i);
    if (ch > 0x7f) break;
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  if (i < n) {
    // Not ASCII: start again over the UTF-8 bytes.
    h1 = 0xdeadbeef;
    h2 = 0x41c6ce57;
    const bytes = encoder.encode(str);
    for (let k = 0; k < bytes.length; k++) {
      const ch = bytes[k];
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
