// SPDX-License-Identifier: MIT
// Per-device limits that stay anonymous: Privacy Pass (RFC 9576/9577/9578)
// publicly verifiable tokens, blind RSA (token type 2), through
// @cloudflare/privacypass-ts. The site's issuer decides who may get tokens and
// issues at most N per device per window; it signs blinded token requests, so
// it never sees the token a report later carries. The collector (the origin)
// verifies each report's token with the issuer's public key and spends it once.
import { publicVerif, TOKEN_TYPES, TokenChallenge, AuthorizationHeader, WWWAuthenticateHeader, util } from '@cloudflare/privacypass-ts';
import { CollectorError } from './errors.mjs';

const { BlindRSAMode, Issuer, Origin, TokenRequest, getPublicKeyBytes } = publicVerif;
const MODE = BlindRSAMode.PSS;

/** @param {Uint8Array} bytes */
const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

/**
 * A key pair for an issuer (RSA-PSS 2048, SHA-384), and the public key as the
 * SPKI bytes devices and collectors are given.
 */
export async function generateIssuerKeys() {
  const keys = await Issuer.generateKey(MODE, { modulusLength: 2048, publicExponent: Uint8Array.from([1, 0, 1]) });
  return { privateKey: keys.privateKey, publicKey: keys.publicKey, publicKeyBytes: await getPublicKeyBytes(keys.publicKey) };
}

/**
 * The collector's side: the challenge its tokens answer, and verification.
 * Tokens are requested ahead of time (an empty redemption context), for this
 * collector (`originInfo`) and issuer.
 * @param {{issuerName: string, publicKey: Uint8Array, originInfo?: string[]}} o
 */
export async function createTokenVerifier(o) {
  if (!o || typeof o.issuerName !== 'string' || !(o.publicKey instanceof Uint8Array)) {
    throw new TypeError('tokens must be {issuerName, publicKey: SPKI bytes, originInfo?}');
  }
  const key = await crypto.subtle.importKey('spki', util.convertRSASSAPSSToEnc(o.publicKey), { name: 'RSA-PSS', hash: 'SHA-384' }, true, ['verify']);
  const origin = new Origin(MODE, o.originInfo);
  const challenge = origin.createTokenChallenge(o.issuerName, new Uint8Array(0));
  const challengeDigest = Buffer.from(await crypto.subtle.digest('SHA-256', challenge.serialize()));
  const keyId = Buffer.from(await crypto.subtle.digest('SHA-256', o.publicKey));
  const wwwAuthenticate = new WWWAuthenticateHeader(challenge, o.publicKey).toString();
  const refuse = (/** @type {string} */ code, /** @type {string} */ message) =>
    new CollectorError(401, code, message, { field: 'authorization', headers: { 'WWW-Authenticate': wwwAuthenticate } });
  return {
    /** What devices need to get tokens (GET /v1/config). */
    published: { type: TOKEN_TYPES.BLIND_RSA.value, issuer: o.issuerName, challenge: b64url(challenge.serialize()), tokenKey: b64url(o.publicKey) },
    wwwAuthenticate,
    /**
     * The nonce of a valid token in an Authorization header; throws a 401 otherwise.
     * @param {string|undefined} header
     */
    async verify(header) {
      if (!header) throw refuse('TOKEN_REQUIRED', 'this collector counts only reports that carry a Privacy Pass token (Authorization: PrivateToken token=...)');
      let tokens;
      try {
        tokens = AuthorizationHeader.parse(TOKEN_TYPES.BLIND_RSA, String(header));
      } catch {
        tokens = [];
      }
      if (tokens.length !== 1) throw refuse('INVALID_TOKEN', 'the Authorization header holds no single PrivateToken token');
      const token = tokens[0].token;
      const input = token.authInput;
      if (input.tokenType !== TOKEN_TYPES.BLIND_RSA.value || Buffer.compare(Buffer.from(input.challengeDigest), challengeDigest) !== 0 ||
        Buffer.compare(Buffer.from(input.tokenKeyId), keyId) !== 0) {
        throw refuse('INVALID_TOKEN', 'the token was issued for another challenge or key');
      }
      let valid = false;
      try {
        valid = await origin.verify(token, key);
      } catch {
        valid = false;
      }
      if (!valid) throw refuse('INVALID_TOKEN', 'the token signature does not verify');
      return Buffer.from(input.nonce);
    },
  };
}

/**
 * The site's issuer as Fastify routes: `POST /v1/token-request` takes a
 * `application/private-token-request` body and answers the blind signature
 * (`application/private-token-response`) to whoever `authorize(request)`
 * names (an account or an attested device: its key, or null for 401), at
 * most `perWindow` tokens per key per `windowMs`. Counts are kept in memory
 * (per process): a deployment with several issuer processes keeps them in
 * its own database. `GET /v1/token-key` publishes the public key.
 * @param {import('fastify').FastifyInstance} app
 * @param {{name: string, privateKey: CryptoKey, publicKey: CryptoKey, authorize: (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => string|null|Promise<string|null>,
 *   perWindow?: number, windowMs?: number, now?: () => number}} o
 */
export async function registerTokenIssuer(app, o) {
  const issuer = new Issuer(MODE, o.name, o.privateKey, o.publicKey);
  const publicKeyBytes = await getPublicKeyBytes(o.publicKey);
  const perWindow = o.perWindow ?? 4;
  const windowMs = o.windowMs ?? 30 * 86400000;
  const now = o.now ?? Date.now;
  /** @type {Map<string, number[]>} */
  const issued = new Map();
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/private-token-request', { parseAs: 'buffer', bodyLimit: 1024 }, (_req, body, done) => done(null, body));
    scope.get('/v1/token-key', async () => ({ issuer: o.name, type: TOKEN_TYPES.BLIND_RSA.value, tokenKey: b64url(publicKeyBytes), perWindow, windowMs }));
    scope.post('/v1/token-request', async (req, reply) => {
      const account = await o.authorize(req, reply);
      if (!account) throw new CollectorError(401, 'NOT_AUTHORIZED', 'this issuer gives tokens only to the devices it authorizes');
      const t = now();
      const recent = (issued.get(account) ?? []).filter((at) => at > t - windowMs);
      if (recent.length >= perWindow) {
        const retry = Math.ceil((recent[0] + windowMs - t) / 1000);
        throw new CollectorError(429, 'TOKEN_LIMIT', `at most ${perWindow} tokens per device per window`, { headers: { 'Retry-After': String(retry) } });
      }
      let request;
      try {
        request = TokenRequest.deserialize(TOKEN_TYPES.BLIND_RSA, new Uint8Array(/** @type {Buffer} */ (req.body)));
      } catch {
        throw new CollectorError(400, 'INVALID_TOKEN_REQUEST', 'not a blind RSA token request');
      }
      if (request.truncatedTokenKeyId !== (await keyIdByte())) throw new CollectorError(400, 'INVALID_TOKEN_REQUEST', 'the request is for another key');
      const response = await issuer.issue(request);
      recent.push(t);
      issued.set(account, recent);
      reply.type('application/private-token-response');
      return Buffer.from(response.serialize());
    });
  });
  let keyByte = -1;
  async function keyIdByte() {
    if (keyByte < 0) keyByte = new Uint8Array(await crypto.subtle.digest('SHA-256', publicKeyBytes))[31];
    return keyByte;
  }
  return { publicKeyBytes };
}

/**
 * A device's side, for sites and tests in Node or a bundler: fetches one token
 * from an issuer for a collector's published challenge, as the header value
 * `sendAggregateReport(url, {token})` sends.
 * @param {{issuerUrl: string, tokens: {challenge: string, tokenKey: string}, fetchOptions?: RequestInit}} o
 */
export async function fetchToken(o) {
  const challenge = TokenChallenge.deserialize(new Uint8Array(Buffer.from(o.tokens.challenge, 'base64url')));
  const tokenKey = new Uint8Array(Buffer.from(o.tokens.tokenKey, 'base64url'));
  const client = new publicVerif.Client(MODE);
  const request = await client.createTokenRequest(challenge, tokenKey);
  const res = await fetch(o.issuerUrl, {
    method: 'POST', ...o.fetchOptions,
    headers: { 'Content-Type': 'application/private-token-request', ...(o.fetchOptions?.headers ?? {}) }, body: request.serialize(),
  });
  if (res.status !== 200) throw new Error(`the issuer answered HTTP ${res.status}: ${await res.text()}`);
  const token = await client.finalize(client.deserializeTokenResponse(new Uint8Array(await res.arrayBuffer())));
  return new AuthorizationHeader(token).toString();
}
