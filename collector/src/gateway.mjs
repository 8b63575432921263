// SPDX-License-Identifier: MIT
// The collector as an Oblivious HTTP gateway (RFC 9458; RFC 9540 names its
// resource): GET /.well-known/ohttp-gateway serves the key configuration
// (application/ohttp-keys); POST with a message/ohttp-req body is
// decapsulated, its inner request (POST /v1/reports) handled by the very
// same route as a direct one, and the answer encapsulated
// (message/ohttp-res). The inner request carries only Content-Type and, with
// tokens, Authorization: every other header is dropped. docs/collector.md.
import { createOhttpGateway, decodeRequest, encodeResponse, OhttpError, GATEWAY_PATH, KEYS_MEDIA_TYPE, REQUEST_MEDIA_TYPE, RESPONSE_MEDIA_TYPE } from 'localrank/ohttp';
import { CollectorError } from './errors.mjs';

/** The inner requests the gateway forwards, and the headers they keep. */
const INNER_ROUTES = new Set(['POST /v1/reports']);
const INNER_HEADERS = new Set(['content-type', 'authorization']);
/** Headers of the inner answer that the device reads. */
const ANSWER_HEADERS = ['content-type', 'retry-after', 'www-authenticate'];

/**
 * Adds the gateway routes to a collector.
 * @param {import('fastify').FastifyInstance} app
 * @param {{seed?: Uint8Array, keyId?: number}} options
 * @param {number} reportBytes the limit of a report body
 */
export async function createGatewayRoute(app, options, reportBytes) {
  const gateway = await createOhttpGateway(options);
  const keys = Buffer.from(gateway.keys);

  app.addContentTypeParser(REQUEST_MEDIA_TYPE, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.get(GATEWAY_PATH, async (_req, reply) => {
    // The same bytes for every client, cacheable by a relay: a key given to one device would tag it.
    reply.header('Cache-Control', 'public, max-age=86400').type(KEYS_MEDIA_TYPE);
    return keys;
  });

  // Encapsulation adds 55 bytes, Binary HTTP framing and a token a few hundred.
  app.post(GATEWAY_PATH, { bodyLimit: reportBytes + 2048 }, async (req, reply) => {
    if (!String(req.headers['content-type']).startsWith(REQUEST_MEDIA_TYPE)) {
      throw new CollectorError(415, 'UNSUPPORTED_MEDIA_TYPE', `send ${REQUEST_MEDIA_TYPE}`);
    }
    let opened;
    let inner;
    try {
      opened = await gateway.decapsulate(new Uint8Array(/** @type {Buffer} */ (req.body)));
      inner = decodeRequest(opened.request);
    } catch (err) {
      if (!(err instanceof OhttpError)) throw err;
      if (err.status === 422) {
        // RFC 9458 5.3: the problem type of a key the gateway does not hold.
        reply.code(422).type('application/problem+json');
        return { type: 'https://iana.org/assignments/http-problem-types#ohttp-key', title: err.message };
      }
      throw new CollectorError(400, 'BAD_REQUEST', `not an Oblivious HTTP request: ${err.message}`);
    }
    let answer;
    if (!INNER_ROUTES.has(`${inner.method} ${inner.path}`)) {
      answer = { status: 404, headers: [['content-type', 'application/json']], content: Buffer.from(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'the gateway forwards only POST /v1/reports', field: '' } })) };
    } else {
      // The inner request comes from where the outer one came from: the relay.
      const res = await app.inject({
        method: 'POST', url: inner.path, payload: Buffer.from(inner.content), remoteAddress: req.socket.remoteAddress,
        headers: Object.fromEntries(inner.headers.filter(([n]) => INNER_HEADERS.has(n))),
      });
      /** @type {[string, string][]} */
      const headers = [];
      for (const n of ANSWER_HEADERS) if (res.headers[n] !== undefined) headers.push([n, String(res.headers[n])]);
      answer = { status: res.statusCode, headers, content: res.rawPayload };
    }
    reply.code(200).type(RESPONSE_MEDIA_TYPE);
    return Buffer.from(await opened.respond(encodeResponse({ ...answer, content: new Uint8Array(answer.content) })));
  });

  for (const method of ['DELETE', 'PATCH', 'PUT']) {
    app.route({
      method, url: GATEWAY_PATH,
      handler: async (_req, reply) => {
        reply.code(405).header('Allow', 'GET, POST').type('application/json; charset=utf-8');
        return { error: { code: 'METHOD_NOT_ALLOWED', message: `${GATEWAY_PATH} accepts GET and POST`, field: '' } };
      },
    });
  }
  return { path: GATEWAY_PATH, keys: gateway.keys };
}
