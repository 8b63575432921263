// SPDX-License-Identifier: MIT
// localrank-collector (collector/) on SQLite, and the demo server that mounts it.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { createPersonalizer } from 'localrank';
import { createReportEncoder } from 'localrank/server';
import { createCollector } from 'localrank-collector';
import { startServer } from '../../web-demo/server.mjs';
import { DEMO_REPORT_CONFIG, DEMO_TAXONOMY } from '../../web-demo/demo-config.mjs';
import { seededWords } from './privacy-helpers.mjs';
import { tempDb, rawRequest, jsonError, post, countedInDb } from './collector-helpers.mjs';

const SERVER = fileURLToPath(new URL('../../web-demo/server.mjs', import.meta.url));
const CLI = fileURLToPath(new URL('../../collector/bin/localrank-collector.mjs', import.meta.url));
const CONFIG_FILE = fileURLToPath(new URL('../../web-demo/report-config.json', import.meta.url));
const DAY = 86400000;

/** The demo server on a temp SQLite file. */
async function start(options = {}) {
  const db = tempDb();
  const app = await startServer({ port: 0, db: db.path, tokens: false, ...options });
  const port = app.server.address().port;
  const base = `http://127.0.0.1:${port}`;
  return {
    base, port, db, app,
    post: (body, headers) => post(base, body, headers),
    estimates: async (q = '') => (await fetch(`${base}/v1/estimates${q}`)).json(),
    stop: () => app.close(),
  };
}

const encoder = (seed) => createReportEncoder({ ...DEMO_REPORT_CONFIG, random: seededWords(seed) });

test('a device sends a report through the demo server and the estimates count it', async () => {
  const s = await start();
  try {
    const config = await (await fetch(`${s.base}/v1/config`)).json();
    assert.deepEqual(config.taxonomy, DEMO_TAXONOMY);
    const p = await createPersonalizer({
      // The configuration the collector serves, checked against the one pinned in the bundle.
      taxonomy: config.taxonomy, sensitiveTopics: config.sensitiveTopics, segments: config.segments,
      privacy: { epsilonPerReport: config.epsilonPerReport, config: DEMO_REPORT_CONFIG, testOnlyMemoryLedger: true },
      consent: { personalization: true, aggregateMeasurement: true }, autosaveMs: 0,
    });
    p.record({ type: 'like', topics: { cooking: 1 } });
    const sent = await p.sendAggregateReport(`${s.base}/v1/reports`);
    assert.equal(sent.status, 202);
    assert.match(sent.report.id, /^[0-9a-f]{32}$/, 'the device gave the report a random 128-bit id');
    const e = await s.estimates();
    assert.equal(e.reports, 1);
    assert.equal(e.config, config.fingerprint);
    assert.deepEqual([e.topics, e.suppressed.topics], [[], true], 'one report: suppressed');
    assert.deepEqual(e.consistent.topics, [], 'suppressed consistent shares too');
    p.dispose();
    // The static demo still works next to the collector.
    const page = await fetch(`${s.base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy'), /default-src 'self'/);
  } finally {
    await s.stop();
    s.db.cleanup();
  }
});

test('two reports never share an id, even from encoders seeded alike', async () => {
  const a = await encoder(5);
  const b = await encoder(5);
  const ra = a.encode({ interest: { music: 1 } });
  const rb = b.encode({ interest: { music: 1 } });
  assert.equal(ra.data, rb.data, 'the same seeded noise');
  assert.notEqual(ra.id, rb.id);
  a.dispose();
  b.dispose();
});

test('malformed, implausible, replayed, oversized or mistyped reports get a 4xx JSON error and change no sum', async () => {
  const s = await start();
  const enc = await encoder(1);
  try {
    assert.equal((await s.post(enc.encode({ interest: { music: 1 } }))).status, 202);
    const before = await s.estimates();
    const good = () => enc.encode({ interest: { music: 1 } });
    const g = good();
    const text = JSON.stringify(g);
    const allOnes = { ...good(), kind: 0, data: 'ff'.repeat(3) + '01' };
    const { id: _id, ...noId } = good();
    const cases = [
      ['not json', await s.post('{"schema":'), 400, 'INVALID_REPORT', 'report'],
      ['empty', await s.post(''), 400, 'INVALID_REPORT', 'report'],
      ['extra field', await s.post({ ...good(), deviceId: 'abc' }), 400, 'INVALID_REPORT', 'report.deviceId'],
      ['no id', await s.post(noId), 400, 'INVALID_REPORT', 'report.id'],
      ['short id', await s.post({ ...good(), id: 'abc' }), 400, 'INVALID_REPORT', 'report.id'],
      ['fine-grained time', await s.post({ ...good(), day: '2026-11-23T10:11:12Z' }), 400, 'INVALID_REPORT', 'report.day'],
      ['day 1970', await s.post({ ...good(), day: '1970-01-01' }), 400, 'INVALID_REPORT', 'report.day'],
      ['day 9999', await s.post({ ...good(), day: '9999-12-31' }), 400, 'INVALID_REPORT', 'report.day'],
      ['unknown config', await s.post({ ...good(), config: '00000000000000' }), 400, 'INVALID_REPORT', 'report.config'],
      ['kind as text', await s.post({ ...good(), kind: '0' }), 400, 'INVALID_REPORT', 'report.kind'],
      ['all ones', await s.post(allOnes), 400, 'IMPLAUSIBLE_REPORT', 'report.data'],
      ['duplicate key', await s.post(text.replace('{', '{"kind":1,')), 400, 'INVALID_REPORT', 'report.kind'],
      ['escaped duplicate key', await s.post(text.replace('{', '{"\\u006bind":1,')), 400, 'INVALID_REPORT', 'report.kind'],
      ['invalid UTF-8', await s.post(Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from(',"x":"\xff"}', 'latin1')])), 400, 'INVALID_ENCODING', 'report'],
      ['oversized', await s.post(JSON.stringify({ ...good(), pad: 'x'.repeat(5000) })), 413, 'TOO_LARGE', ''],
      ['not JSON content', await s.post(JSON.stringify(good()), { 'Content-Type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE', ''],
      ['latin-1 JSON', await s.post(JSON.stringify(good()), { 'Content-Type': 'application/json; charset=iso-8859-1' }), 415, 'UNSUPPORTED_MEDIA_TYPE', ''],
      ['gzip', await s.post(JSON.stringify(good()), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'content-encoding'],
    ];
    for (const [name, res, status, code, field] of cases) {
      assert.equal(res.status, status, name);
      assert.match(res.headers.get('content-type'), /^application\/json/, name);
      const body = await res.json();
      assert.equal(body.error.code, code, `${name}: ${JSON.stringify(body)}`);
      assert.equal(body.error.field, field, name);
    }
    const wrongMethod = await fetch(`${s.base}/v1/reports`);
    assert.equal(wrongMethod.status, 405);
    assert.equal((await wrongMethod.json()).error.code, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(await s.estimates(), before);
    assert.equal(countedInDb(s.db.path), 1);
  } finally {
    enc.dispose();
    await s.stop();
    s.db.cleanup();
  }
});

test('a re-sent report is counted once; another report under a used id is refused', async () => {
  const s = await start();
  const enc = await encoder(2);
  try {
    const r = enc.encode({ interest: { tech: 1 } });
    const first = await s.post(r);
    assert.equal(first.status, 202);
    assert.deepEqual(await first.json(), { accepted: true });
    // The same report again, even with its keys in another order.
    const again = await s.post(Object.fromEntries(Object.entries(r).reverse()));
    assert.equal(again.status, 202);
    assert.deepEqual(await again.json(), { accepted: true, duplicate: true });
    const other = enc.encode({ interest: { music: 1 } });
    const reused = await s.post({ ...other, id: r.id, data: other.data === r.data ? r.data.replace(/^./, (c) => (c === '0' ? '1' : '0')) : other.data });
    assert.equal(reused.status, 409);
    assert.equal((await reused.json()).error.code, 'REPORT_ID_REUSED');
    assert.equal((await s.estimates()).reports, 1);
    assert.equal(countedInDb(s.db.path), 1);
  } finally {
    enc.dispose();
    await s.stop();
    s.db.cleanup();
  }
});

test('the rate limit is spent only by valid reports, answers 429, and stores nothing about senders', async () => {
  let now = Date.now();
  const s = await start({ collector: { rateLimit: { perSecond: 1, burst: 2 }, now: () => now } });
  const enc = await encoder(3);
  try {
    // Invalid bodies first: they must not take a token.
    for (let i = 0; i < 5; i++) assert.equal((await s.post('{')).status, 400);
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
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name), ['lr_report_ids', 'lr_spent_tokens', 'lr_sums']);
    assert.deepEqual(db.prepare('PRAGMA table_info(lr_spent_tokens)').all().map((c) => c.name), ['nonce', 'id', 'day']);
    assert.deepEqual(db.prepare('PRAGMA table_info(lr_sums)').all().map((c) => c.name), ['config', 'day', 'kind', 'value', 'count']);
    assert.deepEqual(db.prepare('PRAGMA table_info(lr_report_ids)').all().map((c) => c.name), ['id', 'digest', 'day']);
    db.close();
    for (const f of [s.db.path, `${s.db.path}-wal`]) {
      if (existsSync(f)) assert.ok(!readFileSync(f).includes('127.0.0.1'), `${f} holds no address`);
    }
  } finally {
    enc.dispose();
    s.db.cleanup();
  }
});

test('estimates answer for a window of days; the consistent shares are >= 0 and sum to 1', async () => {
  let now = Date.parse('2026-12-07T12:00:00Z');
  const db = tempDb();
  const app = await createCollector({ config: DEMO_REPORT_CONFIG, store: `sqlite:${db.path}`, minReports: 20, now: () => now });
  const enc = await encoder(4);
  try {
    const send = async (n, day, interest) => {
      for (let i = 0; i < n; i++) {
        const res = await app.inject({ method: 'POST', url: '/v1/reports', payload: enc.encode({ interest }, { day }) });
        assert.equal(res.statusCode, 202, res.body);
      }
    };
    await send(150, '2026-12-06', { cooking: 3 });
    await send(100, '2026-12-07', { politics: 3 });
    const get = async (q) => JSON.parse((await app.inject({ url: `/v1/estimates${q}` })).body);
    const all = await get('');
    assert.equal(all.reports, 250);
    assert.equal((await get('?from=2026-12-06&to=2026-12-06')).reports, 150);
    assert.equal((await get('?from=2026-12-07')).reports, 100);
    assert.equal((await get('?to=2026-12-05')).reports, 0);
    for (const q of ['?from=2026-02-30', '?from=0000-01-01', '?from=yesterday', '?from=2026-12-07&to=2026-12-06', '?window=7']) {
      const res = await app.inject({ url: `/v1/estimates${q}` });
      assert.equal(res.statusCode, 400, q);
      assert.equal(JSON.parse(res.body).error.code, 'INVALID_ARGUMENT', q);
    }
    for (let [list, none, label] of [[all.consistent.topics, all.consistent.noTopic, 'topics'], [all.consistent.segments, all.consistent.noSegment, 'segments']]) {
      assert.ok(list.length > 0, label);
      // A segment estimated below k is published without figures (docs/privacy.md); the others sum to 1 with "none".
      for (const x of list.filter((y) => y.suppressed)) assert.deepEqual(Object.keys(x).sort(), [label.slice(0, -1), 'suppressed']);
      list = list.filter((x) => !x.suppressed);
      const shares = [...list.map((x) => x.share), none.share];
      assert.ok(shares.every((x) => x >= 0 && x <= 1), `${label}: shares in [0, 1]`);
      assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9, `${label}: shares sum to 1`);
      for (const x of [...list, none]) assert.ok(x.ci95[0] >= 0 && x.ci95[0] <= x.ci95[1] && x.ci95[1] <= 1, JSON.stringify(x));
    }
    assert.equal(all.consistent.method, 'norm-sub');
    const unbiased = Object.fromEntries(all.topics.map((t) => [t.topic, t.share]));
    assert.ok(Object.values(unbiased).some((x) => x < 0), 'some unbiased share is negative (the reason for the consistent ones)');
    const cooking = all.consistent.topics.find((t) => t.topic === 'cooking');
    assert.ok(cooking.ci95[0] < 0.6 && 0.6 < cooking.ci95[1], `cooking holds 60%: ${JSON.stringify(cooking)}`);
    // Every process computes the same intervals from the same sums.
    assert.deepEqual(await get(''), all);
    // Reports from two days ago are still accepted; three days ago no longer.
    now += 2 * DAY;
    await send(1, '2026-12-07', { cooking: 1 });
    const old = await app.inject({ method: 'POST', url: '/v1/reports', payload: enc.encode({ interest: { cooking: 1 } }, { day: '2026-12-06' }) });
    assert.equal(old.statusCode, 400);
  } finally {
    enc.dispose();
    await app.close();
    db.cleanup();
  }
});

test('hostile requests: bad targets, slow and huge bodies, bad headers all get a 4xx JSON error and the server stays up', async () => {
  const s = await start({ collector: { limits: { requestTimeoutMs: 1500, headersTimeoutMs: 1000 } } });
  const enc = await encoder(6);
  try {
    const report = JSON.stringify(enc.encode({ interest: { music: 1 } }));
    const h = (target, extra = '') => `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extra}\r\n`;
    const cases = [
      ['GET //[', [h('//[')]],
      ['GET /%', [h('/%')]],
      ['GET /v1/%zz', [h('/v1/%zz')]],
      ['GET /%00', [h('/%00')]],
      ['GET /..%2f..%2fetc/passwd', [h('/..%2f..%2fetc/passwd')]],
      ['GET /v1/estimates?from=%', [h('/v1/estimates?from=%')]],
      ['absolute-form target, bad query', [h('http://evil.example/v1/estimates?from=[')]],
      ['garbage request line', ['\x00\x01\x02 nonsense\r\n\r\n']],
      ['header without colon', [h('/', 'Broken header\r\n')]],
      ['huge header', [h('/', `X-Big: ${'a'.repeat(20000)}\r\n`)]],
      ['bad content-length', [`POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n`]],
      ['slow body', [`POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${report.length}\r\n\r\n`, ...report.slice(0, 6)], { gapMs: 400 }],
      ['slow headers', ['POST /v1/reports HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 1\r\n', 'X-C: 1\r\n', 'X-D: 1\r\n'], { gapMs: 400 }],
      ['10 MB body', [`POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`, Buffer.alloc(1024 * 1024, 0x20)]],
      ['10 MB chunked body', [`POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
        ...Array.from({ length: 10 }, () => `100000\r\n${' '.repeat(0x100000)}\r\n`), '0\r\n\r\n']],
    ];
    for (const [name, chunks, o] of cases) {
      const res = await rawRequest(s.port, chunks, o);
      assert.ok(res.status >= 400 && res.status < 500, `${name}: status ${res.status} ${res.raw.slice(0, 200)}`);
      assert.ok(jsonError(res), `${name}: a JSON error (${res.raw.slice(0, 300)})`);
    }
    assert.equal((await s.post(report)).status, 202, 'still up and counting');
    assert.equal((await s.estimates()).reports, 1);
  } finally {
    enc.dispose();
    await s.stop();
    s.db.cleanup();
  }
});

test('random request targets, headers and bodies (property): every answer is an HTTP status with a JSON body or a page, the server stays up', async () => {
  const s = await start({ collector: { limits: { requestTimeoutMs: 2000, headersTimeoutMs: 2000 } } });
  const enc = await encoder(10);
  const runs = Number(process.env.LOCALRANK_PROPERTY_RUNS ?? 60);
  try {
    const byte = fc.integer({ min: 0, max: 255 });
    const target = fc.oneof(
      fc.array(byte, { maxLength: 40 }).map((b) => `/${Buffer.from(b).toString('latin1')}`),
      fc.constantFrom('/v1/reports', '/v1/estimates', '/v1/config', '/v1/health', '//[', '/%', '*', '/v1/estimates?from=').chain((t) =>
        fc.string({ maxLength: 20 }).map((x) => t + x)),
    ).map((t) => t.replace(/[\r\n ]/g, '_'));
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'BREW', 'G E T');
    const header = fc.tuple(fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/), fc.array(byte, { maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1').replace(/[\r\n]/g, '')));
    const body = fc.oneof(
      fc.constant(''),
      fc.json({ maxDepth: 3 }),
      fc.array(byte, { maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.constant(null).map(() => JSON.stringify(enc.encode({ interest: { music: 1 } }))).chain((r) =>
        fc.tuple(fc.nat(r.length), fc.string({ maxLength: 5 })).map(([at, x]) => r.slice(0, at) + x + r.slice(at + x.length))),
    );
    await fc.assert(fc.asyncProperty(method, target, fc.array(header, { maxLength: 4 }), body, fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', ''),
      async (m, t, headers, b, type) => {
        const head = [`${m} ${t} HTTP/1.1`, 'Host: x', 'Connection: close', ...(type ? [`Content-Type: ${type}`] : []),
          ...headers.map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(b, 'latin1')}`];
        const res = await rawRequest(s.port, [Buffer.from(`${head.join('\r\n')}\r\n\r\n${b}`, 'latin1')], { waitMs: 5000 });
        assert.ok(res.status >= 200 && res.status < 500, `${m} ${t}: status ${res.status} ${res.raw.slice(0, 200)}`);
        if (res.status >= 400 && m !== 'HEAD') assert.ok(jsonError(res), `${m} ${t}: JSON error (${res.raw.slice(0, 300)})`);
      }), { numRuns: runs });
    assert.equal((await s.post(enc.encode({ interest: { music: 1 } }))).status, 202, 'still up');
  } finally {
    enc.dispose();
    await s.stop();
    s.db.cleanup();
  }
});

test('CORS: a configured device origin may post cross-origin, another may not', async () => {
  const db = tempDb();
  const app = await createCollector({ config: DEMO_REPORT_CONFIG, store: db.path, origins: ['https://site.example'] });
  try {
    const preflight = (origin) => app.inject({
      method: 'OPTIONS', url: '/v1/reports',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    const ok = await preflight('https://site.example');
    assert.equal(ok.statusCode, 204);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://site.example');
    assert.match(String(ok.headers['access-control-allow-methods']), /POST/);
    assert.match(String(ok.headers['access-control-allow-headers']), /content-type/i);
    assert.equal(ok.headers['access-control-allow-credentials'], undefined, 'no credentials');
    const other = await preflight('https://evil.example');
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  } finally {
    await app.close();
    db.cleanup();
  }
});

test('closing answers the requests already accepted and then closes the store', async () => {
  const s = await start();
  const enc = await encoder(7);
  try {
    const sends = Array.from({ length: 20 }, () => s.post(enc.encode({ interest: { film: 1 } })).then((r) => r.status, () => 'lost'));
    await new Promise((r) => setTimeout(r, 5));
    await s.stop();
    const statuses = await Promise.all(sends);
    const accepted = statuses.filter((x) => x === 202).length;
    assert.ok(statuses.every((x) => x === 202 || x === 503 || x === 'lost'), String(statuses));
    assert.equal(countedInDb(s.db.path), accepted, 'every 202 was stored, nothing else');
  } finally {
    enc.dispose();
    s.db.cleanup();
  }
});

/** Children still running: killed after each test, so a failed assertion leaves no server behind. */
const children = new Set();
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
});

/** Runs a command printing a listening URL; resolves with its base URL. */
function spawnListening(args, pattern) {
  const child = spawn(process.execPath, args, { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) resolve({ child, base: `http://127.0.0.1:${m[1]}` });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
}

test('a crash and restart of the demo server loses no acknowledged report', async () => {
  const db = tempDb();
  const enc = await encoder(8);
  try {
    const first = await spawnListening([SERVER, '--db', db.path, '--no-tokens'], /http:\/\/localhost:(\d+)\//);
    let accepted = 0;
    for (let i = 0; i < 150; i++) {
      const res = await post(first.base, enc.encode({ interest: i % 3 ? { cooking: 2, baking: 1 } : { running: 1 } }));
      if (res.status === 202) accepted++;
    }
    assert.equal(accepted, 150);
    const before = await (await fetch(`${first.base}/v1/estimates`)).json();
    // No graceful shutdown: whatever was acknowledged must already be on disk.
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;
    const second = await spawnListening([SERVER, '--db', db.path, '--no-tokens'], /http:\/\/localhost:(\d+)\//);
    const after = await (await fetch(`${second.base}/v1/estimates`)).json();
    const stopped = new Promise((r) => second.child.once('exit', r));
    second.child.kill('SIGTERM');
    assert.equal(await stopped, 0, 'SIGTERM: a clean exit');
    assert.equal(after.reports, 150);
    // The restarted process publishes anew (publishedAt): the estimates themselves are the same.
    delete after.publishedAt;
    delete before.publishedAt;
    assert.deepEqual(after, before);
    assert.equal(after.suppressed.topics, false, '150 reports: about 75 per attribute, above minReports');
  } finally {
    enc.dispose();
    db.cleanup();
  }
});

test('the localrank-collector command serves a taxonomy file on a SQLite store', async () => {
  const db = tempDb();
  const enc = await encoder(9);
  try {
    const c = await spawnListening([CLI, '--taxonomy', CONFIG_FILE, '--db', `sqlite:${db.path}`, '--port', '0', '--min-reports', '5'],
      /listening on http:\/\/127\.0\.0\.1:(\d+)\//);
    for (let i = 0; i < 6; i++) assert.equal((await post(c.base, enc.encode({ interest: { books: 1 } }))).status, 202);
    const e = await (await fetch(`${c.base}/v1/estimates`)).json();
    assert.equal(e.reports, 6);
    assert.equal((await (await fetch(`${c.base}/v1/health`)).json()).store, 'sqlite');
    const stopped = new Promise((r) => c.child.once('exit', r));
    c.child.kill('SIGTERM');
    assert.equal(await stopped, 0);
    assert.equal(countedInDb(db.path), 6);
    const bad = spawn(process.execPath, [CLI, '--db', 'sqlite::memory:'], { stdio: 'ignore' });
    assert.equal(await new Promise((r) => bad.once('exit', r)), 2, 'no taxonomy: usage error');
  } finally {
    enc.dispose();
    db.cleanup();
  }
});

test('the demo taxonomy is the demo feed\'s topic list', () => {
  const posts = new URL('../../web-demo/public/data/posts.json', import.meta.url);
  assert.deepEqual(JSON.parse(readFileSync(posts, 'utf8')).topics, DEMO_TAXONOMY);
});
