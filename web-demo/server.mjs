// SPDX-License-Identifier: MIT
// The demo's small Node server: static files under a strict CSP, and the
// aggregate-report collector (localrank-collector, the same code a site
// deploys) on /v1/*. Its store is --db, else COLLECTOR_DB, else a SQLite file
// under the OS temp dir (a postgres://... URL works too). Privacy Pass tokens
// are on: the demo is also the site's token issuer (/v1/token-request), giving
// each browser at most 4 tokens per 30 days; the collector counts only reports
// that carry one (--no-tokens turns them off). Reports go through an Oblivious
// HTTP relay: the server starts localrank-relay as a separate process on
// loopback (another operator in a real deployment), and the collector is the
// gateway (--no-relay sends them straight to the collector).
// Usage: node web-demo/server.mjs [--db FILE|URL] [--no-tokens] [--no-relay]   (PORT, HOST override; default 8080, 127.0.0.1)
import { readFile, stat } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
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

const RELAY_BIN = fileURLToPath(new URL('../collector/bin/localrank-relay.mjs', import.meta.url));

/**
 * Starts localrank-relay as a child process for the gateway at `gateway`;
 * resolves with its URL and the process once it listens.
 * @param {string} gateway
 * @param {string[]} origins
 * @param {string} [localAddress]
 * @param {boolean} [log] the relay prints one line per request (never an address, header or body)
 */
async function spawnRelay(gateway, origins, localAddress, log = false) {
  const args = [RELAY_BIN, '--gateway', gateway, '--port', '0', ...origins.flatMap((o) => ['--origin', o]),
    ...(localAddress ? ['--local-address', localAddress] : []), ...(log ? ['--log'] : []), '--stdin-lifeline'];
  // Its stdin is a pipe from this process: if this process dies, the relay exits too.
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  /** @type {string[]} */
  const lines = [];
  const url = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) });
    rl.on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]);
      else lines.push(line);
    });
    child.once('exit', (code) => reject(new Error(`localrank-relay exited (${code})`)));
  });
  return { url: /** @type {string} */ (url), child, log: lines };
}

/**
 * Starts the demo server: a Fastify instance, listening. `app.server` is the
 * HTTP server; `await app.close()` stops it (and closes the store, and stops
 * the relay). `tokens: false` turns Privacy Pass off (the browser tests that
 * seed a population of thousands of reports: each token costs a blind
 * signature). `relay: false` sends reports straight to the collector;
 * `relayLocalAddress`: the address the relay connects to the collector from
 * (tests use 127.0.0.2 to tell the two apart); `relayLog`: the relay's log lines
 * are kept in `app.demo.relay.log`.
 * @param {{port?: number, host?: string, db?: string, tokens?: boolean, collector?: object, relay?: boolean, relayLocalAddress?: string, relayLog?: boolean}} [opts]
 */
export async function startServer(opts = {}) {
  const keys = opts.tokens === false ? null : await generateIssuerKeys();
  const withRelay = opts.relay !== false;
  const app = await createCollector({
    config: DEMO_REPORT_CONFIG, store: opts.db ?? process.env.COLLECTOR_DB ?? DEFAULT_DB_PATH, minReports: 50,
    // Estimates are published once 50 new reports arrived, and at most every 5 minutes.
    publish: { everyMinutes: 5, minNewReports: 50 },
    ...(keys ? { tokens: { issuerName: ISSUER, publicKey: keys.publicKeyBytes } } : {}),
    ...(withRelay ? { ohttp: true } : {}), ...opts.collector,
  });
  /** @type {{url: string, child: import('node:child_process').ChildProcess, log: string[]}|null} */
  let relay = null;
  // Where the page sends its reports: the relay's URL (null: straight to the collector).
  app.addHook('onClose', async () => {
    const child = relay?.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  });
  app.get('/relay.json', async (_req, reply) => {
    reply.header('Cache-Control', 'no-store');
    return { url: relay?.url ?? null };
  });
  if (keys) {
    await registerTokenIssuer(app, { name: ISSUER, privateKey: keys.privateKey, publicKey: keys.publicKey, perWindow: 4, windowMs: 30 * 86400000, authorize: demoDevice });
  }
  app.get('/*', async (req, reply) => {
    const file = await findStatic(`/${/** @type {Record<string, string>} */ (req.params)['*'] ?? ''}`);
    if (!file) return reply.callNotFound();
    const body = await readFile(file);
    const csp = relay ? CSP.replace("connect-src 'self'", `connect-src 'self' ${new URL(relay.url).origin}`) : CSP;
    reply.headers({ ...SECURITY_HEADERS, 'Content-Security-Policy': csp, 'Cache-Control': 'no-cache' }).type(TYPES[/** @type {keyof TYPES} */ (extname(file))] ?? 'application/octet-stream');
    return body;
  });
  await app.listen({ port: opts.port ?? 8080, host: opts.host ?? '127.0.0.1' });
  if (withRelay) {
    const port = /** @type {import('node:net').AddressInfo} */ (app.server.address()).port;
    try {
      relay = await spawnRelay(`http://127.0.0.1:${port}/.well-known/ohttp-gateway`,
        [`http://127.0.0.1:${port}`, `http://localhost:${port}`], opts.relayLocalAddress, opts.relayLog);
    } catch (e) {
      await app.close();
      throw e;
    }
  }
  /** @type {any} */ (app).demo = { relay };
  return app;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? '127.0.0.1';
  const dbFlag = process.argv.indexOf('--db');
  const db = dbFlag > 0 ? process.argv[dbFlag + 1] : undefined;
  const app = await startServer({ port, host, db, tokens: !process.argv.includes('--no-tokens'), relay: !process.argv.includes('--no-relay') });
  const stop = () => { app.close().then(() => process.exit(0), () => process.exit(1)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const addr = /** @type {import('node:net').AddressInfo} */ (app.server.address());
  const relayUrl = /** @type {any} */ (app).demo.relay?.url;
  console.log(`localrank demo: http://localhost:${addr.port}/${relayUrl ? ` (reports through the relay at ${relayUrl})` : ''}`);
}
