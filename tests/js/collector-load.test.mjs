// SPDX-License-Identifier: MIT
// The collector (localrank-collector, mounted by the demo server) under load on
// loopback: many concurrent clients send valid, malformed, oversized and
// mistyped reports, and re-send some valid ones. Every acknowledged (202)
// report is counted exactly once in SQLite, nothing else is counted, no
// request gets a 5xx, and a collector killed mid-load (SIGKILL) and restarted
// still holds every report it acknowledged.
// Short by default; LOCALRANK_LOAD_SECONDS=30 for the full run (RELIABILITY.md).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDb, countedInDb } from './collector-helpers.mjs';
import { createReportEncoder } from 'localrank/server';
import { startServer } from '../../web-demo/server.mjs';
import { DEMO_REPORT_CONFIG, DEMO_TAXONOMY } from '../../web-demo/demo-config.mjs';
import { seededWords } from './privacy-helpers.mjs';

const SECONDS = Number(process.env.LOCALRANK_LOAD_SECONDS ?? 3);
const CONCURRENCY = 32;
const CHILD = fileURLToPath(new URL('../load/collector-child.mjs', import.meta.url));

/**
 * Fresh valid reports (each with its own id, as devices send them) and a mix
 * of bad requests. `fresh(k)` is a new report; `valid` a pool of reports
 * already sent once, to re-send.
 */
async function requests() {
  const enc = await createReportEncoder({ ...DEMO_REPORT_CONFIG, random: seededWords(7) });
  const fresh = (/** @type {number} */ i) => JSON.stringify(enc.encode({
    interest: { [DEMO_TAXONOMY[i % DEMO_TAXONOMY.length]]: 1 + (i % 3), [DEMO_TAXONOMY[(i * 7) % DEMO_TAXONOMY.length]]: 1 },
  }));
  const valid = Array.from({ length: 50 }, (_, i) => fresh(i));
  const good = JSON.parse(valid[0]);
  const json = { 'Content-Type': 'application/json' };
  const bad = [
    { body: '{"schema":', headers: json },
    { body: 'null', headers: json },
    { body: JSON.stringify({ ...good, deviceId: 'abc' }), headers: json },
    { body: JSON.stringify({ ...good, day: '2026-11-23T10:00:00Z' }), headers: json },
    { body: JSON.stringify({ ...good, config: '00000000000000' }), headers: json },
    { body: JSON.stringify({ ...good, data: String(good.data).slice(1) }), headers: json },
    { body: JSON.stringify({ ...good, kind: 'everything' }), headers: json },
    { body: `[${'['.repeat(2000)}${']'.repeat(2000)}]`, headers: json },
  ];
  const oversized = [
    { body: JSON.stringify({ ...good, pad: 'x'.repeat(5000) }), headers: json },
    { body: 'x'.repeat(1024 * 1024), headers: json },
  ];
  const mistyped = { body: valid[0], headers: { 'Content-Type': 'text/plain' } };
  return { fresh, valid, bad, oversized, mistyped, dispose: () => enc.dispose() };
}

/**
 * Sends requests from CONCURRENCY clients until `until()` is true.
 * Returns counts; `unknown` are requests that got no response (connection lost).
 */
async function load(base, r, until) {
  const counts = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, limited: 0, unknown: 0, serverErrors: 0, validRejected: 0, badAccepted: 0 };
  let i = 0;
  const client = async () => {
    while (!until()) {
      const k = i++;
      const pick = k % 20;
      // 13 in 20 fresh reports, 1 a re-send of one already sent, 6 bad.
      const isValid = pick < 14;
      const body = pick < 13 ? r.fresh(k) : r.valid[k % r.valid.length];
      const req = isValid ? { body, headers: { 'Content-Type': 'application/json' } }
        : pick < 18 ? r.bad[k % r.bad.length] : pick < 19 ? r.oversized[k % r.oversized.length] : r.mistyped;
      counts.sent++;
      let res;
      let answer;
      try {
        res = await fetch(`${base}/v1/reports`, { method: 'POST', headers: req.headers, body: req.body });
        answer = await res.text();
      } catch {
        counts.unknown++;
        continue;
      }
      if (res.status === 202) {
        if (!isValid) counts.badAccepted++;
        else if (JSON.parse(answer).duplicate) counts.duplicates++;
        else counts.accepted++;
      } else if (res.status === 429) counts.limited++;
      else if (res.status >= 500) counts.serverErrors++;
      else {
        counts.rejected++;
        if (isValid) counts.validRejected++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  return counts;
}

test(`under ${SECONDS} s of mixed load every acknowledged report is counted exactly once`, { timeout: (SECONDS + 60) * 1000 }, async () => {
  const db = tempDb();
  const server = await startServer({ port: 0, db: db.path, tokens: false, relay: false });
  const base = `http://127.0.0.1:${server.server.address().port}`;
  let c;
  const r = await requests();
  try {
    const deadline = Date.now() + SECONDS * 1000;
    c = await load(base, r, () => Date.now() >= deadline);
    console.log(`collector load: ${JSON.stringify(c)} in ${SECONDS} s (${Math.round(c.sent / SECONDS)} req/s)`);
    assert.ok(c.accepted > 0 && c.rejected > 0, 'both kinds were exercised');
    assert.equal(c.serverErrors, 0, 'no 5xx');
    assert.equal(c.unknown, 0, 'every request got an answer');
    assert.equal(c.badAccepted, 0, 'no malformed, oversized or mistyped report was accepted');
    assert.equal(c.validRejected, 0, 'no valid report was rejected');
    const estimates = await (await fetch(`${base}/v1/estimates`)).json();
    assert.equal(estimates.reports, c.accepted, 'the estimates count each acknowledged report once');
  } finally {
    r.dispose();
    await server.close();
  }
  assert.equal(countedInDb(db.path), c.accepted, 'SQLite holds each acknowledged report once');
  db.cleanup();
});

/** Children still running: killed after each test, so a failed assertion leaves no server behind. */
const children = new Set();
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
});

/** Starts the collector as a child process on `dbPath`. */
function spawnCollector(dbPath) {
  const child = spawn(process.execPath, [CHILD, dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening (\d+)/);
      if (m) resolve({ child, base: `http://127.0.0.1:${m[1]}` });
    });
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}: ${out}`)));
  });
}

test('a collector killed mid-load and restarted keeps every report it acknowledged', { timeout: (SECONDS + 60) * 1000 }, async () => {
  const db = tempDb();
  const r = await requests();
  try {
    const first = await spawnCollector(db.path);
    const exited = new Promise((res) => first.child.once('exit', res));
    let killed = false;
    // Kill with requests in flight, half-way through.
    setTimeout(() => { killed = true; first.child.kill('SIGKILL'); }, (SECONDS * 1000) / 2);
    const c1 = await load(first.base, r, () => killed);
    await exited;
    assert.ok(c1.accepted > 0, 'reports were acknowledged before the kill');
    const stored = countedInDb(db.path);
    assert.ok(stored >= c1.accepted, `acknowledged ${c1.accepted}, stored ${stored}: an acknowledged report was lost`);
    assert.ok(stored <= c1.accepted + c1.unknown, `stored ${stored} > acknowledged ${c1.accepted} + unanswered ${c1.unknown}`);
    // Restarted on the same file, it counts on from there, exactly.
    const second = await spawnCollector(db.path);
    const deadline = Date.now() + (SECONDS * 1000) / 2;
    const c2 = await load(second.base, r, () => Date.now() >= deadline);
    const estimates = await (await fetch(`${second.base}/v1/estimates`)).json();
    const stopped = new Promise((res) => second.child.once('exit', res));
    second.child.kill('SIGTERM');
    await stopped;
    console.log(`collector kill/restart: before kill ${JSON.stringify(c1)}, stored ${stored}; after restart ${JSON.stringify(c2)}`);
    assert.equal(c2.serverErrors + c2.unknown + c2.badAccepted + c2.validRejected, 0);
    assert.equal(estimates.reports, stored + c2.accepted);
    assert.equal(countedInDb(db.path), stored + c2.accepted);
  } finally {
    r.dispose();
    db.cleanup();
  }
});
