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
  let ascii = true;
  for (let i = 0; i < str.length; i++) {
    if (str.charCodeAt(i) > 0x7f) { ascii = false; break; }
  }
  if (ascii) {
    for (let i = 0; i < str.length; i++) {
      const ch = str.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
  } else {
    const bytes = encoder.encode(str);
    for (let i = 0; i < bytes.length; i++) {
      const ch = bytes[i];
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
