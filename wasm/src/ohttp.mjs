// SPDX-License-Identifier: MIT
// `localrank/ohttp`: Oblivious HTTP (RFC 9458) over Binary HTTP (RFC 9292,
// known-length messages only), both sides, on @hpke/core (RFC 9180).
// - a device sends its reports through a relay run by another operator
//   (createOhttpRelay): the relay sees the device's address but only
//   ciphertext; the collector (the gateway) sees the report but only the
//   relay's address, and none of the device's headers;
// - the collector decapsulates them (createOhttpGateway).
// A separate entry, loaded only by a site that configures a relay: the
// personalizer's browser bundle does not grow (docs/collector.md, "Oblivious HTTP").
import { CipherSuite, DhkemX25519HkdfSha256, DhkemP256HkdfSha256, HkdfSha256, Aes128Gcm, Aes256Gcm } from '@hpke/core';
import { LocalrankError } from './errors.js';

export const KEYS_MEDIA_TYPE = 'application/ohttp-keys';
export const REQUEST_MEDIA_TYPE = 'message/ohttp-req';
export const RESPONSE_MEDIA_TYPE = 'message/ohttp-res';
/** RFC 9540: where a gateway serves its keys (GET) and takes requests (POST). */
export const GATEWAY_PATH = '/.well-known/ohttp-gateway';

/** KEMs this module speaks (RFC 9180 7.1): id -> [class, Npk]. */
const KEMS = { 0x0010: [DhkemP256HkdfSha256, 65], 0x0020: [DhkemX25519HkdfSha256, 32] };
const KDFS = { 0x0001: HkdfSha256 };
/** AEADs: id -> [class, Nk, Nn]. */
const AEADS = { 0x0001: [Aes128Gcm, 16, 12], 0x0002: [Aes256Gcm, 32, 12] };

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** @param {Uint8Array[]} parts */
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
const u16 = (/** @type {number} */ v) => Uint8Array.of(v >> 8, v & 255);

/**
 * @param {string} message
 * @param {string} field
 */
const invalid = (message, field) => new LocalrankError('INVALID_ARGUMENT', message, { field });
/** A message that does not decode: the gateway answers 400. */
export class OhttpError extends Error {
  /** @param {string} message @param {number} [status] */
  constructor(message, status = 400) {
    super(message);
    this.name = 'OhttpError';
    this.status = status;
  }
}

// ---- Binary HTTP (RFC 9292), known-length messages ----

/** QUIC variable-length integer (RFC 9000 16), shortest form. @param {number} v */
function varint(v) {
  if (v < 64) return Uint8Array.of(v);
  if (v < 16384) return Uint8Array.of(0x40 | (v >> 8), v & 255);
  if (v < 2 ** 30) return Uint8Array.of(0x80 | (v >>> 24), (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  throw new RangeError('field too long for this encoder');
}

/** Reads a message front to back. */
class Reader {
  /** @param {Uint8Array} bytes */
  constructor(bytes) { this.b = bytes; this.at = 0; }
  get done() { return this.at >= this.b.length; }
  varint() {
    const first = this.byte();
    const len = 1 << (first >> 6);
    let v = first & 0x3f;
    for (let i = 1; i < len; i++) v = v * 256 + this.byte();
    return v;
  }
  byte() {
    if (this.at >= this.b.length) throw new OhttpError('truncated message');
    return this.b[this.at++];
  }
  /** @param {number} n */
  bytes(n) {
    if (n > this.b.length - this.at) throw new OhttpError('truncated message');
    return this.b.subarray(this.at, (this.at += n));
  }
  lengthPrefixed() { return this.bytes(this.varint()); }
}

/** @param {Uint8Array} b */
const text = (b) => {
  try {
    return dec.decode(b);
  } catch {
    throw new OhttpError('a field is not UTF-8');
  }
};
/** @param {string} s */
const prefixed = (s) => { const b = enc.encode(s); return concat(varint(b.length), b); };

/** @param {[string, string][]} fields */
function fieldSection(fields) {
  const lines = concat(...fields.map(([n, v]) => concat(prefixed(n.toLowerCase()), prefixed(v))));
  return concat(varint(lines.length), lines);
}

/**
 * A section (fields, content, trailers) that a truncated message leaves out
 * is empty (RFC 9292 3.8); after the last one only zero padding may follow.
 * @param {Reader} r
 */
function readRest(r) {
  /** @type {[string, string][]} */
  const headers = [];
  if (!r.done) {
    const section = new Reader(r.lengthPrefixed());
    while (!section.done) headers.push([text(section.lengthPrefixed()), text(section.lengthPrefixed())]);
  }
  const content = r.done ? new Uint8Array(0) : r.lengthPrefixed();
  if (!r.done) r.lengthPrefixed(); // trailers: none are used
  while (!r.done) if (r.byte() !== 0) throw new OhttpError('bytes after the message that are not padding');
  return { headers, content: Uint8Array.from(content) };
}

/** Trailing empty sections are left out (RFC 9292 3.8), as in RFC 9458 Appendix A. */
function withRest(/** @type {Uint8Array} */ head, /** @type {[string, string][]} */ headers, /** @type {Uint8Array} */ content) {
  if (content.length) return concat(head, fieldSection(headers), varint(content.length), content);
  return headers.length ? concat(head, fieldSection(headers)) : head;
}

/**
 * Encodes a request as a known-length Binary HTTP message.
 * @param {{method: string, scheme: string, authority: string, path: string, headers?: [string, string][], content?: Uint8Array}} m
 */
export function encodeRequest(m) {
  const head = concat(varint(0), prefixed(m.method), prefixed(m.scheme), prefixed(m.authority), prefixed(m.path));
  return withRest(head, m.headers ?? [], m.content ?? new Uint8Array(0));
}

/** @param {Uint8Array} bytes */
export function decodeRequest(bytes) {
  const r = new Reader(bytes);
  if (r.varint() !== 0) throw new OhttpError('only known-length Binary HTTP requests are accepted');
  const [method, scheme, authority, path] = [0, 1, 2, 3].map(() => text(r.lengthPrefixed()));
  return { method, scheme, authority, path, ...readRest(r) };
}

/**
 * Encodes a final response (no informational ones) as a known-length Binary HTTP message.
 * @param {{status: number, headers?: [string, string][], content?: Uint8Array}} m
 */
export function encodeResponse(m) {
  return withRest(concat(varint(1), varint(m.status)), m.headers ?? [], m.content ?? new Uint8Array(0));
}

/** @param {Uint8Array} bytes */
export function decodeResponse(bytes) {
  const r = new Reader(bytes);
  if (r.varint() !== 1) throw new OhttpError('not a known-length Binary HTTP response');
  let status = r.varint();
  // Informational responses (1xx) come first, each with its own fields.
  while (status >= 100 && status < 200) {
    r.lengthPrefixed();
    status = r.varint();
  }
  if (status < 200 || status > 599) throw new OhttpError(`status ${status} is not a final status`);
  return { status, ...readRest(r) };
}

// ---- Key configurations (RFC 9458 3) ----

/**
 * @typedef {{keyId: number, kemId: number, publicKey: Uint8Array, suites: {kdfId: number, aeadId: number}[]}} KeyConfig
 */

/**
 * Parses `application/ohttp-keys` (RFC 9458 3.2: key configurations, each
 * after its 2-byte length). Throws `INVALID_ARGUMENT` naming `field`.
 * @param {Uint8Array} bytes
 * @param {string} [field]
 * @returns {KeyConfig[]}
 */
export function parseKeys(bytes, field = 'keyConfig') {
  const out = [];
  let at = 0;
  const bad = (/** @type {string} */ why) => invalid(`${field} is not ${KEYS_MEDIA_TYPE} (RFC 9458 3.2): ${why}; use the bytes the gateway serves at ${GATEWAY_PATH}`, field);
  while (at < bytes.length) {
    if (bytes.length - at < 2) throw bad('a truncated length');
    const len = (bytes[at] << 8) | bytes[at + 1];
    const end = at + 2 + len;
    if (end > bytes.length || len < 3) throw bad('a truncated key configuration');
    const keyId = bytes[at + 2];
    const kemId = (bytes[at + 3] << 8) | bytes[at + 4];
    const npk = KEMS[/** @type {keyof KEMS} */ (kemId)]?.[1];
    at += 5;
    if (npk === undefined) { at = end; continue; } // a KEM this client does not speak
    if (end - at < npk + 2) throw bad('a truncated public key');
    const publicKey = bytes.slice(at, at + npk);
    const algLen = (bytes[at + npk] << 8) | bytes[at + npk + 1];
    at += npk + 2;
    if (algLen % 4 || at + algLen !== end) throw bad('a malformed list of algorithms');
    const suites = [];
    for (; at < end; at += 4) suites.push({ kdfId: (bytes[at] << 8) | bytes[at + 1], aeadId: (bytes[at + 2] << 8) | bytes[at + 3] });
    out.push({ keyId, kemId, publicKey, suites });
  }
  if (!out.length) throw bad('no key configuration with a KEM this client speaks (X25519 or P-256)');
  return out;
}

/** @param {KeyConfig} c the 2-byte length and the configuration */
export function serializeKeyConfig(c) {
  const algs = concat(...c.suites.map((s) => concat(u16(s.kdfId), u16(s.aeadId))));
  const body = concat(Uint8Array.of(c.keyId), u16(c.kemId), c.publicKey, u16(algs.length), algs);
  return concat(u16(body.length), body);
}

/** @param {number} kemId @param {number} kdfId @param {number} aeadId */
function suiteOf(kemId, kdfId, aeadId) {
  const Kem = KEMS[/** @type {keyof KEMS} */ (kemId)]?.[0];
  const Kdf = KDFS[/** @type {keyof KDFS} */ (kdfId)];
  const Aead = AEADS[/** @type {keyof AEADS} */ (aeadId)]?.[0];
  return Kem && Kdf && Aead ? new CipherSuite({ kem: new Kem(), kdf: new Kdf(), aead: new Aead() }) : null;
}

/** The header of an encapsulated request, and the HPKE info (RFC 9458 4.3). */
function header(/** @type {number} */ keyId, /** @type {number} */ kemId, /** @type {number} */ kdfId, /** @type {number} */ aeadId) {
  const hdr = concat(Uint8Array.of(keyId), u16(kemId), u16(kdfId), u16(aeadId));
  return { hdr, info: concat(enc.encode('message/bhttp request'), Uint8Array.of(0), hdr) };
}

/**
 * The response key and nonce (RFC 9458 4.4): secret = Export("message/bhttp
 * response", max(Nn, Nk)), salt = enc || response_nonce, then HKDF.
 * @param {any} ctx HPKE context (sender or recipient)
 * @param {number} aeadId
 * @param {Uint8Array} encapsulated enc of the request
 * @param {Uint8Array} nonce response_nonce, max(Nn, Nk) bytes
 */
async function responseKey(ctx, aeadId, encapsulated, nonce) {
  const [, nk, nn] = AEADS[/** @type {keyof AEADS} */ (aeadId)];
  const secret = new Uint8Array(await ctx.export(enc.encode('message/bhttp response'), Math.max(nn, nk)));
  const ikm = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveBits']);
  const hkdf = (/** @type {string} */ label, /** @type {number} */ n) =>
    crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: concat(encapsulated, nonce), info: enc.encode(label) }, ikm, n * 8);
  const key = await crypto.subtle.importKey('raw', await hkdf('key', nk), 'AES-GCM', false, ['encrypt', 'decrypt']);
  return { key, iv: new Uint8Array(await hkdf('nonce', nn)) };
}

// ---- The client side ----

/**
 * Encapsulates a Binary HTTP request for the first usable key configuration.
 * Returns the encapsulated request and a function that opens the response.
 * `ekm`: the ephemeral key pair (only to reproduce test vectors).
 * @param {KeyConfig[]} keys
 * @param {Uint8Array} request Binary HTTP
 * @param {{ekm?: CryptoKeyPair}} [testing]
 */
export async function encapsulateRequest(keys, request, testing) {
  for (const k of keys) {
    for (const s of k.suites) {
      const suite = suiteOf(k.kemId, s.kdfId, s.aeadId);
      if (!suite) continue;
      const { hdr, info } = header(k.keyId, k.kemId, s.kdfId, s.aeadId);
      const recipientPublicKey = await suite.kem.deserializePublicKey(k.publicKey);
      const ctx = await suite.createSenderContext({ recipientPublicKey, info, ...(testing?.ekm ? { ekm: testing.ekm } : {}) });
      const encapsulated = new Uint8Array(ctx.enc);
      const ct = new Uint8Array(await ctx.seal(request));
      return {
        message: concat(hdr, encapsulated, ct),
        /** @param {Uint8Array} response message/ohttp-res */
        open: async (response) => {
          const [, nk, nn] = AEADS[/** @type {keyof AEADS} */ (s.aeadId)];
          const n = Math.max(nn, nk);
          if (response.length < n + 16) throw new OhttpError('the encapsulated response is truncated');
          const r = await responseKey(ctx, s.aeadId, encapsulated, response.subarray(0, n));
          try {
            return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: r.iv }, r.key, response.subarray(n)));
          } catch {
            throw new OhttpError('the encapsulated response does not decrypt');
          }
        },
      };
    }
  }
  throw invalid('no key configuration with a supported KDF and AEAD (HKDF-SHA256; AES-128-GCM or AES-256-GCM)', 'keyConfig');
}

/** @param {unknown} v base64url text or bytes */
function keyBytes(v) {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (typeof v === 'string' && /^[A-Za-z0-9_-]+={0,2}$/.test(v)) {
    const b64 = v.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
    try {
      return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    } catch { /* below */ }
  }
  return null;
}

const RELAY = Symbol.for('localrank.ohttpRelay');

/**
 * A relay for `sendAggregateReport(url, {relay})`: reports are sent as
 * Oblivious HTTP requests to `url` (the relay resource of another
 * operator), encapsulated for the gateway whose key configuration is
 * `keyConfig` (`application/ohttp-keys`, bytes or base64url; pin it in the
 * site's bundle or fetch it through the relay, so that the collector cannot
 * give one device its own key). Throws `INVALID_ARGUMENT` naming
 * `relay.url` or `relay.keyConfig`.
 * @param {{url: string|URL, keyConfig: Uint8Array|ArrayBuffer|string}} options
 */
export function createOhttpRelay(options) {
  const o = /** @type {any} */ (options ?? {});
  let url;
  try {
    url = new URL(o.url, globalThis.location?.href);
  } catch { /* below */ }
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password) {
    throw invalid('relay.url must be the http(s) URL of an Oblivious HTTP relay resource, without credentials', 'relay.url');
  }
  const bytes = keyBytes(o.keyConfig);
  if (!bytes) throw invalid(`relay.keyConfig must be the gateway's ${KEYS_MEDIA_TYPE} as bytes or base64url`, 'relay.keyConfig');
  const keys = parseKeys(bytes, 'relay.keyConfig');
  if (!keys.some((k) => k.suites.some((s) => suiteOf(k.kemId, s.kdfId, s.aeadId)))) {
    throw invalid('relay.keyConfig offers no supported KDF and AEAD (HKDF-SHA256; AES-128-GCM or AES-256-GCM)', 'relay.keyConfig');
  }
  const relayUrl = url.href;
  return Object.freeze({
    [RELAY]: true,
    url: relayUrl,
    // Public (the gateway's keys): what localrank/worker sends to build the same relay in its worker.
    keyConfig: bytes.slice(),
    /**
     * POSTs `body` to `target` through the relay. Resolves with the
     * gateway's answer to the inner request as a Response (a relay or
     * gateway failure: its 429 or 5xx, else 502), rejects on a network error.
     * @param {string|URL} target
     * @param {{headers: Record<string, string>, body: string, signal?: AbortSignal}} req
     */
    async post(target, req) {
      const t = new URL(target, globalThis.location?.href);
      const inner = encodeRequest({
        method: 'POST', scheme: t.protocol.slice(0, -1), authority: t.host, path: t.pathname + t.search,
        headers: Object.entries(req.headers), content: enc.encode(req.body),
      });
      const { message, open } = await encapsulateRequest(keys, inner);
      // Nothing that identifies the device: no credentials, no referrer, one fixed header.
      const res = await fetch(relayUrl, {
        method: 'POST', credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', mode: 'cors',
        headers: { 'Content-Type': REQUEST_MEDIA_TYPE }, body: message, signal: req.signal,
      });
      if (res.status !== 200 || !String(res.headers.get('content-type')).startsWith(RESPONSE_MEDIA_TYPE)) {
        // The relay or the gateway refused the encapsulated request (a 422: the keys changed): never the
        // collector's verdict on the report, so it is kept for a later send, as after a 5xx.
        return new Response(null, { status: res.status === 429 || res.status >= 500 ? res.status : 502, headers: { 'retry-after': res.headers.get('retry-after') ?? '' } });
      }
      const answer = decodeResponse(await open(new Uint8Array(await res.arrayBuffer())));
      return new Response(answer.status === 204 || answer.status === 205 ? null : answer.content, { status: answer.status, headers: answer.headers });
    },
  });
}

/** @param {unknown} v */
export const isOhttpRelay = (v) => typeof v === 'object' && v !== null && /** @type {any} */ (v)[RELAY] === true;

// ---- The gateway side ----

/**
 * A gateway key (X25519, HKDF-SHA256, AES-128-GCM): from a 32-byte `seed`
 * (RFC 9180 DeriveKeyPair; keep it secret and stable across restarts), else
 * fresh. `keyId` 0..255. `keyPair` (raw X25519 keys) only reproduces test vectors.
 * @param {{seed?: Uint8Array, keyId?: number, keyPair?: {privateKey: Uint8Array, publicKey: Uint8Array}}} [options]
 */
export async function createOhttpGateway(options = {}) {
  const keyId = options.keyId ?? 1;
  if (!(Number.isInteger(keyId) && keyId >= 0 && keyId <= 255)) throw invalid('keyId must be an integer in [0, 255]', 'keyId');
  const kemId = 0x0020;
  const suite = /** @type {CipherSuite} */ (suiteOf(kemId, 1, 1));
  if (options.seed !== undefined && !(options.seed instanceof Uint8Array && options.seed.length >= 32)) {
    throw invalid('seed must be at least 32 random bytes', 'seed');
  }
  const pair = options.keyPair
    ? { privateKey: await suite.kem.importKey('raw', options.keyPair.privateKey.slice().buffer, false), publicKey: await suite.kem.importKey('raw', options.keyPair.publicKey.slice().buffer, true) }
    : options.seed ? await suite.kem.deriveKeyPair(options.seed) : await suite.kem.generateKeyPair();
  const config = { keyId, kemId, publicKey: new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey)), suites: [{ kdfId: 1, aeadId: 1 }, { kdfId: 1, aeadId: 2 }] };
  const keys = serializeKeyConfig(config);
  return {
    /** `application/ohttp-keys`: what clients encapsulate to. */
    keys,
    /**
     * Decapsulates a `message/ohttp-req`. Returns the Binary HTTP request and
     * `respond(bytes)`, which encapsulates a Binary HTTP response for it.
     * Throws OhttpError (status 400, or 422 for a key this gateway does not hold).
     * @param {Uint8Array} message
     */
    async decapsulate(message) {
      if (message.length < 7) throw new OhttpError('the encapsulated request is truncated');
      const id = message[0];
      const kem = (message[1] << 8) | message[2];
      const kdf = (message[3] << 8) | message[4];
      const aead = (message[5] << 8) | message[6];
      if (id !== keyId || kem !== kemId || !config.suites.some((s) => s.kdfId === kdf && s.aeadId === aead)) {
        throw new OhttpError('unknown key configuration: fetch the gateway keys again', 422);
      }
      const s = /** @type {CipherSuite} */ (suiteOf(kem, kdf, aead));
      const npk = 32;
      if (message.length < 7 + npk + 16) throw new OhttpError('the encapsulated request is truncated');
      const encapsulated = message.slice(7, 7 + npk);
      const { info } = header(id, kem, kdf, aead);
      let ctx;
      let request;
      try {
        ctx = await s.createRecipientContext({ recipientKey: pair.privateKey, enc: encapsulated, info });
        request = new Uint8Array(await ctx.open(message.slice(7 + npk)));
      } catch {
        throw new OhttpError('the encapsulated request does not decrypt');
      }
      return {
        request,
        /**
         * @param {Uint8Array} response Binary HTTP
         * @param {Uint8Array} [nonce] response_nonce (only to reproduce test vectors)
         */
        respond: async (response, nonce) => {
          const n = nonce ?? crypto.getRandomValues(new Uint8Array(Math.max(AEADS[/** @type {keyof AEADS} */ (aead)][1], 12)));
          const r = await responseKey(ctx, aead, encapsulated, n);
          return concat(n, new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: r.iv }, r.key, response)));
        },
      };
    },
  };
}
