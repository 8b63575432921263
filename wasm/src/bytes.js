// SPDX-License-Identifier: MIT
// Byte helpers of the storage format (persistence.js): a checksum over 32-bit
// words, base64 for adapters that store only strings, and a byte comparison.

/**
 * The bytes as 32-bit words (a view when aligned, else a copy). Length must be a multiple of 4.
 * @param {Uint8Array} bytes
 */
function words(bytes) {
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  return new Uint32Array(bytes.slice().buffer);
}

/**
 * MurmurHash3 (x86, 32 bits) over the 32-bit words of `bytes`, as 8 hex
 * digits: an integrity check of stored data (catches cut and edited bytes),
 * not a signature. `bytes.length` must be a multiple of 4.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function checksum(bytes) {
  const w = words(bytes);
  let h = w.length | 0;
  for (let i = 0; i < w.length; i++) {
    let k = Math.imul(w[i], 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * Whether two byte arrays hold the same bytes.
 * @param {Uint8Array} a @param {Uint8Array} b
 */
export function sameBytes(a, b) {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  if (a.length % 4 === 0 && a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const x = words(a), y = words(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** @type {Uint8Array|null} */ let encodeTable = null;
/** @type {Uint8Array|null} */ let decodeTable = null;
const PAD = 61; // '='

/**
 * Standard base64 (with padding), for adapters that store strings.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function toBase64(bytes) {
  const native = /** @type {any} */ (bytes).toBase64;
  if (typeof native === 'function') return native.call(bytes);
  if (encodeTable === null) encodeTable = new TextEncoder().encode(ALPHABET);
  const e = encodeTable;
  const n = bytes.length, full = n - (n % 3);
  const out = new Uint8Array(((n + 2) / 3 | 0) * 4);
  let j = 0;
  for (let i = 0; i < full; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[j] = e[v >>> 18]; out[j + 1] = e[(v >>> 12) & 63]; out[j + 2] = e[(v >>> 6) & 63]; out[j + 3] = e[v & 63];
    j += 4;
  }
  if (n > full) {
    const v = (bytes[full] << 16) | (n - full === 2 ? bytes[full + 1] << 8 : 0);
    out[j] = e[v >>> 18]; out[j + 1] = e[(v >>> 12) & 63];
    out[j + 2] = n - full === 2 ? e[(v >>> 6) & 63] : PAD; out[j + 3] = PAD;
  }
  return new TextDecoder().decode(out);
}

/**
 * Decodes standard base64; null when `text` is not base64 (a stored string
 * that was cut or edited). The result starts at offset 0 of its own buffer.
 * @param {string} text
 * @returns {Uint8Array|null}
 */
export function fromBase64(text) {
  const native = /** @type {any} */ (Uint8Array).fromBase64;
  if (typeof native === 'function') {
    try {
      return native.call(Uint8Array, text, { lastChunkHandling: 'strict' });
    } catch {
      return null;
    }
  }
  if (text.length % 4 !== 0) return null;
  if (decodeTable === null) {
    decodeTable = new Uint8Array(256).fill(255);
    for (let i = 0; i < 64; i++) decodeTable[ALPHABET.charCodeAt(i)] = i;
  }
  const d = decodeTable;
  const src = new TextEncoder().encode(text);
  // A character outside ASCII encodes to more than one byte.
  if (src.length !== text.length) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const n = (src.length / 4) * 3 - pad;
  const out = new Uint8Array(n);
  const full = src.length - (pad ? 4 : 0);
  let j = 0;
  for (let i = 0; i < full; i += 4) {
    const a = d[src[i]], b = d[src[i + 1]], c = d[src[i + 2]], e = d[src[i + 3]];
    if ((a | b | c | e) & 0x80) return null;
    const v = (a << 18) | (b << 12) | (c << 6) | e;
    out[j] = v >>> 16; out[j + 1] = (v >>> 8) & 255; out[j + 2] = v & 255;
    j += 3;
  }
  if (pad) {
    const a = d[src[full]], b = d[src[full + 1]], c = pad === 1 ? d[src[full + 2]] : 0;
    if ((a | b | c) & 0x80) return null;
    const v = (a << 18) | (b << 12) | (c << 6);
    // Non-zero bits after the last byte: not what an encoder writes.
    if ((pad === 2 ? v & 0xffff : v & 0xff) !== 0) return null;
    out[j] = v >>> 16;
    if (pad === 1) out[j + 1] = (v >>> 8) & 255;
  }
  return out;
}
