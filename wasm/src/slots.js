// SPDX-License-Identifier: MIT
// What persistence.js stores: the slot format (encode, decode, checksum) and
// plain-data copies of the journaled calls. The design is in docs/storage.md.
import { hashId } from './hash.js';
import { checksum, fromBase64, sameBytes, toBase64 } from './bytes.js';

/**
 * A slot holds one save: a JSON header, then the profile. Store format 2 (this
 * build writes it): the core's binary snapshot, either as bytes for adapters
 * that store them (`LRST`, u32 header length, header padded with spaces to 4
 * bytes, snapshot) or as `<header>\n<base64 of the snapshot>` for those that
 * store strings. Store format 1 (older builds): `<header>\n<profile JSON>`,
 * still read, and rewritten as format 2 by the next save.
 */
const STORE_FORMAT = 'localrank.store';
const STORE_VERSION = 2;
const BINARY_MAGIC = /** @type {const} */ ([0x4c, 0x52, 0x53, 0x54]); // "LRST"

/**
 * Why a stored profile was not used. Stable strings, carried by `profile-reset`.
 * @typedef {'unreadable'|'checksum'|'future-version'|'invalid-profile'} ResetReason
 */

/**
 * @typedef {object} Slot
 * @property {'a'|'b'} name
 * @property {boolean} ok
 * @property {number} seq   save counter (-1 when the header is unreadable)
 * @property {string} [writer]  the personalizer that wrote it (from the header)
 * @property {Record<string, number>} [has]  per writer, the last of its saves this one contains
 * @property {Uint8Array} [bytes]  the profile snapshot (ok, store format 2, checked)
 * @property {{body: string|Uint8Array, length: unknown, checksum: unknown}} [unchecked]  ok so far, checksum not compared yet
 * @property {string} [text]  the profile JSON (ok, store format 1)
 * @property {ResetReason} [reason]
 * @property {string} [message]
 */

/**
 * Format versions this build writes and reads (up to).
 * @typedef {{profile: number, snapshot: number}} Versions  profile JSON schema, binary snapshot
 */

/**
 * A slot in store format 2.
 * @param {number} seq @param {Uint8Array} snapshot  the core's snapshot (length a multiple of 4)
 * @param {string} writer @param {number} savedAt @param {number} snapshotVersion
 * @param {boolean} binary  bytes for an adapter that stores them, else text
 * @param {Record<string, number>} [has]  per writer, the last of its saves this one contains (through the saves it builds on)
 * @returns {string|Uint8Array}
 */
export function encodeSlot(seq, snapshot, writer, savedAt, snapshotVersion, binary, has = {}) {
  const header = JSON.stringify({
    format: STORE_FORMAT, version: STORE_VERSION, seq, savedAt, writer, snapshotVersion, length: snapshot.length, checksum: checksum(snapshot), has,
  });
  if (!binary) return `${header}\n${toBase64(snapshot)}`;
  const head = new TextEncoder().encode(header);
  const room = (head.length + 3) & ~3;
  const out = new Uint8Array(8 + room + snapshot.length);
  out.set(BINARY_MAGIC);
  new DataView(out.buffer).setUint32(4, room, true);
  out.set(head, 8);
  out.fill(0x20, 8 + head.length, 8 + room);
  out.set(snapshot, 8 + room);
  return out;
}

/**
 * A slot in store format 1, as localrank wrote it before the binary snapshot
 * (profile JSON text, cyrb53 checksum). Only tests write it, to check that
 * such data still loads.
 * @param {number} seq @param {string} text @param {string} writer @param {number} savedAt
 * @param {number} profileVersion  schema version of `text`
 * @returns {string}
 */
export function encodeJsonSlot(seq, text, writer, savedAt, profileVersion) {
  const header = { format: STORE_FORMAT, version: 1, seq, savedAt, writer, profileVersion, length: text.length, checksum: hashId(text).toString(16) };
  return `${JSON.stringify(header)}\n${text}`;
}

/**
 * Decodes one stored slot; never throws.
 * @param {'a'|'b'} name @param {string|Uint8Array} raw
 * @param {Versions} versions  newest formats this build reads
 * @param {boolean} [check]  compare the checksum now (else `checkSlot` does when the slot is used)
 * @returns {Slot}
 */
export function decodeSlot(name, raw, versions, check = true) {
  const bad = (/** @type {ResetReason} */ reason, message, seq = -1) => ({ name, ok: false, seq, reason, message });
  const foreign = () => bad('unreadable', `slot ${name} is not in the localrank storage format`);
  /** @type {string} */ let headerText;
  /** @type {string|Uint8Array} */ let body;
  if (typeof raw === 'string') {
    const nl = raw.indexOf('\n');
    if (nl < 0) return foreign();
    headerText = raw.slice(0, nl);
    body = raw.slice(nl + 1);
  } else {
    if (raw.length < 8 || BINARY_MAGIC.some((b, i) => raw[i] !== b)) return foreign();
    const room = new DataView(raw.buffer, raw.byteOffset, 8).getUint32(4, true);
    if (room > raw.length - 8) return bad('unreadable', `slot ${name} has an unreadable header`);
    headerText = new TextDecoder().decode(raw.subarray(8, 8 + room));
    body = raw.subarray(8 + room);
  }
  /** @type {any} */
  let h;
  try {
    h = JSON.parse(headerText);
  } catch {
    return bad('unreadable', `slot ${name} has an unreadable header`);
  }
  if (h === null || typeof h !== 'object' || h.format !== STORE_FORMAT) return foreign();
  const seq = Number.isSafeInteger(h.seq) && h.seq > 0 ? h.seq : -1;
  const writer = typeof h.writer === 'string' ? h.writer : undefined;
  if (!Number.isInteger(h.version) || h.version < 1) return bad('unreadable', `slot ${name} has no valid format version`);
  if (h.version > STORE_VERSION) {
    return bad('future-version', `slot ${name} uses storage format ${h.version}; this localrank reads up to ${STORE_VERSION}`, seq);
  }
  if (seq < 0) return bad('unreadable', `slot ${name} has no valid save counter`);
  const cut = () => bad('checksum', `slot ${name} does not match its checksum (cut short or edited)`, seq);
  if (h.version === 1) {
    if (typeof body !== 'string') return foreign();
    if (Number.isInteger(h.profileVersion) && h.profileVersion > versions.profile) {
      return bad('future-version', `slot ${name} holds profile schema ${h.profileVersion}; this localrank reads up to ${versions.profile}`, seq);
    }
    if (body.length !== h.length || hashId(body).toString(16) !== h.checksum) return cut();
    return { name, ok: true, seq, writer, text: body };
  }
  if (Number.isInteger(h.snapshotVersion) && h.snapshotVersion > versions.snapshot) {
    return bad('future-version', `slot ${name} holds profile snapshot version ${h.snapshotVersion}; this localrank reads up to ${versions.snapshot}`, seq);
  }
  /** @type {Slot} */
  const slot = { name, ok: true, seq, writer, has: h.has, unchecked: { body, length: h.length, checksum: h.checksum } };
  if (check) checkSlot(slot);
  return slot;
}

/**
 * Compares a decoded slot's snapshot with its length and checksum (once; the
 * slot is updated in place). Returns whether it is intact.
 * @param {Slot} slot
 */
export function checkSlot(slot) {
  const u = slot.unchecked;
  if (!slot.ok || u === undefined) return slot.ok;
  delete slot.unchecked;
  const bytes = typeof u.body === 'string' ? fromBase64(u.body) : u.body;
  if (bytes === null || bytes.length !== u.length || bytes.length % 4 !== 0 || checksum(bytes) !== u.checksum) {
    Object.assign(slot, { ok: false, reason: 'checksum', message: `slot ${slot.name} does not match its checksum (cut short or edited)` });
    return false;
  }
  slot.bytes = bytes;
  return true;
}

/**
 * Whether a read-back slot is exactly what was written (no decoding needed).
 * @param {string|Uint8Array|null} back @param {string|Uint8Array} written
 */
export function sameSlot(back, written) {
  if (typeof written === 'string' || typeof back === 'string' || back === null) return back === written;
  return sameBytes(back, written);
}

/**
 * The version a snapshot says it has (its second 32-bit word).
 * @param {Uint8Array} bytes
 */
export function snapshotVersion(bytes) {
  return bytes.length >= 8 ? new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true) : 0;
}

/**
 * @typedef {object} StoreState
 * @property {Slot[]} valid     decodable slots, newest first (the first one checked, the others when used)
 * @property {Slot[]} invalid   present but unusable
 * @property {boolean} empty    nothing stored at all
 * @property {number} maxSeq    highest save counter seen in any header
 * @property {Slot|null} future the newest slot, if it was written by a newer localrank
 */

/**
 * The schema version of a profile JSON text (0 when unreadable).
 * @param {string} text
 */
export function storedVersion(text) {
  try {
    return Number(JSON.parse(text).version) || 0;
  } catch {
    return 0;
  }
}

/**
 * @typedef {object} JournalEntry  one profile-changing call, replayable
 * @property {string} method  e.g. 'record'
 * @property {unknown[]} args  plain-data copies, safe to keep
 * @property {number} size    events it holds (1 for non-event calls)
 */

/**
 * A plain-data deep copy of what a caller passed (functions and symbols are
 * dropped, typed arrays become arrays), so a journaled call cannot change when
 * the caller later mutates its objects.
 * @param {unknown} v
 * @returns {unknown}
 */
export function copyData(v) {
  if (v === null || typeof v !== 'object') return typeof v === 'function' || typeof v === 'symbol' ? undefined : v;
  if (ArrayBuffer.isView(v)) return Array.from(/** @type {any} */ (v));
  if (Array.isArray(v)) return v.map(copyData);
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    const c = copyData(x);
    if (c !== undefined) out[k] = c;
  }
  return out;
}
