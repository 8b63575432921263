// SPDX-License-Identifier: MIT
// Privacy Pass tokens for the demo's reports: the page asks the demo's issuer
// (/v1/token-request, which gives each browser at most 4 per 30 days) for one
// token per report. The request is blinded, so the issuer cannot tell which
// report later spends the token. docs/collector.md, "Tokens".
// The two modules it needs, not the package index (which also pulls the private-verifiable VOPRF code).
import { Client, BlindRSAMode } from '@cloudflare/privacypass-ts/lib/src/pub_verif_token.js';
import { TokenChallenge, AuthorizationHeader } from '@cloudflare/privacypass-ts/lib/src/auth_scheme/private_token.js';

export const TOKEN_URL = '/v1/token-request';

/** @param {string} text base64url */
function bytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/**
 * One token for the collector's published challenge, as the Authorization header value a report carries.
 * @param {{challenge: string, tokenKey: string}} tokens from GET /v1/config
 */
export async function fetchToken(tokens) {
  const client = new Client(BlindRSAMode.PSS);
  const request = await client.createTokenRequest(TokenChallenge.deserialize(bytes(tokens.challenge)), bytes(tokens.tokenKey));
  const res = await fetch(TOKEN_URL, { method: 'POST', headers: { 'Content-Type': 'application/private-token-request' }, body: request.serialize() });
  if (!res.ok) throw new Error(res.status === 429 ? 'this browser has used its tokens for this window' : `the token issuer answered HTTP ${res.status}`);
  const token = await client.finalize(client.deserializeTokenResponse(new Uint8Array(await res.arrayBuffer())));
  return new AuthorizationHeader(token).toString();
}
