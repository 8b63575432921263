// SPDX-License-Identifier: MIT
// localrank-collector: receives localrank aggregate reports, stores their
// sums (SQLite or PostgreSQL) and publishes estimates. docs/collector.md.
//
//   POST /v1/reports    one report (JSON) -> 202, or a 4xx JSON error
//   GET  /v1/estimates  ?from=YYYY-MM-DD&to=YYYY-MM-DD: unbiased and consistent estimates
//   GET  /v1/config     the configuration devices must use
//   GET  /v1/health     200 when the store answers, else 503
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import Fastify from 'fastify';
import cors from '@fastify/cors';
import { createAggregator, LocalrankError, MAX_REPORT_BYTES } from 'localrank/server';
import { duplicateKey, acceptedDays, plausibleOueWeights, utcDay, MIN_WEIGHT_PROBABILITY } from './checks.mjs';
import { consistentShares, seedOf } from './consistent.mjs';
import { openStore } from './store.mjs';
import { CollectorError } from './errors.mjs';
import { createTokenVerifier } from './tokens.mjs';
import { createGatewayRoute } from './gateway.mjs';

export { openStore } from './store.mjs';
export { normSub, consistentShares } from './consistent.mjs';
export { duplicateKey, plausibleOueWeights, acceptedDays, MIN_WEIGHT_PROBABILITY } from './checks.mjs';
export { CollectorError } from './errors.mjs';
export { generateIssuerKeys, createTokenVerifier, registerTokenIssuer, fetchToken } from './tokens.mjs';
export { startRelay } from './relay.mjs';

/** Defaults of the HTTP limits (ms, bytes, connections). */
export const DEFAULT_LIMITS = Object.freeze({
  bodyBytes: MAX_REPORT_BYTES,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10000,
  idleTimeoutMs: 30000,
  keepAliveTimeoutMs: 5000,
  maxConnections: 1024,
  maxHeaderBytes: 8192,
});

const HEX32 = '^[0-9a-f]{32}$';
const DAY = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

/** The shape of a report; the core checks the values (fingerprint, epsilon, bits). */
const REPORT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['config', 'data', 'day', 'epsilon', 'id', 'kind', 'mechanism', 'schema', 'version'],
  properties: {
    schema: { type: 'string', maxLength: 32 },
    version: { type: 'integer' },
    config: { type: 'string', maxLength: 64 },
    day: { type: 'string', pattern: DAY },
    epsilon: { type: 'number' },
    mechanism: { type: 'string', maxLength: 8 },
    kind: { type: 'integer' },
    data: { type: 'string', pattern: '^[0-9a-f]*$', maxLength: 1024 },
    id: { type: 'string', pattern: HEX32 },
  },
};

const WINDOW_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { from: { type: 'string', pattern: DAY }, to: { type: 'string', pattern: DAY } },
};

/**
 * A global token bucket (no per-client state): `perSecond` on average, bursts of `burst`.
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
    retryAfter() { return Math.max(1, Math.ceil((1 - tokens) / o.perSecond)); },
  };
}

/**
 * The field a schema error names, as the core names fields (`report.day`).
 * @param {any} v one ajv error
 */
function schemaField(v) {
  const path = String(v.instancePath ?? '').split('/').filter(Boolean).join('.');
  const extra = v.params?.additionalProperty ?? v.params?.missingProperty;
  return ['report', path, extra].filter(Boolean).join('.');
}

/** A store error means the database could not be reached: the client retries. */
const unavailable = () => new CollectorError(503, 'UNAVAILABLE', 'the report store is unavailable; retry later', { headers: { 'Retry-After': '1' } });

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The raw answer to a client error Node's HTTP parser raised (bad request
 * line, headers too large, a request or its headers not complete in time).
 * @param {NodeJS.ErrnoException} err
 */
function clientErrorAnswer(err) {
  const [status, code, message] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'REQUEST_TIMEOUT', 'the request did not arrive in time']
    : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'HEADERS_TOO_LARGE', 'the request headers are too large']
      : [400, 'BAD_REQUEST', 'the request could not be parsed'];
  const body = JSON.stringify({ error: { code, message, field: '' } });
  return `HTTP/1.1 ${status} ${code.replace(/_/g, ' ')}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`;
}

/** Defaults of the batched publication of estimates (`publish`). */
export const DEFAULT_PUBLISH = Object.freeze({ everyMinutes: 60 });

/**
 * @param {{everyMinutes?: number, minNewReports?: number}|undefined} o
 * @param {number} minReports the default of minNewReports
 */
function publishOptions(o, minReports) {
  const { everyMinutes = DEFAULT_PUBLISH.everyMinutes, minNewReports = minReports } = o ?? {};
  for (const [name, v] of [['everyMinutes', everyMinutes], ['minNewReports', minNewReports]]) {
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw new TypeError(`options.publish.${name} must be a number >= 0`);
  }
  return { everyMs: everyMinutes * 60000, minNewReports };
}

/**
 * Creates a collector: a Fastify instance with the /v1 routes, not yet
 * listening. A site can add its own routes, `listen()`, or `inject()`.
 * `close()` stops accepting, answers what was accepted, then closes the store.
 *
 * @param {{
 *   config: {taxonomy: string[], segments?: object[], epsilonPerReport?: number, mechanism?: string, segmentThreshold?: number},
 *   store: string | import('./store.mjs').Store,
 *   minReports?: number,
 *   origins?: string[],
 *   rateLimit?: {perSecond: number, burst: number},
 *   limits?: Partial<typeof DEFAULT_LIMITS>,
 *   now?: () => number,
 *   resamples?: number,
 *   logger?: boolean | object,
 *   tokens?: {issuerName: string, publicKey: Uint8Array, originInfo?: string[]},
 *   publish?: {everyMinutes?: number, minNewReports?: number},
 *   ohttp?: {seed?: Uint8Array, keyId?: number} | true,
 * }} options
 */
export async function createCollector(options) {
  if (!options || typeof options !== 'object') throw new TypeError('createCollector needs {config, store}');
  const config = options.config;
  if (!config || !Array.isArray(config.taxonomy)) throw new TypeError('options.config must hold the taxonomy shared with the devices');
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const batch = publishOptions(options.publish, options.minReports ?? 50);
  const now = options.now ?? Date.now;
  const agg = await createAggregator({ ...config, minReports: options.minReports ?? 50 });
  const ownsStore = typeof options.store === 'string';
  let store;
  try {
    store = ownsStore ? await openStore(/** @type {string} */ (options.store)) : options.store;
  } catch (e) {
    agg.dispose();
    throw e;
  }
  if (!store || typeof store.add !== 'function') {
    agg.dispose();
    throw new TypeError('options.store must be sqlite:PATH, postgres://... or a store from openStore()');
  }
  const fp = agg.fingerprint;
  const mechanism = agg.mechanism;
  const epsilon = config.epsilonPerReport ?? 1;
  const domains = [config.taxonomy.length + 1, (config.segments?.length ?? 0) + 1];
  // p and q of one support test (composed with instantEpsilon), from the core that decodes the reports:
  // for the weight check and the bootstrap (docs/privacy.md, "The mechanisms").
  const pq = agg.support;
  const weights = mechanism === 'oue' ? domains.map((d) => plausibleOueWeights(d, epsilon, MIN_WEIGHT_PROBABILITY, pq)) : null;
  const bucket = options.rateLimit ? tokenBucket(options.rateLimit, now) : null;
  let tokens = null;
  try {
    tokens = options.tokens ? await createTokenVerifier(options.tokens) : null;
  } catch (err) {
    agg.dispose();
    if (ownsStore) await store.close();
    throw err;
  }
  const publicConfig = { ...config, fingerprint: fp, mechanism, reportUrl: '/v1/reports', ...(tokens ? { tokens: tokens.published } : {}) };
  const template = agg.exportState();

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: limits.bodyBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    serverFactory: (handler) => {
      const server = createServer({
        requestTimeout: limits.requestTimeoutMs,
        headersTimeout: limits.headersTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        maxHeaderSize: limits.maxHeaderBytes,
        // How often Node checks the two timeouts above (default 30 s).
        connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 2)),
      }, handler);
      server.setTimeout(limits.idleTimeoutMs);
      server.maxConnections = limits.maxConnections;
      return server;
    },
    clientErrorHandler: (err, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const inFlight = /** @type {any} */ (socket)._httpMessage;
      if (socket.writable && (!inFlight || !inFlight.headersSent)) socket.write(clientErrorAnswer(err));
      socket.destroy();
    },
    frameworkErrors: (err, _req, reply) => {
      reply.code(400).type(JSON_TYPE).send({ error: { code: 'BAD_REQUEST', message: 'the request target could not be decoded', field: '' } });
    },
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
    reply.header('X-Content-Type-Options', 'nosniff');
    return payload;
  });


  // Only application/json in UTF-8, without content coding, is a report.
  app.removeAllContentTypeParsers();
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(String(req.headers['content-type']))?.[1];
    if (charset && charset.toLowerCase() !== 'utf-8') {
      done(new CollectorError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the report as application/json in UTF-8'), undefined);
      return;
    }
    let text;
    try {
      text = utf8.decode(/** @type {Buffer} */ (body));
    } catch {
      done(new CollectorError(400, 'INVALID_ENCODING', 'the body is not valid UTF-8', { field: 'report' }), undefined);
      return;
    }
    const dup = duplicateKey(text);
    if (dup !== null) {
      done(new CollectorError(400, 'INVALID_REPORT', `the key '${dup}' appears twice`, { field: `report.${dup}` }), undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new CollectorError(400, 'INVALID_REPORT', 'the body is not JSON', { field: 'report' }), undefined);
    }
  });

  app.addHook('onRequest', async (req) => {
    const coding = req.headers['content-encoding'];
    if (coding !== undefined && String(coding).trim().toLowerCase() !== 'identity') {
      throw new CollectorError(415, 'UNSUPPORTED_MEDIA_TYPE', 'content codings (gzip, ...) are not accepted', { field: 'content-encoding' });
    }
  });

  app.setErrorHandler((err, _req, reply) => {
    const e = /** @type {any} */ (err);
    let c;
    if (e instanceof CollectorError) c = e;
    else if (e.validation) {
      const v = e.validation[0] ?? {};
      const where = e.validationContext === 'querystring' ? (v.params?.additionalProperty ?? String(v.instancePath ?? '').slice(1)) : schemaField(v);
      c = e.validationContext === 'querystring'
        ? new CollectorError(400, 'INVALID_ARGUMENT', `${where || 'query'}: ${v.message ?? 'invalid'}`, { field: where })
        : new CollectorError(400, 'INVALID_REPORT', `${where} ${v.message ?? 'is invalid'}`, { field: where });
    } else if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      c = new CollectorError(413, 'TOO_LARGE', `a report is at most ${limits.bodyBytes} bytes`, { headers: { Connection: 'close' } });
    } else if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.code === 'FST_ERR_CTP_INVALID_TYPE') {
      c = new CollectorError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the report as application/json');
    } else if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      c = new CollectorError(400, 'INVALID_REPORT', 'the body is empty', { field: 'report' });
    } else if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      c = new CollectorError(e.statusCode, 'BAD_REQUEST', 'the request could not be read');
    } else {
      c = new CollectorError(500, 'INTERNAL', 'the request failed');
    }
    reply.code(c.status).headers(c.headers).type(JSON_TYPE).send({ error: { code: c.code, message: c.message, field: c.field } });
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).type(JSON_TYPE).send({ error: { code: 'NOT_FOUND', message: 'no such endpoint', field: '' } });
  });

  // After the error handler and the parser, so its OPTIONS route answers errors as the others do.
  await app.register(cors, {
    origin: options.origins?.length ? options.origins : false,
    methods: ['GET', 'POST'],
    allowedHeaders: tokens ? ['Content-Type', 'Authorization'] : ['Content-Type'],
    credentials: false,
    maxAge: 86400,
    strictPreflight: true,
  });

  /**
   * Everything a report must pass before a limit is spent or anything stored.
   * @param {Record<string, any>} report schema-checked
   */
  function check(report) {
    const days = acceptedDays(now());
    if (report.day < days.from || report.day > days.to) {
      throw new CollectorError(400, 'INVALID_REPORT', `day must be within [${days.from}, ${days.to}] (UTC)`, { field: 'report.day' });
    }
    const { id, ...rest } = report;
    let contribution;
    try {
      contribution = agg.decode(rest);
    } catch (err) {
      if (err instanceof LocalrankError) throw new CollectorError(400, err.code, err.message, { field: err.field });
      throw err;
    }
    if (weights) {
      const k = contribution.kind === 'topic' ? 0 : 1;
      const w = contribution.supported.length;
      if (w < weights[k].min || w > weights[k].max) {
        throw new CollectorError(400, 'IMPLAUSIBLE_REPORT',
          `${w} set bits: an honest device sets between ${weights[k].min} and ${weights[k].max} with probability >= 1e-6 in each tail`, { field: 'report.data' });
      }
    }
    // The digest covers every field but the id, in a fixed order.
    const canonical = JSON.stringify(['config', 'data', 'day', 'epsilon', 'kind', 'mechanism', 'schema', 'version'].map((key) => rest[key]));
    return {
      id: Buffer.from(id, 'hex'),
      digest: createHash('sha256').update(canonical).digest().subarray(0, 16),
      config: fp,
      day: /** @type {string} */ (report.day),
      kind: contribution.kind === 'topic' ? 0 : 1,
      supported: contribution.supported,
    };
  }

  app.post('/v1/reports', { schema: { body: REPORT_SCHEMA } }, async (req, reply) => {
    const stored = check(/** @type {Record<string, any>} */ (req.body));
    if (tokens) {
      // One token per report: bound to the first report id it came with, so
      // a re-send of that report (same token) passes and any other is refused.
      const nonce = await tokens.verify(req.headers.authorization);
      let spent;
      try {
        spent = await store.spendToken(nonce, stored.id, stored.day);
      } catch {
        throw unavailable();
      }
      if (spent === 'spent') {
        throw new CollectorError(401, 'TOKEN_SPENT', 'this token was already spent on another report', { field: 'authorization', headers: { 'WWW-Authenticate': tokens.wwwAuthenticate } });
      }
    }
    if (bucket && !bucket.take()) {
      throw new CollectorError(429, 'RATE_LIMITED', 'too many reports right now; retry later', { headers: { 'Retry-After': String(bucket.retryAfter()) } });
    }
    let outcome;
    try {
      outcome = await store.add(stored);
    } catch {
      throw unavailable();
    }
    if (outcome === 'conflict') {
      throw new CollectorError(409, 'REPORT_ID_REUSED', 'another report was already received under this id', { field: 'report.id' });
    }
    reply.code(202).type(JSON_TYPE);
    return outcome === 'duplicate' ? { accepted: true, duplicate: true } : { accepted: true };
  });

  /** The store's sums over [from, to]; 503 when it cannot answer. @param {string} from @param {string} to */
  async function sums(from, to) {
    try {
      return await store.sums({ config: fp, from, to });
    } catch {
      throw unavailable();
    }
  }

  /**
   * Estimates over [from, to] from the store's sums as they are now (the
   * operator's view; GET /v1/estimates answers from the last publication).
   * @param {string} from
   * @param {string} to
   */
  async function estimate(from, to) {
    return estimateOf(from, to, await sums(from, to));
  }

  /**
   * @param {string} from
   * @param {string} to
   * @param {{kind: number, value: number, count: number}[]} rows
   */
  function estimateOf(from, to, rows) {
    const state = structuredClone(template);
    const parts = [state.topic, state.segment];
    for (const part of parts) {
      part.reports = 0;
      part.support = part.support.map(() => 0);
    }
    for (const r of rows) {
      const part = parts[r.kind];
      if (!part) continue;
      if (r.value === -1) part.reports = r.count;
      else if (r.value < part.support.length) part.support[r.value] = r.count;
    }
    agg.importState(state);
    const est = agg.estimate();
    /**
     * @param {any[]} list
     * @param {any} none
     * @param {number} n
     * @param {string} label
     */
    const consistent = (list, none, n, label) => {
      if (!list.length || !none) return { [label]: [], [`no${label[0].toUpperCase()}${label.slice(1, -1)}`]: null };
      // A segment the core suppressed (estimated below k, docs/privacy.md) has no figures to post-process.
      const shown = list.filter((x) => !x.suppressed);
      const cs = consistentShares({ shares: [...shown.map((x) => x.share), none.share], n, ...pq, resamples: options.resamples, seed: seedOf([n, ...parts.flatMap((p) => p.support)]) });
      const key = label.slice(0, -1);
      return {
        [label]: list.map((x) => (x.suppressed ? { [key]: x[key], suppressed: true }
          : { [key]: x[key], share: cs.shares[shown.indexOf(x)], ci95: cs.ci95[shown.indexOf(x)] })),
        [`no${key[0].toUpperCase()}${key.slice(1)}`]: { share: cs.shares[shown.length], ci95: cs.ci95[shown.length] },
      };
    };
    return {
      config: fp,
      window: { from, to },
      ...est,
      consistent: {
        method: 'norm-sub',
        note: 'Shares post-processed to be >= 0 and sum to 1 (Norm-Sub, Wang et al. NDSS 2020): biased, unlike the counts above; 95% intervals from a parametric bootstrap of the same post-processing.',
        ...consistent(est.topics, est.noTopic, state.topic.reports, 'topics'),
        ...consistent(est.segments, est.noSegment, state.segment.reports, 'segments'),
      },
    };
  }

  // Batched publication: GET /v1/estimates answers from a snapshot of the
  // sums, taken at most every `publish.everyMinutes` and only once at least
  // `publish.minNewReports` reports arrived since the last one, so that
  // comparing two answers shows the sum of a batch, never one report. Only
  // the days a report may still be added to (acceptedDays) can change: the
  // snapshot holds their sums; older days are read live (they no longer change).
  /** @type {{at: number, from: string, to: string, days: Map<string, {kind: number, value: number, count: number}[]>, total: number}|null} */
  let snapshot = null;
  /** @type {Promise<typeof snapshot>|null} */
  let publishing = null;
  const reportsIn = (/** @type {{value: number, count: number}[]} */ rows) => rows.reduce((n, r) => n + (r.value === -1 ? Number(r.count) : 0), 0);
  const nextDay = (/** @type {string} */ day) => utcDay(Date.parse(`${day}T00:00:00Z`) + 86400000);
  const prevDay = (/** @type {string} */ day) => utcDay(Date.parse(`${day}T00:00:00Z`) - 86400000);
  async function publish() {
    const at = now();
    const open = acceptedDays(at);
    const days = new Map();
    for (let d = open.from; d <= open.to; d = nextDay(d)) days.set(d, await sums(d, d));
    return { at, ...open, days, total: [...days.values()].reduce((n, rows) => n + reportsIn(rows), 0) };
  }
  /** The current publication, renewed when both conditions hold. */
  async function published() {
    const due = !snapshot || (now() - snapshot.at >= batch.everyMs &&
      reportsIn(await sums(snapshot.from, '9999-12-31')) - snapshot.total >= batch.minNewReports);
    if (due) {
      publishing ??= publish().finally(() => { publishing = null; });
      snapshot = await publishing;
    }
    return /** @type {NonNullable<typeof snapshot>} */ (snapshot);
  }
  /**
   * Estimates over [from, to] as of the last publication.
   * @param {string} from
   * @param {string} to
   */
  async function publishedEstimate(from, to) {
    const snap = await published();
    /** @type {Map<string, {kind: number, value: number, count: number}>} */
    const merged = new Map();
    const add = (/** @type {{kind: number, value: number, count: number}[]} */ rows) => {
      for (const r of rows) {
        const k = `${r.kind}:${r.value}`;
        const m = merged.get(k);
        if (m) m.count += Number(r.count);
        else merged.set(k, { kind: r.kind, value: r.value, count: Number(r.count) });
      }
    };
    if (from < snap.from) add(await sums(from, to < snap.from ? to : prevDay(snap.from)));
    for (const [day, rows] of snap.days) if (day >= from && day <= to) add(rows);
    const est = estimateOf(from, to, [...merged.values()]);
    return { ...est, publishedAt: new Date(snap.at).toISOString() };
  }

  app.get('/v1/estimates', { schema: { querystring: WINDOW_SCHEMA } }, async (req) => {
    const q = /** @type {{from?: string, to?: string}} */ (req.query);
    const from = q.from ?? '0001-01-01';
    const to = q.to ?? '9999-12-31';
    for (const [field, day] of [['from', q.from], ['to', q.to]]) {
      if (day !== undefined && (day < '0001-01-01' || Number.isNaN(Date.parse(`${day}T00:00:00Z`)) || utcDay(Date.parse(`${day}T00:00:00Z`)) !== day)) {
        throw new CollectorError(400, 'INVALID_ARGUMENT', `${field} must be a date YYYY-MM-DD`, { field });
      }
    }
    if (from > to) throw new CollectorError(400, 'INVALID_ARGUMENT', 'from must not be after to', { field: 'from' });
    return publishedEstimate(from, to);
  });

  app.get('/v1/config', async () => publicConfig);

  app.get('/v1/health', async (_req, reply) => {
    try {
      await store.ping();
    } catch {
      throw unavailable();
    }
    reply.type(JSON_TYPE);
    return { ok: true, store: store.kind };
  });

  const gateway = options.ohttp ? await createGatewayRoute(app, options.ohttp === true ? {} : options.ohttp, limits.bodyBytes) : null;
  if (gateway) publicConfig.ohttp = { gateway: gateway.path, keys: Buffer.from(gateway.keys).toString('base64url') };

  // Other methods on the /v1 routes: 405 naming the one accepted.
  const OTHER = ['DELETE', 'PATCH', 'PUT', 'POST', 'GET'];
  for (const [url, allowed] of [['/v1/reports', 'POST'], ['/v1/estimates', 'GET'], ['/v1/config', 'GET'], ['/v1/health', 'GET']]) {
    app.route({
      method: OTHER.filter((m) => m !== allowed), url,
      handler: async (_req, reply) => {
        reply.code(405).header('Allow', allowed).type(JSON_TYPE);
        return { error: { code: 'METHOD_NOT_ALLOWED', message: `${url} accepts ${allowed}`, field: '' } };
      },
    });
  }

  // Forget report ids whose day can no longer be accepted (they cannot be re-sent).
  const prune = () => store.prune(acceptedDays(now()).from).catch(() => {});
  const pruneTimer = setInterval(prune, 3600 * 1000);
  pruneTimer.unref();

  app.decorate('collector', { config: publicConfig, fingerprint: fp, store, estimate });
  app.addHook('onClose', async () => {
    clearInterval(pruneTimer);
    agg.dispose();
    if (ownsStore) await store.close();
  });
  return app;
}
