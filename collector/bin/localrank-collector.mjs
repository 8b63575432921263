#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// localrank-collector --taxonomy FILE --db sqlite:./reports.db|postgres://... [options]
// Serves POST /v1/reports, GET /v1/estimates, /v1/config, /v1/health, and with --ohttp-key
// the Oblivious HTTP gateway /.well-known/ohttp-gateway (docs/collector.md).
import { readFileSync } from 'node:fs';
import { commandLine, closeOnSignals } from './cli.mjs';
import { createCollector } from '../src/index.mjs';

const USAGE = `usage: localrank-collector --taxonomy FILE --db sqlite:PATH|postgres://URL [options]
  --taxonomy FILE     JSON: {taxonomy: [...], segments?, epsilonPerReport?, mechanism?, segmentThreshold?}
                      or a bare array of topic names (the devices' configuration)
  --db URL            sqlite:./reports.db (default sqlite:./localrank-reports.db) or postgres://user@host:port/db
  --port N            default 8787 (0: any free port)
  --host ADDR         default 127.0.0.1
  --origin URL        a device origin allowed by CORS (repeatable)
  --min-reports K     no estimate from fewer reports (default 50)
  --rate N            global limit: N valid reports per second (bursts of 4N); default none
  --token-issuer NAME with --token-key FILE: count only reports carrying a Privacy Pass token (blind RSA)
  --token-key FILE    the issuer's public key: SPKI, DER or base64url text (GET /v1/token-key of the issuer)
  --ohttp-key FILE    be an Oblivious HTTP gateway (/.well-known/ohttp-gateway) with the X25519 key derived
                      from FILE (32+ random bytes, hex or base64url; e.g. openssl rand -hex 32 > FILE)
  --publish-minutes N publish new estimates at most every N minutes (default 60)
  --publish-reports B ... and only after B new reports (default: --min-reports)`;

const args = commandLine({
  taxonomy: { type: 'string' }, db: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' },
  origin: { type: 'string', multiple: true }, 'min-reports': { type: 'string' }, rate: { type: 'string' },
  'token-issuer': { type: 'string' }, 'token-key': { type: 'string' }, 'ohttp-key': { type: 'string' },
  'publish-minutes': { type: 'string' }, 'publish-reports': { type: 'string' },
}, USAGE);
if (!args.taxonomy) {
  console.error(`--taxonomy is required\n${USAGE}`);
  process.exit(2);
}
let config;
try {
  const raw = JSON.parse(readFileSync(args.taxonomy, 'utf8'));
  config = Array.isArray(raw) ? { taxonomy: raw } : raw;
} catch (e) {
  console.error(`cannot read ${args.taxonomy}: ${/** @type {Error} */ (e).message}`);
  process.exit(2);
}
const int = (/** @type {string|undefined} */ v, /** @type {number} */ d, /** @type {string} */ name) => {
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`--${name} must be an integer >= 0`);
    process.exit(2);
  }
  return n;
};
const rate = int(args.rate, 0, 'rate');
let tokens;
if (args['token-issuer'] || args['token-key']) {
  if (!args['token-issuer'] || !args['token-key']) {
    console.error('--token-issuer and --token-key go together');
    process.exit(2);
  }
  let key;
  try {
    const raw = readFileSync(args['token-key']);
    const text = raw.toString('utf8').trim();
    key = /^[A-Za-z0-9_-]+=*$/.test(text) ? Buffer.from(text, 'base64url') : raw;
  } catch (e) {
    console.error(`cannot read ${args['token-key']}: ${/** @type {Error} */ (e).message}`);
    process.exit(2);
  }
  tokens = { issuerName: args['token-issuer'], publicKey: new Uint8Array(key) };
}
let ohttp;
if (args['ohttp-key']) {
  try {
    const text = readFileSync(args['ohttp-key'], 'utf8').trim();
    const seed = /^[0-9a-f]+$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64url');
    if (seed.length < 32) throw new Error('fewer than 32 bytes');
    ohttp = { seed: new Uint8Array(seed) };
  } catch (e) {
    console.error(`cannot read the gateway key ${args['ohttp-key']}: ${/** @type {Error} */ (e).message}`);
    process.exit(2);
  }
}
const minReports = int(args['min-reports'], 50, 'min-reports');
const db = args.db ?? 'sqlite:./localrank-reports.db';
const app = await createCollector({
  config, store: db, origins: args.origin ?? [], minReports,
  rateLimit: rate > 0 ? { perSecond: rate, burst: 4 * rate } : undefined, tokens, ohttp,
  publish: { everyMinutes: int(args['publish-minutes'], 60, 'publish-minutes'), minNewReports: int(args['publish-reports'], minReports, 'publish-reports') },
});
closeOnSignals(app);
await app.listen({ port: int(args.port, 8787, 'port'), host: args.host ?? '127.0.0.1' });
const addr = /** @type {import('node:net').AddressInfo} */ (app.server.address());
// The store URL may hold a password: print only its kind.
console.log(`localrank-collector listening on http://${addr.address}:${addr.port}/ (config ${app.collector.fingerprint}, ${app.collector.store.kind})`);
