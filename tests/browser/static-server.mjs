// SPDX-License-Identifier: MIT
// A static file server for browser tests: serves folders under URL prefixes
// with a strict Content-Security-Policy on every response (workers get their
// policy from their own response) and collects the CSP reports the browser posts.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

/** The policy the package must live with: no 'unsafe-eval', only 'wasm-unsafe-eval'. */
export const STRICT_CSP = "script-src 'self' 'wasm-unsafe-eval'";

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.map': 'application/json; charset=utf-8',
};

/**
 * Starts the server on a free port.
 * `routes` answer given paths with a fixed response instead (e.g. an HTML page
 * where the .wasm should be, as a single-page app's fallback route does).
 * @param {{mounts: Record<string, string>, csp?: string, routes?: Record<string, {status: number, type: string, body: string}>}} options
 *   mounts: URL prefix ('/' or '/pkg/') → folder
 * @returns {Promise<{base: string, cspReports: unknown[], requests: string[], close: () => Promise<void>}>}
 *   requests: the path of every request, in order (workers' too)
 */
export async function serveStatic({ mounts, csp = STRICT_CSP, routes = {} }) {
  /** @type {unknown[]} */
  const cspReports = [];
  /** @type {string[]} */
  const requests = [];
  const policy = `${csp}; report-uri /__csp-report`;
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url.pathname);
    if (req.method === 'POST' && url.pathname === '/__csp-report') {
      let body = '';
      for await (const chunk of req) body += chunk;
      try { cspReports.push(JSON.parse(body)); } catch { cspReports.push(body); }
      res.writeHead(204);
      res.end();
      return;
    }
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (route) {
      res.writeHead(route.status, { 'Content-Security-Policy': policy, 'Content-Type': route.type, 'Cache-Control': 'no-store' });
      res.end(route.body);
      return;
    }
    let path = decodeURIComponent(url.pathname);
    if (path.endsWith('/')) path += 'index.html';
    const prefix = prefixes.find((p) => path.startsWith(p));
    if (prefix !== undefined) {
      const root = mounts[prefix];
      const file = normalize(join(root, path.slice(prefix.length)));
      if (file.startsWith(root + sep)) {
        try {
          if ((await stat(file)).isFile()) {
            res.writeHead(200, {
              'Content-Security-Policy': policy,
              'Content-Type': TYPES[/** @type {keyof typeof TYPES} */ (extname(file))] ?? 'application/octet-stream',
              'Cache-Control': 'no-store',
            });
            res.end(await readFile(file));
            return;
          }
        } catch { /* not found */ }
      }
    }
    res.writeHead(404, { 'Content-Security-Policy': policy, 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    base: `http://127.0.0.1:${port}/`,
    cspReports,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
