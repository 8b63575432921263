// SPDX-License-Identifier: MIT
// Delivery of aggregate reports: a report that could not be delivered (network
// error, 429, 5xx) is kept, on the device's storage, and re-sent unchanged
// (same id: a collector counts it once) instead of building a new one, so a
// failed delivery spends no new epsilon. A report is dropped once delivered,
// once refused for good (another 4xx), once its day is too old for a collector
// to accept (docs/collector.md: [today - 2, today + 1]), on consent withdrawal
// and on forget().
import { LocalrankError } from './errors.js';
import { utcDay, MS_PER_DAY } from './report.js';

export const OUTBOX_KEY = 'report-outbox';

/** Days a collector still accepts after a report's day. */
const ACCEPTED_DAYS_BEFORE = 2;

const DEFAULTS = Object.freeze({ retries: 2, baseDelayMs: 1000, maxDelayMs: 30000 });

/**
 * The delay a `Retry-After` header asks for, in ms, or null.
 * @param {string|null} value seconds or an HTTP date
 * @param {number} now
 */
function retryAfterMs(value, now) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Checks the `options` of sendAggregateReport.
 * @param {unknown} options
 */
export function deliveryOptions(options) {
  if (options === undefined) return { ...DEFAULTS, token: undefined };
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object {retries?, maxDelayMs?, token?}');
  const o = /** @type {Record<string, unknown>} */ (options);
  const token = o.token;
  if (token !== undefined && typeof token !== 'function' && !isTokenHeader(token)) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.token must be an Authorization header value (PrivateToken token=...) or a function returning one', { field: 'options.token' });
  }
  const num = (/** @type {string} */ name, /** @type {number} */ max) => {
    const v = o[name] ?? /** @type {any} */ (DEFAULTS)[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      throw new LocalrankError('INVALID_ARGUMENT', `options.${name} must be an integer in [0, ${max}]`, { field: `options.${name}` });
    }
    return v;
  };
  return {
    retries: num('retries', 10), baseDelayMs: num('baseDelayMs', 600000), maxDelayMs: num('maxDelayMs', 600000),
    /** @type {string|(() => string|Promise<string>)|undefined} */
    token: /** @type {any} */ (token),
  };
}

/**
 * An Authorization header value a report may carry: a Privacy Pass token.
 * @param {unknown} v
 */
export function isTokenHeader(v) {
  return typeof v === 'string' && v.length <= 4096 && /^PrivateToken [\x20-\x7e]+$/.test(v);
}

/**
 * The token a new report is sent with: the value, or what the function returns.
 * @param {string|(() => string|Promise<string>)|undefined} token
 * @returns {Promise<string|undefined>}
 */
export async function tokenFor(token) {
  if (token === undefined) return undefined;
  let value;
  try {
    value = typeof token === 'function' ? await token() : token;
  } catch (cause) {
    throw new LocalrankError('SEND_FAILED', `no token for the report: ${cause instanceof Error ? cause.message : String(cause)}`, { field: 'options.token', cause });
  }
  if (!isTokenHeader(value)) throw new LocalrankError('SEND_FAILED', 'options.token gave no PrivateToken header value', { field: 'options.token' });
  return value;
}

/** The report waiting for delivery, kept in memory and on storage. */
export class ReportOutbox {
  #storage;
  #key;
  #now;
  /** @type {Record<string, any>|null|undefined} undefined: not read from storage yet */
  #report = undefined;
  /** @type {string|undefined} the token the kept report is sent with */
  #token = undefined;

  /**
   * @param {{get(k: string): Promise<any>, set(k: string, v: string): Promise<void>, delete(k: string): Promise<void>}} storage
   * @param {string} key
   * @param {() => number} now
   */
  constructor(storage, key, now) {
    this.#storage = storage;
    this.#key = key;
    this.#now = now;
  }

  /** The kept report if a collector would still accept its day; an older one is dropped. */
  async pending() {
    if (this.#report === undefined) {
      this.#report = null;
      try {
        const o = JSON.parse(String(await this.#storage.get(this.#key)));
        if (o?.schema === 'localrank.report-outbox' && o.version === 1 && o.report && typeof o.report === 'object') {
          this.#report = o.report;
          this.#token = isTokenHeader(o.token) ? o.token : undefined;
        }
      } catch { /* nothing kept, or unreadable: nothing to re-send */ }
    }
    const r = this.#report;
    if (r && !(typeof r.day === 'string' && r.day >= utcDay(this.#now() - ACCEPTED_DAYS_BEFORE * MS_PER_DAY))) {
      await this.drop();
      return null;
    }
    return r;
  }

  /** The token the kept report goes with (a re-send spends no other). */
  get token() { return this.#token; }

  /**
   * Keeps a report (and its token) before it is sent, so a page closed mid-send re-sends it later.
   * @param {Record<string, any>} report
   * @param {string} [token]
   */
  async keep(report, token) {
    this.#report = report;
    this.#token = token;
    // Best effort: if storage fails, the report is still kept in memory.
    await Promise.resolve(this.#storage.set(this.#key, JSON.stringify({ schema: 'localrank.report-outbox', version: 1, report, token }))).catch(() => {});
  }

  async drop() {
    this.#report = null;
    this.#token = undefined;
    await Promise.resolve(this.#storage.delete(this.#key)).catch(() => {});
  }

  /** Forgets the report in memory only (forget() deletes the key with the rest). */
  clear() {
    this.#report = null;
    this.#token = undefined;
  }

  /**
   * POSTs the report, re-sending it after a network error, 429 or 5xx up to
   * `retries` times (waiting `Retry-After`, else baseDelayMs, doubling, at most
   * maxDelayMs). Resolves with the status of a 2xx, or null when the report
   * stopped being wanted while waiting (it is dropped); throws `SEND_FAILED`
   * otherwise, with `retryAfterMs` when the report is kept for a later call.
   * @param {string|URL} url
   * @param {Record<string, any>} report
   * @param {{retries: number, baseDelayMs: number, maxDelayMs: number}} o
   * @param {() => boolean} stillWanted false once consent is withdrawn or the personalizer disposed
   */
  async deliver(url, report, o, stillWanted) {
    const token = this.#report === report ? this.#token : undefined;
    let delay = o.baseDelayMs;
    for (let attempt = 0; ; attempt++) {
      /** @type {Response|null} */
      let res = null;
      /** @type {unknown} */
      let cause = null;
      try {
        res = await fetch(url, {
          method: 'POST', credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
          headers: token ? { 'Content-Type': 'application/json', Authorization: token } : { 'Content-Type': 'application/json' },
          body: JSON.stringify(report),
        });
      } catch (e) {
        cause = e;
      }
      if (res?.ok) {
        if (this.#report === report) await this.drop();
        return res.status;
      }
      if (res && res.status !== 429 && res.status < 500) {
        if (this.#report === report) await this.drop();
        throw new LocalrankError('SEND_FAILED', `the collector refused the report: HTTP ${res.status}`, { field: 'url' });
      }
      const wait = Math.min(o.maxDelayMs, retryAfterMs(res?.headers.get('retry-after') ?? null, Date.now()) ?? delay);
      const why = res ? `the collector answered HTTP ${res.status}` : `sending the aggregate report failed: ${cause instanceof Error ? cause.message : String(cause)}`;
      if (attempt >= o.retries) {
        const err = new LocalrankError('SEND_FAILED', `${why}; the report is kept and re-sent by the next sendAggregateReport()`, { field: 'url', cause: cause ?? undefined });
        /** @type {any} */ (err).retryAfterMs = wait;
        throw err;
      }
      await new Promise((r) => setTimeout(r, wait));
      if (!stillWanted()) {
        if (this.#report === report) await this.drop();
        return null;
      }
      delay = Math.min(o.maxDelayMs, delay * 2);
    }
  }
}
