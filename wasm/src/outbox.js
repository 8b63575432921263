// SPDX-License-Identifier: MIT
// Delivery of aggregate reports: a report that could not be delivered (network
// error, 429, 5xx) is kept, on the device's storage, and re-sent unchanged
// (same id: a collector counts it once; same token) instead of building a new
// one, so a failed delivery spends no new epsilon. It is dropped once
// delivered, once refused for good (another 4xx), once its day is too old for a
// collector to accept ([today - 2, today + 1], docs/collector.md), at the next
// send after consent is withdrawn, and by forget(). Loaded on demand with the
// rest of the report path (report-module.js).
import { LocalrankError } from './errors.js';
import { utcDay, MS_PER_DAY } from './report.js';

export { OUTBOX_KEY } from './privacy-options.js';
const OUTBOX_SCHEMA = 'localrank.report-outbox';

/** @param {string} message @param {unknown} [cause] */
const failed = (message, cause) => new LocalrankError('SEND_FAILED', message, { field: 'url', cause });

/**
 * Checks the `options` of sendAggregateReport: `retries` (0..10, default 2),
 * `token` (a `PrivateToken ...` Authorization value, or a function
 * returning one) and `relay` (from `createOhttpRelay()` of localrank/ohttp).
 * @param {any} o
 * @returns {{retries: number, token?: string|(() => string|Promise<string>), relay?: {post(url: string|URL, r: object): Promise<Response>}}}
 */
export function deliveryOptions(o = {}) {
  const { retries = 2, token, relay } = o ?? {};
  if (relay !== undefined && relay?.[Symbol.for('localrank.ohttpRelay')] !== true) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.relay must come from createOhttpRelay() (localrank/ohttp)', { field: 'options.relay' });
  }
  if (!(retries >= 0 && retries <= 10 && retries % 1 === 0)) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.retries must be an integer in [0, 10]', { field: 'options.retries' });
  }
  if (token !== undefined && typeof token !== 'function' && !/^PrivateToken [ -~]+$/.test(token)) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.token must be a PrivateToken header value or a function', { field: 'options.token' });
  }
  return { retries, token, relay };
}

/** The report waiting for delivery (and its token), in memory and on storage. */
export class ReportOutbox {
  #storage;
  #key;
  #now;
  /** @type {{report: Record<string, any>, token?: string}|null|undefined} undefined: not read yet */
  #kept = undefined;
  /** @type {AbortController|null} the delivery in flight */
  #flight = null;

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
        if (o.schema === OUTBOX_SCHEMA && o.report.day) this.#kept = { report: o.report, token: o.token };
      } catch { /* nothing kept, or unreadable */ }
    }
    if (this.#kept && !(this.#kept.report.day >= utcDay(this.#now() - 2 * MS_PER_DAY))) await this.drop();
    return this.#kept?.report ?? null;
  }

  /**
   * Keeps a report with its token (fetched first, so failing to get one spends
   * no epsilon) before they are sent; best effort on storage.
   * @param {() => Record<string, any>|null} build
   * @param {string|(() => string|Promise<string>)} [token]
   */
  async keep(build, token) {
    try {
      token = typeof token === 'function' ? await token() : token;
    } catch (cause) {
      throw failed(`no token: ${cause}`, cause);
    }
    const report = build();
    if (!report) return null;
    this.#kept = { report, token };
    try {
      await this.#storage.set(this.#key, JSON.stringify({ schema: OUTBOX_SCHEMA, ...this.#kept }));
    } catch { /* kept in memory */ }
    return report;
  }

  async drop() {
    this.#kept = null;
    try {
      await this.#storage.delete(this.#key);
    } catch { /* gone with the page */ }
  }

  /** Forgets the report in memory only (forget() deletes the key with the rest). */
  clear() { this.#kept = null; }

  /** Cuts the delivery in flight (consent withdrawn): its request is aborted, its wait ended. */
  abort() { this.#flight?.abort(); }

  /**
   * POSTs the kept report (through `relay` if given), re-sending it after a
   * network error, 429 or 5xx up to `retries` times (waiting `Retry-After`
   * seconds, else 1 s, doubling, at most 30 s). `wanted()` is asked right
   * before each attempt, and abort() cuts an attempt or a wait: once it is
   * false the report is dropped and this resolves with null. Resolves with the
   * status of a 2xx; throws `SEND_FAILED`, with `retryAfterMs` when the report
   * is kept for a later call.
   * @param {string|URL} url
   * @param {number} retries
   * @param {() => boolean} wanted false once consent is withdrawn or the personalizer disposed
   * @param {{post(url: string|URL, r: object): Promise<Response>}} [relay]
   */
  async deliver(url, retries, wanted, relay) {
    const kept = /** @type {{report: Record<string, any>, token?: string}} */ (this.#kept);
    /** @type {Record<string, string>} */
    const headers = { 'Content-Type': 'application/json' };
    if (kept.token) headers.Authorization = kept.token;
    const flight = (this.#flight = new AbortController());
    const { signal } = flight;
    const body = JSON.stringify(kept.report);
    try {
      for (let attempt = 0, delay = 1000; ; attempt++, delay *= 2) {
        // Asked right before the report leaves, and again if it was cut.
        if (!wanted() || signal.aborted) {
          if (this.#kept === kept) await this.drop();
          return null;
        }
        /** @type {Response|undefined} */
        let res;
        let cause;
        try {
          res = await (relay ? relay.post(url, { headers, body, signal })
            : fetch(url, { method: 'POST', credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', headers, body, signal }));
        } catch (e) {
          cause = e;
        }
        if (signal.aborted) continue;
        const status = res?.status ?? 0;
        if (res && (res.ok || (status < 500 && status !== 429))) {
          if (this.#kept === kept) await this.drop();
          if (res.ok) return status;
          throw failed(`the collector refused the report: HTTP ${status}`);
        }
        const wait = Math.min(30000, (Number(res?.headers.get('retry-after') || NaN) * 1000) || delay);
        if (attempt >= retries) {
          const err = failed(`${res ? `HTTP ${status}` : cause}: the report is kept for the next send`, cause);
          /** @type {any} */ (err).retryAfterMs = wait;
          throw err;
        }
        await new Promise((r) => {
          const t = setTimeout(r, wait);
          signal.onabort = () => r(clearTimeout(t));
        });
      }
    } finally {
      if (this.#flight === flight) this.#flight = null;
    }
  }
}
