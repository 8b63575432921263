// SPDX-License-Identifier: MIT
// The device's memo of permanent randomized responses (RAPPOR's
// memoization, docs/privacy.md "Memoized randomization"): for every value a
// report can carry, one perturbed answer drawn once, before any data is looked
// at, and reused by every report of that value, so that linked reports of an
// unchanged value average no noise away.
//
// It is stored apart from the profile, under one storage-wide key
// (`localrank.report-memo`, outside every namespace): forget() and a new
// namespace keep it, because erasing it would let whoever can trigger an
// erasure draw fresh noise and average it away. It holds noise only: an
// answer for every value, whatever the person did, so reading it reveals
// nothing about their behaviour. What is stored is the uniform random words
// the memo was drawn from (base64), per configuration fingerprint; the core
// redraws the same memo from them.
import { LocalrankError } from './errors.js';
import { randomWords } from './report.js';
import { toBase64, fromBase64 } from './bytes.js';

export const MEMO_KEY = 'localrank.report-memo';
const SCHEMA = 'localrank.report-memos';
/** Memos of this many configurations are kept (the most recent ones). */
const MAX_CONFIGS = 8;

export class ReportMemoStore {
  #storage;
  #encoder;
  #random;
  #emit;
  /** A read failure: no report in this session (a memo could not be kept). @type {LocalrankError|null} */
  #broken = null;
  /** Memos of other configurations, kept as they were read. @type {Record<string, string>} */
  #others = {};
  /** The pending write of a newly drawn memo; a report leaves only after it. */
  written = Promise.resolve();

  /**
   * @param {{get(k: string): Promise<string|null>, set(k: string, v: string): Promise<void>}} storage
   * @param {import('./report.js').ReportEncoder} encoder
   * @param {((w: Uint32Array) => void)|undefined} random  tests only
   * @param {(e: LocalrankError) => void} emit  reports an error event
   */
  constructor(storage, encoder, random, emit) {
    this.#storage = storage;
    this.#encoder = encoder;
    this.#random = random;
    this.#emit = emit;
  }

  /** Reads the stored memo of this configuration, if there is one; returns a read error. */
  async load() {
    try {
      this.#adopt(await this.#storage.get(MEMO_KEY));
    } catch (cause) {
      this.#broken = new LocalrankError('STORAGE_FAILED', `reading the report memo failed (no report in this session): ${cause instanceof Error ? cause.message : String(cause)}`, { field: 'report-memo', cause });
      return this.#broken;
    }
    return null;
  }

  /**
   * Makes sure the memo exists (drawing it on first use and queueing its
   * write). Throws when the memo could not be read in this session.
   */
  ensure() {
    if (this.#broken) throw this.#broken;
    if (this.#encoder.hasMemo) return;
    const words = randomWords(this.#encoder.info.memoWordsNeeded, this.#random);
    const text = toBase64(new Uint8Array(words.buffer));
    this.#encoder.drawMemo(words);
    words.fill(0);
    this.written = this.written.catch(() => {}).then(() => this.#write(text));
    this.written.catch(() => {});
  }

  /** @param {string} words the new memo's words, base64 */
  async #write(words) {
    const memos = { ...this.#others, [this.#encoder.info.fingerprint]: words };
    const keep = Object.keys(memos).slice(-MAX_CONFIGS);
    try {
      await this.#storage.set(MEMO_KEY, JSON.stringify({ schema: SCHEMA, version: 1, memos: Object.fromEntries(keep.map((k) => [k, memos[k]])) }));
      // Another tab may have drawn its memo at the same time: the stored one wins in every tab.
      this.#adopt(await this.#storage.get(MEMO_KEY));
    } catch (cause) {
      const err = new LocalrankError('STORAGE_FAILED', `saving the report memo failed: ${cause instanceof Error ? cause.message : String(cause)}`, { field: 'report-memo', cause });
      this.#emit(err);
      throw err;
    }
  }

  /** Takes the memos of a stored record; this configuration's is redrawn in the encoder. @param {string|null} text */
  #adopt(text) {
    if (text === null) return;
    let record = null;
    try { record = JSON.parse(text); } catch { record = null; }
    const fp = this.#encoder.info.fingerprint;
    const bytes = record?.schema === SCHEMA && typeof record.memos?.[fp] === 'string' ? fromBase64(record.memos[fp]) : null;
    if (record?.schema !== SCHEMA || (record.memos?.[fp] !== undefined && bytes?.length !== this.#encoder.info.memoWordsNeeded * 4)) {
      this.#emit(new LocalrankError('CORRUPT_PROFILE', 'the stored report memo was unreadable; a new one is drawn', { field: 'report-memo' }));
      return;
    }
    const { [fp]: _mine, ...others } = record.memos;
    this.#others = others;
    if (bytes) this.#encoder.drawMemo(new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
  }
}
