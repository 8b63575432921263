// SPDX-License-Identifier: MIT
// An Oblivious HTTP relay (RFC 9458 2): run by an operator other than the
// collector. It forwards each encapsulated request to the gateway and the
// encapsulated answer back, and nothing else: the gateway sees the relay's
// address, never the device's, and none of the device's headers (cookies,
// User-Agent, client hints, Accept-Language, Origin, Referer); the relay sees
// the device's address but only ciphertext. It keeps no log of addresses or
// bodies. docs/collector.md, "The relay".
//
//   POST /          message/ohttp-req -> forwarded to the gateway; its answer
//   GET  /ohttp-keys the gateway's key configuration, fetched by the relay and
//                    served alike to every device (so the collector cannot
//                    give one device a key of its own)
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import Fastify from 'fastify';
import cors from '@fastify/cors';
import { REQUEST_MEDIA_TYPE, KEYS_MEDIA_TYPE } from 'localrank/ohttp';

/** What the relay keeps of one request when `log` is set: no address, no header, no body. */
/** @typedef {{at: string, method: string, url: string, status: number, bytesIn: number, bytesOut: number}} RelayLogEntry */

/**
 * One request to the gateway, from `localAddress` if given, with only the
 * headers named here.
 * @param {URL} url
 * @param {{method: string, headers: Record<string, string>, body?: Buffer, localAddress?: string, timeoutMs: number}} o
 * @returns {Promise<{status: number, type: string, retryAfter?: string, body: Buffer}>}
 */
function upstream(url, o) {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: o.method, headers: o.headers, localAddress: o.localAddress, timeout: o.timeoutMs, agent: false,
    }, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (c) => {
        size += c.length;
        if (size > 65536) req.destroy(new Error('the gateway answer is too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 502, type: String(res.headers['content-type'] ?? ''), retryAfter: res.headers['retry-after'], body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('the gateway did not answer in time')));
    req.on('error', reject);
    req.end(o.body);
  });
}

/**
 * Starts a relay for one gateway, listening.
 * @param {{
 *   gateway: string|URL,
 *   keysUrl?: string|URL,
 *   port?: number, host?: string,
 *   origins?: string[],
 *   localAddress?: string,
 *   log?: (entry: RelayLogEntry) => void,
 *   timeoutMs?: number,
 *   bodyBytes?: number,
 * }} options `gateway`: the gateway resource (POST); `keysUrl`: where it serves
 *   its keys (default: the gateway URL, RFC 9540); `origins`: the device origins
 *   allowed by CORS; `localAddress`: the address the relay connects from.
 */
export async function startRelay(options) {
  const gateway = new URL(options.gateway);
  const keysUrl = new URL(options.keysUrl ?? gateway);
  const timeoutMs = options.timeoutMs ?? 10000;
  // Slow or idle clients are cut (Node's defaults wait far longer).
  const app = Fastify({ logger: false, bodyLimit: options.bodyBytes ?? 8192, trustProxy: false, requestTimeout: 10000, connectionTimeout: 30000, keepAliveTimeout: 5000 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(REQUEST_MEDIA_TYPE, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  await app.register(cors, { origin: options.origins?.length ? options.origins : false, methods: ['GET', 'POST'], allowedHeaders: ['Content-Type'], credentials: false, maxAge: 86400 });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('Cache-Control', reply.getHeader('cache-control') ?? 'no-store').header('X-Content-Type-Options', 'nosniff');
    if (options.log) {
      const bytesOut = Buffer.isBuffer(payload) ? payload.length : typeof payload === 'string' ? Buffer.byteLength(payload) : 0;
      options.log({ at: new Date().toISOString(), method: req.method, url: req.url, status: reply.statusCode, bytesIn: Buffer.isBuffer(req.body) ? req.body.length : 0, bytesOut });
    }
    return payload;
  });
  app.setErrorHandler((err, _req, reply) => {
    const status = /** @type {any} */ (err).statusCode >= 400 && /** @type {any} */ (err).statusCode < 500 ? /** @type {any} */ (err).statusCode : 502;
    reply.code(status).type('text/plain; charset=utf-8').send(status === 502 ? 'the gateway cannot be reached' : 'bad request');
  });

  /** @type {{at: number, body: Buffer}|null} */
  let keys = null;
  app.get('/ohttp-keys', async (_req, reply) => {
    if (!keys || Date.now() - keys.at > 3600 * 1000) {
      const res = await upstream(keysUrl, { method: 'GET', headers: { accept: KEYS_MEDIA_TYPE }, localAddress: options.localAddress, timeoutMs });
      if (res.status !== 200 || !res.type.startsWith(KEYS_MEDIA_TYPE)) throw new Error('the gateway has no keys');
      keys = { at: Date.now(), body: res.body };
    }
    reply.header('Cache-Control', 'public, max-age=3600').type(KEYS_MEDIA_TYPE);
    return keys.body;
  });

  app.post('/', async (req, reply) => {
    if (!String(req.headers['content-type']).startsWith(REQUEST_MEDIA_TYPE)) {
      reply.code(415).type('text/plain; charset=utf-8');
      return `send ${REQUEST_MEDIA_TYPE}`;
    }
    const body = /** @type {Buffer} */ (req.body);
    // Only these two headers leave the relay: no address (no Forwarded,
    // X-Forwarded-For or Via), nothing the device sent.
    const res = await upstream(gateway, {
      method: 'POST', headers: { 'content-type': REQUEST_MEDIA_TYPE, 'content-length': String(body.length) },
      body, localAddress: options.localAddress, timeoutMs,
    });
    reply.code(res.status);
    if (res.type) reply.type(res.type);
    if (res.retryAfter) reply.header('Retry-After', res.retryAfter);
    return res.body;
  });

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return app;
}
