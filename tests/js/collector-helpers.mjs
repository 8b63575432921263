// SPDX-License-Identifier: MIT
// Shared by the collector tests: raw HTTP over a socket (request targets and
// bodies fetch() would refuse to send), temp stores, reports.
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** A SQLite file in a fresh temp dir. */
export function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'localrank-collector-'));
  return { path: join(dir, 'reports.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Reports counted in a SQLite file (each report adds 1 to its kind's value -1 row). */
export function countedInDb(path) {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM lr_sums WHERE value = -1').get().n;
  } finally {
    db.close();
  }
}

/**
 * Sends raw bytes (written in `chunks`, `gapMs` apart) and reads the answer
 * until the server closes the connection or `waitMs` passes.
 * @param {number} port
 * @param {(string|Buffer)[]} chunks
 * @param {{gapMs?: number, waitMs?: number}} [o]
 * @returns {Promise<{status: number, headers: Record<string, string>, body: string, raw: string}>}
 */
export function rawRequest(port, chunks, o = {}) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const parts = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      const raw = Buffer.concat(parts).toString('utf8');
      const [head, ...rest] = raw.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status, headers, body: rest.join('\r\n\r\n'), raw });
    };
    socket.on('data', (d) => {
      parts.push(d);
      // One complete answer is enough (keep-alive connections stay open).
      const text = Buffer.concat(parts).toString('utf8');
      const m = /content-length: *(\d+)/i.exec(text);
      const at = text.indexOf('\r\n\r\n');
      if (m && at >= 0 && Buffer.byteLength(text.slice(at + 4)) >= Number(m[1])) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    const timer = setTimeout(finish, o.waitMs ?? 15000);
    timer.unref();
    (async () => {
      for (const c of chunks) {
        if (socket.destroyed) return;
        socket.write(c);
        if (o.gapMs) await new Promise((r) => setTimeout(r, o.gapMs));
      }
    })();
  });
}

/**
 * The answer is a JSON error with this status class.
 * @param {{status: number, headers: Record<string, string>, body: string}} res
 */
export function jsonError(res) {
  if (!/^application\/json/.test(res.headers['content-type'] ?? '')) return null;
  try {
    const b = JSON.parse(res.body);
    return b && typeof b.error?.code === 'string' ? b.error : null;
  } catch {
    return null;
  }
}

/**
 * Posts a report (object or text) as JSON.
 * @param {string} base
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
export function post(base, body, headers = { 'Content-Type': 'application/json' }) {
  return fetch(`${base}/v1/reports`, { method: 'POST', headers, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });
}
