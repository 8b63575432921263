// SPDX-License-Identifier: MIT
// The reference collector (web-demo/collector.mjs) behind the demo server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createPersonalizer } from 'localrank';
import { createReportEncoder } from 'localrank/server';
import { startServer } from '../../web-demo/server.mjs';
import { DEMO_REPORT_CONFIG, DEMO_TAXONOMY } from '../../web-demo/collector.mjs';
import { seededWords } from './privacy-helpers.mjs';

const SERVER = fileURLToPath(new URL('../../web-demo/server.mjs', import.meta.url));

function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'localrank-collector-'));
  return { path: join(dir, 'sums.sqlite'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function start(options = {}) {
  const db = tempDb();
  const server = await startServer({ port: 0, db: db.path, ...options });
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base, db,
    post: (body, headers = { 'Content-Type': 'application/json' }) =>
      fetch(`${base}/v1/reports`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    estimates: async () => (await fetch(`${base}/v1/estimates`)).json(),
    stop: () => new Promise((r) => server.close(r)),
  };
}

const encoder = (seed) => createReportEncoder({ ...DEMO_REPORT_CONFIG, random: seededWords(seed) });

test('a device sends a report through the demo server and the estimates count it', async () => {
  const s = await start();
  try {
    const config = await (await fetch(`${s.base}/v1/config`)).json();
    assert.deepEqual(config.taxonomy, DEMO_TAXONOMY);
    const p = await createPersonalizer({
      taxonomy: config.taxonomy, segments: config.segments, privacy: { epsilonPerReport: config.epsilonPerReport },
      consent: { personalization: true, aggregateMeasurement: true }, autosaveMs: 0,
    });
    p.record({ type: 'like', topics: { cooking: 1 } });
    const sent = await p.sendAggregateReport(`${s.base}/v1/reports`);
    assert.equal(sent.status, 202);
    const e = await s.estimates();
    assert.equal(e.reports, 1);
    assert.equal(e.config, config.fingerprint);
    assert.deepEqual([e.topics, e.suppressed.topics], [[], true], 'one report: suppressed');
    p.dispose();
    // The static demo still works next to the collector.
    assert.equal((await fetch(`${s.base}/`)).status, 200);
  } finally {
    await s.stop();
    s.db.cleanup();
  }
});

test('malformed, oversized or mistyped reports get a 4xx JSON error and change no sum', async () => {
  const s = await start();
  const enc = await encoder(1);
  try {
    assert.equal((await s.post(enc.encode({ interest: { music: 1 } }))).status, 202);
    const before = await s.estimates();
    const good = enc.encode({ interest: { music: 1 } });
    const cases = [
      ['not json', await s.post('{"schema":'), 400, 'INVALID_REPORT', 'report'],
      ['extra field', await s.post({ ...good, deviceId: 'abc' }), 400, 'INVALID_REPORT', 'report.deviceId'],
      ['fine-grained time', await s.post({ ...good, day: '2026-11-23T10:11:12Z' }), 400, 'INVALID_REPORT', 'report.day'],
      ['wrong config', await s.post({ ...good, config: '00000000000000' }), 400, 'INVALID_REPORT', 'report.config'],
      ['oversized', await s.post(JSON.stringify({ ...good, pad: 'x'.repeat(5000) })), 413, 'TOO_LARGE', ''],
      ['not JSON content', await s.post(JSON.stringify(good), { 'Content-Type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE', ''],
    ];
    for (const [name, res, status, code, field] of cases) {
      assert.equal(res.status, status, name);
      assert.match(res.headers.get('content-type'), /^application\/json/, name);
      const body = await res.json();
      assert.equal(body.error.code, code, name);
      assert.equal(body.error.field, field, name);
    }
    const wrongMethod = await fetch(`${s.base}/v1/reports`);
    assert.equal(wrongMethod.status, 405);
    assert.equal((await wrongMethod.json()).error.code, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(await s.estimates(), before);
    const db = new Database(s.db.path, { readonly: true });
    assert.deepEqual(db.prepare('SELECT count FROM sums WHERE value = -1').all().map((r) => r.count), [1]);
    db.close();
  } finally {
    enc.dispose();
    await s.stop();
    s.db.cleanup();
  }
});

test('the rate limit answers 429 and stores nothing about senders', async () => {
  let now = 0;
  const s = await start({ collector: { rateLimit: { perSecond: 1, burst: 2 }, now: () => now } });
  const enc = await encoder(2);
  try {
    assert.equal((await s.post(enc.encode({ interest: { tech: 1 } }))).status, 202);
    assert.equal((await s.post(enc.encode({ interest: { tech: 1 } }))).status, 202);
    const limited = await s.post(enc.encode({ interest: { tech: 1 } }));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal((await limited.json()).error.code, 'RATE_LIMITED');
    now += 1000;
    assert.equal((await s.post(enc.encode({ interest: { tech: 1 } }))).status, 202);
    assert.equal((await s.estimates()).reports, 3);
    await s.stop();
    const db = new Database(s.db.path, { readonly: true });
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name), ['sums']);
    assert.deepEqual(db.prepare('PRAGMA table_info(sums)').all().map((c) => c.name), ['config', 'kind', 'value', 'count']);
    db.close();
    for (const f of [s.db.path, `${s.db.path}-wal`]) {
      if (existsSync(f)) assert.ok(!readFileSync(f).includes('127.0.0.1'), `${f} holds no address`);
    }
  } finally {
    enc.dispose();
    s.db.cleanup();
  }
});

/** Runs the demo server as a child process; resolves with its base URL. */
function spawnServer(dbPath) {
  const child = spawn(process.execPath, [SERVER, '--db', dbPath], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/localhost:(\d+)\//);
      if (m) resolve({ child, base: `http://127.0.0.1:${m[1]}` });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

test('a crash and restart of the collector loses no acknowledged report', async () => {
  const db = tempDb();
  const enc = await encoder(3);
  try {
    const first = await spawnServer(db.path);
    let accepted = 0;
    for (let i = 0; i < 150; i++) {
      const res = await fetch(`${first.base}/v1/reports`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(enc.encode({ interest: i % 3 ? { cooking: 2, baking: 1 } : { running: 1 } })),
      });
      if (res.status === 202) accepted++;
    }
    assert.equal(accepted, 150);
    const before = await (await fetch(`${first.base}/v1/estimates`)).json();
    // No graceful shutdown: whatever was acknowledged must already be on disk.
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;
    const second = await spawnServer(db.path);
    const after = await (await fetch(`${second.base}/v1/estimates`)).json();
    second.child.kill('SIGTERM');
    assert.equal(after.reports, 150);
    assert.deepEqual(after, before);
    assert.equal(after.suppressed.topics, false, '150 reports: about 75 per attribute, above minReports');
  } finally {
    enc.dispose();
    db.cleanup();
  }
});

test('the demo taxonomy is the demo feed\'s topic list', () => {
  const posts = new URL('../../web-demo/public/data/posts.json', import.meta.url);
  assert.deepEqual(JSON.parse(readFileSync(posts, 'utf8')).topics, DEMO_TAXONOMY);
});
