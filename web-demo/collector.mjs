// SPDX-License-Identifier: MIT
// Reference collector for localrank aggregate reports.
//
//   POST /v1/reports    one report (JSON, at most 4 KiB) -> 202, or a 4xx JSON error
//   GET  /v1/estimates  topic and segment estimates with standard errors
//   GET  /v1/config     the configuration devices must use (taxonomy, segments, epsilon)
//
// Running sums live in SQLite (better-sqlite3). A report is committed before
// the 202 leaves, so a restart loses no acknowledged report. Nothing about the
// sender is kept: no IP address, no headers, no per-client state; the rate
// limit is one global token bucket.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createAggregator, LocalrankError, MAX_REPORT_BYTES } from 'localrank/server';

/** Topics of the demo feed (scripts/gen-feed.mjs); devices and server share them. */
export const DEMO_TAXONOMY = Object.freeze([
  'cooking', 'baking', 'fitness', 'running', 'travel', 'outdoors', 'tech', 'programming', 'science', 'space',
  'music', 'film', 'books', 'gaming', 'finance', 'parenting', 'pets', 'gardening', 'design', 'photography',
  'politics', 'climate', 'fashion', 'comedy',
]);

/** Motivation segments the demo server publishes. */
export const DEMO_SEGMENTS = Object.freeze([
  { id: 'home-cooks', topics: { cooking: 1, baking: 0.7 } },
  { id: 'active-outdoors', topics: { fitness: 1, running: 1, outdoors: 0.7 } },
  { id: 'builders', topics: { tech: 1, programming: 1, science: 0.5 } },
  { id: 'culture-lovers', topics: { music: 1, film: 1, books: 1 } },
  { id: 'green-living', topics: { climate: 1, gardening: 0.7, outdoors: 0.3 } },
]);

export const DEMO_REPORT_CONFIG = Object.freeze({ taxonomy: DEMO_TAXONOMY, segments: DEMO_SEGMENTS, epsilonPerReport: 1 });

/** Default database of the demo: a file under the OS temp dir. */
export const DEFAULT_DB_PATH = join(tmpdir(), 'localrank-demo-collector.sqlite');

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function send(res, status, body, headers = {}) {
  res.writeHead(status, { ...JSON_HEADERS, ...headers });
  res.end(JSON.stringify(body));
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} code
 * @param {string} message
 * @param {{field?: string, headers?: Record<string, string>}} [o]
 */
function fail(res, status, code, message, o = {}) {
  send(res, status, { error: { code, message, field: o.field ?? '' } }, o.headers);
}

/**
 * Reads a request body up to `limit` bytes; resolves null when it is larger.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit
 * @returns {Promise<string|null>}
 */
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);  // keep draining, so the 413 reaches the client
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * A global token bucket: `perSecond` reports on average, bursts up to `burst`.
 * It keeps no per-client state, so it stores nothing about any sender.
 * @param {{perSecond: number, burst: number}} o
 * @param {() => number} now
 */
function tokenBucket(o, now) {
  let tokens = o.burst;
  let at = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(o.burst, tokens + ((t - at) / 1000) * o.perSecond);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    /** Seconds until a token is available. */
    retryAfter() { return Math.max(1, Math.ceil((1 - tokens) / o.perSecond)); },
  };
}

/**
 * Creates a collector. `handle(req, res)` answers the /v1/ routes and returns
 * false for any other path.
 * @param {{db?: string, config?: object, minReports?: number, maxBodyBytes?: number,
 *          rateLimit?: {perSecond: number, burst: number}, now?: () => number}} [options]
 */
export async function createCollector(options = {}) {
  const config = /** @type {Record<string, any>} */ (options.config ?? DEMO_REPORT_CONFIG);
  const agg = await createAggregator({ ...config, minReports: options.minReports ?? 50 });
  const maxBodyBytes = options.maxBodyBytes ?? MAX_REPORT_BYTES;
  const bucket = tokenBucket(options.rateLimit ?? { perSecond: 50, burst: 200 }, options.now ?? Date.now);
  const db = new Database(options.db ?? DEFAULT_DB_PATH);
  // WAL + synchronous=FULL: a committed report survives a crash or power loss.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE IF NOT EXISTS sums (
    config TEXT NOT NULL,   -- fingerprint of taxonomy, segments, epsilon, mechanism
    kind   INTEGER NOT NULL, -- 0 = topic reports, 1 = segment reports
    value  INTEGER NOT NULL, -- supported value, or -1 for the number of reports
    count  INTEGER NOT NULL,
    PRIMARY KEY (config, kind, value)) WITHOUT ROWID`);
  const fp = agg.fingerprint;
  const bump = db.prepare(`INSERT INTO sums (config, kind, value, count) VALUES (?, ?, ?, 1)
    ON CONFLICT (config, kind, value) DO UPDATE SET count = count + 1`);
  const commit = db.transaction((/** @type {number} */ kind, /** @type {number[]} */ supported) => {
    bump.run(fp, kind, -1);
    for (const v of supported) bump.run(fp, kind, v);
  });

  // Rebuild the running sums from the database.
  const rows = /** @type {{kind: number, value: number, count: number}[]} */ (
    db.prepare('SELECT kind, value, count FROM sums WHERE config = ?').all(fp));
  const state = agg.exportState();
  for (const r of rows) {
    const part = /** @type {any} */ (state)[r.kind === 0 ? 'topic' : 'segment'];
    if (r.value === -1) part.reports = r.count;
    else if (r.value < part.support.length) part.support[r.value] = r.count;
  }
  if (rows.length) agg.importState(state);

  const publicConfig = { ...config, fingerprint: fp, mechanism: agg.mechanism, reportUrl: '/v1/reports' };

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function postReport(req, res) {
    const type = String(req.headers['content-type'] ?? '');
    if (!/^application\/json(;|$)/i.test(type)) {
      fail(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'send the report as application/json');
      req.resume();
      return;
    }
    if (!bucket.take()) {
      fail(res, 429, 'RATE_LIMITED', 'too many reports right now; retry later', { headers: { 'Retry-After': String(bucket.retryAfter()) } });
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) {
      fail(res, 413, 'TOO_LARGE', `a report is at most ${maxBodyBytes} bytes`, { headers: { Connection: 'close' } });
      req.destroy();
      return;
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === null) {
      fail(res, 413, 'TOO_LARGE', `a report is at most ${maxBodyBytes} bytes`);
      return;
    }
    let report;
    try {
      report = JSON.parse(body);
    } catch {
      fail(res, 400, 'INVALID_REPORT', 'the body is not JSON', { field: 'report' });
      return;
    }
    let contribution;
    try {
      contribution = agg.decode(report);
    } catch (e) {
      if (!(e instanceof LocalrankError)) throw e;
      fail(res, 400, e.code, e.message, { field: e.field });
      return;
    }
    // Durable first, then counted in memory, then acknowledged.
    commit(contribution.kind === 'topic' ? 0 : 1, contribution.supported);
    agg.add(contribution);
    send(res, 202, { accepted: true });
  }

  return {
    /** The aggregator (estimates, fingerprint). */
    aggregator: agg,
    config: publicConfig,
    /**
     * Answers /v1/reports, /v1/estimates and /v1/config; false for other paths.
     * @param {import('node:http').IncomingMessage} req
     * @param {import('node:http').ServerResponse} res
     * @param {URL} url
     */
    handle(req, res, url) {
      const routes = { '/v1/reports': 'POST', '/v1/estimates': 'GET', '/v1/config': 'GET' };
      const method = /** @type {Record<string, string>} */ (routes)[url.pathname];
      if (!method) return false;
      if (req.method !== method && !(method === 'GET' && req.method === 'HEAD')) {
        fail(res, 405, 'METHOD_NOT_ALLOWED', `${url.pathname} accepts ${method}`, { headers: { Allow: method } });
        return true;
      }
      if (url.pathname === '/v1/reports') {
        postReport(req, res).catch(() => {
          if (!res.headersSent) fail(res, 500, 'INTERNAL', 'the report was not stored');
          else res.end();
        });
      } else if (url.pathname === '/v1/estimates') {
        send(res, 200, { config: fp, ...agg.estimate() });
      } else {
        send(res, 200, publicConfig);
      }
      return true;
    },
    close() {
      if (!db.open) return;
      agg.dispose();
      db.close();
    },
  };
}
