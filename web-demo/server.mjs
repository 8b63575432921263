// SPDX-License-Identifier: MIT
// The demo's small Node server: static files under a strict CSP, and the
// aggregate-report collector (localrank-collector, the same code a site
// deploys) on /v1/*. Its store is --db, else COLLECTOR_DB, else a SQLite file
// under the OS temp dir (a postgres://... URL works too). Privacy Pass tokens
// are on: the demo is also the site's token issuer (/v1/token-request), giving
// each browser at most 4 tokens per 30 days; the collector counts only reports
// that carry one (--no-tokens turns them off).
// Usage: node web-demo/server.mjs [--db FILE|URL] [--no-tokens]   (PORT, HOST override; default 8080, 127.0.0.1)
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createCollector, generateIssuerKeys, registerTokenIssuer } from 'localrank-collector';
import { DEMO_REPORT_CONFIG, DEFAULT_DB_PATH } from './demo-config.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOTS = [join(here, 'public'), join(here, 'dist')];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.map': 'application/json; charset=utf-8', '.ico': 'image/x-icon',
};
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * A file under one of the roots, or null.
 * @param {string} path decoded URL path
 */
async function findStatic(path) {
  if (path.includes('\0')) return null;
  if (path === '' || path.endsWith('/')) path += 'index.html';
  for (const root of ROOTS) {
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep)) return null;
    try {
      if ((await stat(file)).isFile()) return file;
    } catch { /* try the next root */ }
  }
  return null;
}

const ISSUER = 'localrank-demo';
const DEVICE_COOKIE = 'lr-demo-device';

/**
 * The demo's attestation: the issuer gives tokens to a browser by a random
 * key in a cookie sent only to /v1/token-request (a real site would use its
 * sign-in or its own device attestation). Reports never carry it: they are
 * sent without credentials.
 * @param {import('fastify').FastifyRequest} req
 * @param {import('fastify').FastifyReply} reply
 */
function demoDevice(req, reply) {
  const known = /(?:^|;\s*)lr-demo-device=([0-9a-f]{32})(?:;|$)/.exec(String(req.headers.cookie ?? ''))?.[1];
  if (known) return known;
  const key = randomBytes(16).toString('hex');
  reply.header('Set-Cookie', `${DEVICE_COOKIE}=${key}; Path=/v1/token-request; Max-Age=${30 * 86400}; HttpOnly; SameSite=Strict`);
  return key;
}

/**
 * Starts the demo server: a Fastify instance, listening. `app.server` is the
 * HTTP server; `await app.close()` stops it (and closes the store).
 * `tokens: false` turns Privacy Pass off (the browser tests that seed a
 * population of thousands of reports: each token costs a blind signature).
 * @param {{port?: number, host?: string, db?: string, tokens?: boolean, collector?: object}} [opts]
 */
export async function startServer(opts = {}) {
  const keys = opts.tokens === false ? null : await generateIssuerKeys();
  const app = await createCollector({
    config: DEMO_REPORT_CONFIG, store: opts.db ?? process.env.COLLECTOR_DB ?? DEFAULT_DB_PATH, minReports: 50,
    ...(keys ? { tokens: { issuerName: ISSUER, publicKey: keys.publicKeyBytes } } : {}), ...opts.collector,
  });
  if (keys) {
    await registerTokenIssuer(app, { name: ISSUER, privateKey: keys.privateKey, publicKey: keys.publicKey, perWindow: 4, windowMs: 30 * 86400000, authorize: demoDevice });
  }
  app.get('/*', async (req, reply) => {
    const file = await findStatic(`/${/** @type {Record<string, string>} */ (req.params)['*'] ?? ''}`);
    if (!file) return reply.callNotFound();
    const body = await readFile(file);
    reply.headers({ ...SECURITY_HEADERS, 'Cache-Control': 'no-cache' }).type(TYPES[/** @type {keyof TYPES} */ (extname(file))] ?? 'application/octet-stream');
    return body;
  });
  await app.listen({ port: opts.port ?? 8080, host: opts.host ?? '127.0.0.1' });
  return app;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? '127.0.0.1';
  const dbFlag = process.argv.indexOf('--db');
  const db = dbFlag > 0 ? process.argv[dbFlag + 1] : undefined;
  const app = await startServer({ port, host, db, tokens: !process.argv.includes('--no-tokens') });
  const stop = () => { app.close().then(() => process.exit(0), () => process.exit(1)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const addr = /** @type {import('node:net').AddressInfo} */ (app.server.address());
  console.log(`localrank demo: http://localhost:${addr.port}/`);
}
