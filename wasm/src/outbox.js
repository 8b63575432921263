// SPDX-License-Identifier: MIT
// Delivery of aggregate reports: a report that could not be delivered (network
// error, 429, 5xx) is kept, on the device's storage, and re-sent unchanged
// (same id: a collector counts it once; same token) instead of building a new
// one, so a failed delivery spends no new epsilon. It is dropped once
// delivered, once refused for good (another 4xx), once its day is too old for a
// collector to accept ([today - 2, today + 1], docs/collector.md), at the next
// send after consent is withdrawn, and by forget(). Kept small: every byte here
// is in what a browser loads.
import { LocalrankError } from './errors.js';
import { utcDay, MS_PER_DAY } from './report.js';

export const OUTBOX_KEY = 'report-outbox';

const SCHEMA = 'localrank.report-outbox';

/** @param {string} message @param {string} field @param {unknown} [cause] */
const failed = (message, field = 'url', cause = undefined) => new LocalrankError('SEND_FAILED', message, { field, cause });

/**
 * An Authorization header value a report may carry: a Privacy Pass token.
 * @param {unknown} v
 */
export const isTokenHeader = (v) => typeof v === 'string' && v.length < 4097 && /^PrivateToken [ -~]+$/.test(v);

/**
 * Checks the `options` of sendAggregateReport.
 * @param {any} o
 * @returns {{retries: number, baseDelayMs: number, maxDelayMs: number, token?: string|(() => string|Promise<string>)}}
 */
export function deliveryOptions(o = {}) {
  if (o === null || typeof o !== 'object') throw new TypeError('options must be an object');
  const r = { retries: 2, baseDelayMs: 1000, maxDelayMs: 30000, token: o.token };
  for (const k of /** @type {const} */ (['retries', 'baseDelayMs', 'maxDelayMs'])) {
    const v = o[k] ?? r[k];
    if (!Number.isInteger(v) || v < 0 || v > (k === 'retries' ? 10 : 6e5)) {
      throw new LocalrankError('INVALID_ARGUMENT', `options.${k} is out of range`, { field: `options.${k}` });
    }
    r[k] = v;
  }
  if (r.token !== undefined && typeof r.token !== 'function' && !isTokenHeader(r.token)) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.token must be a PrivateToken header value or a function', { field: 'options.token' });
  }
  return r;
}

/**
 * The token a new report is sent with: the value, or what the function returns.
 * @param {string|(() => string|Promise<string>)|undefined} token
 */
export async function tokenFor(token) {
  if (token === undefined) return undefined;
  let v;
  try {
    v = typeof token === 'function' ? await token() : token;
  } catch (cause) {
    throw failed(`no token: ${cause instanceof Error ? cause.message : cause}`, 'options.token', cause);
  }
  if (!isTokenHeader(v)) throw failed('no token', 'options.token');
  return /** @type {string} */ (v);
}

/** The report waiting for delivery (and its token), in memory and on storage. */
export class ReportOutbox {
  #storage;
  #key;
  #now;
  /** @type {{report: Record<string, any>, token?: string}|null|undefined} undefined: not read yet */
  #kept = undefined;

  /**
   * @param {{get(k: string): any, set(k: string, v: string): any, delete(k: string): any}} storage
   * @param {string} key
   * @param {() => number} now
   */
  constructor(storage, key, now) {
    this.#storage = storage;
    this.#key = key;
    this.#now = now;
  }

  /** The kept report, if a collector would still accept its day; an older one is dropped. */
  async pending() {
    if (this.#kept === undefined) {
      this.#kept = null;
      try {
        const o = JSON.parse(await this.#storage.get(this.#key));
        if (o.schema === SCHEMA && o.report?.day) this.#kept = { report: o.report, token: isTokenHeader(o.token) ? o.token : undefined };
      } catch { /* nothing kept, or unreadable */ }
    }
    if (this.#kept && !(this.#kept.report.day >= utcDay(this.#now() - 2 * MS_PER_DAY))) await this.drop();
    return this.#kept?.report ?? null;
  }

  /**
   * Keeps a report and its token before they are sent (best effort on storage).
   * @param {Record<string, any>} report
   * @param {string} [token]
   */
  async keep(report, token) {
    this.#kept = { report, token };
    try {
      await this.#storage.set(this.#key, JSON.stringify({ schema: SCHEMA, version: 1, report, token }));
    } catch { /* kept in memory */ }
  }

  async drop() {
    this.#kept = null;
    try {
      await this.#storage.delete(this.#key);
    } catch { /* gone with the page */ }
  }

  /** Forgets the report in memory only (forget() deletes the key with the rest). */
  clear() { this.#kept = null; }

  /**
   * POSTs the kept report, re-sending it after a network error, 429 or 5xx up
   * to `retries` times (waiting `Retry-After` seconds, else baseDelayMs,
   * doubling, at most maxDelayMs). Resolves with the status of a 2xx, or null
   * when it stopped being wanted while waiting (then it is dropped); throws
   * `SEND_FAILED`, with `retryAfterMs` when the report is kept for a later call.
   * @param {string|URL} url
   * @param {{retries: number, baseDelayMs: number, maxDelayMs: number}} o
   * @param {() => boolean} wanted false once consent is withdrawn or the personalizer disposed
   */
  async deliver(url, o, wanted) {
    const kept = /** @type {{report: Record<string, any>, token?: string}} */ (this.#kept);
    /** @type {Record<string, string>} */
    const headers = { 'Content-Type': 'application/json' };
    if (kept.token) headers.Authorization = kept.token;
    for (let attempt = 0, delay = o.baseDelayMs; ; attempt++, delay = Math.min(o.maxDelayMs, delay * 2)) {
      /** @type {Response|null} */
      let res = null;
      let cause;
      try {
        res = await fetch(url, { method: 'POST', credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', headers, body: JSON.stringify(kept.report) });
      } catch (e) {
        cause = e;
      }
      const status = res?.status ?? 0;
      if (res && (res.ok || (status < 500 && status !== 429))) {
        if (this.#kept === kept) await this.drop();
        if (res.ok) return status;
        throw failed(`the collector refused the report: HTTP ${status}`);
      }
      const after = Number(res?.headers.get('retry-after'));
      const wait = Math.min(o.maxDelayMs, Number.isFinite(after) && after >= 0 && res?.headers.has('retry-after') ? after * 1000 : delay);
      if (attempt >= o.retries) {
        const err = failed(`${res ? `the collector answered HTTP ${status}` : `sending failed: ${cause instanceof Error ? cause.message : cause}`}; the report is kept for the next send`, 'url', cause);
        /** @type {any} */ (err).retryAfterMs = wait;
        throw err;
      }
      await new Promise((r) => setTimeout(r, wait));
      if (!wanted()) {
        if (this.#kept === kept) await this.drop();
        return null;
      }
    }
  }
}
