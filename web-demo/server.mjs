// SPDX-License-Identifier: MIT
// The demo's small Node server: static files under a strict CSP.
// Usage: node web-demo/server.mjs [--db FILE]   (PORT, HOST override; default 8080, 127.0.0.1)
// The aggregate-report collector (collector.mjs) answers /v1/*; its SQLite file
// is --db, else COLLECTOR_DB, else a file under the OS temp dir.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCollector, DEFAULT_DB_PATH } from './collector.mjs';

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

async function serveStatic(req, res, url) {
  let path = decodeURIComponent(url.pathname);
  if (path.endsWith('/')) path += 'index.html';
  for (const root of ROOTS) {
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep)) break;
    try {
      const s = await stat(file);
      if (!s.isFile()) continue;
      const body = await readFile(file);
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    } catch { /* try the next root */ }
  }
  res.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('not found');
}

/**
 * Starts the demo server. Resolves with the listening server.
 * @param {{port?: number, host?: string, db?: string, collector?: object}} [opts]
 */
export async function startServer(opts = {}) {
  const collector = await createCollector({ ...opts.collector, db: opts.db ?? process.env.COLLECTOR_DB ?? DEFAULT_DB_PATH });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (collector.handle(req, res, url)) return;
    if (req.method === 'GET' || req.method === 'HEAD') {
      serveStatic(req, res, url).catch(() => { res.writeHead(500); res.end(); });
      return;
    }
    res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET, HEAD' });
    res.end();
  });
  server.on('close', () => collector.close());
  return new Promise((resolve, reject) => {
    server.once('error', (e) => { collector.close(); reject(e); });
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', () => resolve(server));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? '127.0.0.1';
  const dbFlag = process.argv.indexOf('--db');
  const db = dbFlag > 0 ? process.argv[dbFlag + 1] : undefined;
  const server = await startServer({ port, host, db });
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(`localrank demo: http://localhost:${addr.port}/`);
}
