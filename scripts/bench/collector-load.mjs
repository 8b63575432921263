// SPDX-License-Identifier: MIT
// Measured load on loopback for localrank-collector (docs/collector.md,
// RELIABILITY.md "The collector under load"). Every request goes to 127.0.0.1;
// every phase is bounded in time and count and stops by itself.
//
//   node scripts/bench/collector-load.mjs [--seconds 10] [--concurrency 32] [--quick]
//
// Phases:
//   1. throughput: 1 collector process on SQLite; 1, 2 and 4 processes on one
//      PostgreSQL (a throwaway cluster, scripts/lib/pg-cluster.mjs). Clients send
//      fresh reports round-robin to the processes; reports/s, p50/p99 latency;
//      then each process's /v1/estimates must equal the database's totals and
//      the number of reports acknowledged.
//   2. faults: 2 processes on PostgreSQL; a collector is killed with SIGKILL 5
//      times mid-load (and started again), PostgreSQL is restarted once
//      mid-load. Clients keep each report until it is acknowledged (re-sent with
//      the same id, to any live process). Then: reports in the database =
//      reports generated (0 lost, 0 counted twice).
//   3. the same faults on SQLite with 1 process (5 kills).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createReportEncoder } from 'localrank/server';
import { startCluster } from '../lib/pg-cluster.mjs';
import { DEMO_REPORT_CONFIG, DEMO_TAXONOMY } from '../../web-demo/demo-config.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'collector/bin/localrank-collector.mjs');
const CONFIG_FILE = join(ROOT, 'web-demo/report-config.json');
const { values: args } = parseArgs({ options: { seconds: { type: 'string' }, concurrency: { type: 'string' }, quick: { type: 'boolean' }, out: { type: 'string' } } });
const SECONDS = Number(args.seconds ?? (args.quick ? 2 : 10));
const CONCURRENCY = Number(args.concurrency ?? 32);
const KILLS = args.quick ? 2 : 5;
const FAULT_REPORTS = args.quick ? 5000 : 30000;
const HARD_DEADLINE = Date.now() + (args.quick ? 5 : 25) * 60 * 1000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Fresh reports (each with its own id), encoded before the clock starts. */
async function reportSource() {
  const enc = await createReportEncoder(DEMO_REPORT_CONFIG);
  let i = 0;
  const one = () => {
    i++;
    return JSON.stringify(enc.encode({ interest: { [DEMO_TAXONOMY[i % 7]]: 2, [DEMO_TAXONOMY[(i * 5) % DEMO_TAXONOMY.length]]: 1 } }));
  };
  return {
    /** @param {number} n */
    take: (n) => Array.from({ length: n }, one),
    dispose: () => enc.dispose(),
  };
}

// node:http with keep-alive: fetch() costs the client several times more CPU
// per request, and client and collectors share the machine's 2 cores.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/**
 * POSTs one report; resolves with the status and body, rejects on a network error.
 * @param {string} base
 * @param {string} body
 * @param {number} [timeoutMs]
 * @returns {Promise<{status: number, text: string, ms: number}>}
 */
function send(base, body, timeoutMs = 10000) {
  const { hostname, port } = new URL(base);
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: '/v1/reports', method: 'POST', agent, timeout: timeoutMs,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8'), ms: performance.now() - t }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Starts a collector process; resolves once it listens.
 * @param {string} db
 * @param {number} [port]
 */
function startCollector(db, port = 0) {
  // Estimates published after every report: this bench compares counts, not the batching (docs/collector.md).
  const child = spawn(process.execPath, [CLI, '--taxonomy', CONFIG_FILE, '--db', db, '--port', String(port), '--min-reports', '50',
    '--publish-minutes', '0', '--publish-reports', '1'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve({ child, port: Number(m[1]), base: `http://127.0.0.1:${m[1]}` });
    });
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}: ${out}`)));
  });
}

/** @param {{child: import('node:child_process').ChildProcess}} c @param {NodeJS.Signals} signal */
async function stopCollector(c, signal = 'SIGTERM') {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  const exited = new Promise((r) => c.child.once('exit', r));
  c.child.kill(signal);
  await exited;
}

/** @param {number[]} sorted @param {number} q */
const pct = (sorted, q) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;

/**
 * Sends fresh reports from CONCURRENCY clients round-robin to `targets` for
 * SECONDS; each report is sent once (throughput phase: no faults).
 */
async function throughput(targets, source) {
  const bodies = source.take(Math.min(100000, SECONDS * 6000));
  const latencies = [];
  let acked = 0;
  let other = 0;
  let k = 0;
  const start = performance.now();
  const until = start + SECONDS * 1000;
  const client = async () => {
    while (performance.now() < until && k < bodies.length) {
      const i = k++;
      const res = await send(targets[i % targets.length].base, bodies[i]);
      if (res.status === 202 && !JSON.parse(res.text).duplicate) {
        acked++;
        latencies.push(res.ms);
      } else other++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { acked, other, elapsed, perSecond: acked / elapsed, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99) };
}

/** Reports in a database. */
async function dbCount(db) {
  if (db.startsWith('sqlite:')) {
    const d = new Database(db.slice('sqlite:'.length), { readonly: true });
    try { return d.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM lr_sums WHERE value = -1').get().n; } finally { d.close(); }
  }
  const c = new pg.Client({ connectionString: db });
  await c.connect();
  try { return (await c.query('SELECT COALESCE(SUM(count), 0)::int AS n FROM lr_sums WHERE value = -1')).rows[0].n; } finally { await c.end(); }
}

/** Every process's /v1/estimates report count. */
const servedCounts = (targets) => Promise.all(targets.map(async (t) => (await (await fetch(`${t.base}/v1/estimates`)).json()).reports));

async function createDb(clusterUrl, name) {
  const c = new pg.Client({ connectionString: clusterUrl });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return clusterUrl.replace(/\/postgres$/, `/${name}`);
}

/**
 * Faults: FAULT_REPORTS reports (more while faults are still to come), each kept by its client until acknowledged
 * (re-sent unchanged to the next live process on a network error, 5xx or 429).
 * `faults` runs alongside and injects the failures.
 */
async function underFaults(targets, source, faults) {
  const reports = source.take(FAULT_REPORTS);
  // A fault after the last report tests nothing: until every fault is in, the load goes on, in chunks of
  // 5,000 reports, up to 5x FAULT_REPORTS.
  let faultsDone = false;
  const more = () => {
    if (faultsDone || reports.length >= 5 * FAULT_REPORTS) return false;
    reports.push(...source.take(5000));
    return true;
  };
  let next = 0;
  let acked = 0;
  let duplicates = 0;
  let retries = 0;
  let k = 0;
  const client = async () => {
    while ((next < reports.length || more()) && Date.now() < HARD_DEADLINE) {
      const body = reports[next++];
      for (;;) {
        if (Date.now() > HARD_DEADLINE) throw new Error('hard deadline passed');
        const base = targets[k++ % targets.length].base;
        try {
          const res = await send(base, body);
          if (res.status === 202) {
            acked++;
            if (JSON.parse(res.text).duplicate) duplicates++;
            break;
          }
          if (res.status < 500 && res.status !== 429) throw new Error(`refused ${res.status}: ${res.text}`);
        } catch (e) {
          if (/refused/.test(String(/** @type {Error} */ (e).message))) throw e;
        }
        retries++;
        await sleep(20);
      }
    }
  };
  const start = performance.now();
  const clients = Promise.all(Array.from({ length: CONCURRENCY }, client));
  // How far the load was: of the reports made so far (more are made while faults are still to come).
  const injected = await faults(() => acked / reports.length);
  faultsDone = true;
  await clients;
  return { generated: reports.length, acked, duplicates, retries, elapsed: (performance.now() - start) / 1000, injected };
}

/**
 * Fault schedule, by the clock: a SIGKILL of one collector every `gapMs`
 * (`times` in all, each restarted on its port 200 ms later) and, with a
 * cluster, one PostgreSQL restart (immediate stop, 500 ms down) half-way.
 * Each event records how far the load was; a fault after the last report
 * would test nothing, so `midLoad` says whether all came before.
 */
async function injectFaults(targets, db, progress, times, pgCluster) {
  const gapMs = args.quick ? 700 : 1500;
  const events = [];
  const at = () => `${(progress() * 100).toFixed(0)}%`;
  const kills = (async () => {
    for (let i = 0; i < times; i++) {
      await sleep(gapMs);
      const t = targets[i % targets.length];
      await stopCollector(t, 'SIGKILL');
      events.push({ what: `kill -9 #${i + 1}`, at: at(), mid: progress() < 1 });
      await sleep(200);
      Object.assign(t, await startCollector(db, t.port));
    }
  })();
  const restart = pgCluster && (async () => {
    await sleep(gapMs * (times / 2) + gapMs / 2);
    events.push({ what: 'PostgreSQL restart (immediate stop, 500 ms down)', at: at(), mid: progress() < 1 });
    await pgCluster.restart('immediate', 500);
  })();
  await Promise.all([kills, restart]);
  return events;
}

const results = { machine: `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`, seconds: SECONDS, concurrency: CONCURRENCY, throughput: [], faults: [] };
const dir = mkdtempSync(join(tmpdir(), 'localrank-load-'));
const source = await reportSource();
/** @type {Awaited<ReturnType<typeof startCluster>>|null} */
let cluster = null;
/** @type {any[]} */
let running = [];
try {
  // 1. Throughput.
  {
    const db = `sqlite:${join(dir, 'one.sqlite')}`;
    running = [await startCollector(db)];
    const r = await throughput(running, source);
    const served = await servedCounts(running);
    const stored = await dbCount(db);
    results.throughput.push({ store: 'SQLite', processes: 1, ...r, stored, served, exact: stored === r.acked && served.every((x) => x === stored) });
    await Promise.all(running.map((c) => stopCollector(c)));
  }
  cluster = await startCluster();
  for (const n of [1, 2, 4]) {
    const db = await createDb(cluster.url, `load${n}`);
    running = await Promise.all(Array.from({ length: n }, () => startCollector(db)));
    const r = await throughput(running, source);
    const served = await servedCounts(running);
    const stored = await dbCount(db);
    results.throughput.push({ store: 'PostgreSQL', processes: n, ...r, stored, served, exact: stored === r.acked && served.every((x) => x === stored) });
    await Promise.all(running.map((c) => stopCollector(c)));
  }
  // 2. Faults on PostgreSQL: 2 processes, SIGKILLs and a restart.
  {
    const db = await createDb(cluster.url, 'faults');
    running = await Promise.all([0, 1].map(() => startCollector(db)));
    const r = await underFaults(running, source, (progress) => injectFaults(running, db, progress, KILLS, cluster));
    await sleep(200);
    const served = await servedCounts(running);
    const stored = await dbCount(db);
    results.faults.push({ store: 'PostgreSQL', processes: 2, ...r, stored, served, lost: r.generated - stored, doubled: Math.max(0, stored - r.generated), exact: stored === r.generated && served.every((x) => x === stored), midLoad: r.injected.every((e) => e.mid) });
    await Promise.all(running.map((c) => stopCollector(c)));
  }
  // 3. Faults on SQLite: 1 process, SIGKILLs.
  {
    const db = `sqlite:${join(dir, 'faults.sqlite')}`;
    running = [await startCollector(db)];
    const r = await underFaults(running, source, (progress) => injectFaults(running, db, progress, KILLS, null));
    const served = await servedCounts(running);
    const stored = await dbCount(db);
    results.faults.push({ store: 'SQLite', processes: 1, ...r, stored, served, lost: r.generated - stored, doubled: Math.max(0, stored - r.generated), exact: stored === r.generated && served.every((x) => x === stored), midLoad: r.injected.every((e) => e.mid) });
    await Promise.all(running.map((c) => stopCollector(c)));
  }
} finally {
  await Promise.all(running.map((c) => stopCollector(c, 'SIGKILL').catch(() => {})));
  cluster?.stop();
  source.dispose();
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
}

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const lines = [
  `machine: ${results.machine}; ${CONCURRENCY} concurrent clients in one Node process on the same machine; ${SECONDS} s per row`,
  '',
  '| store | processes | reports acknowledged | reports/s | p50 ms | p99 ms | every /v1/estimates = database = acknowledged |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...results.throughput.map((r) => `| ${r.store} | ${r.processes} | ${r.acked} | ${Math.round(r.perSecond)} | ${f1(r.p50)} | ${f1(r.p99)} | ${r.exact ? 'yes' : `NO (db ${r.stored}, served ${r.served})`} |`),
  '',
  '| faults | reports | acknowledged (after re-sends) | re-sends | answered "duplicate" | in the database | lost | counted twice | every /v1/estimates = database |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...results.faults.map((r) => `| ${r.store}, ${r.processes} process${r.processes > 1 ? 'es' : ''}: ${r.injected.map((e) => `${e.what} at ${e.at}`).join('; ')} | ${r.generated} | ${r.acked} | ${r.retries} | ${r.duplicates} | ${r.stored} | ${r.lost} | ${r.doubled} | ${r.served.every((x) => x === r.stored) ? 'yes' : `NO (${r.served})`} |`),
];
console.log(lines.join('\n'));
const out = args.out ?? join(ROOT, 'build', 'collector-load.json');
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2));
const ok = results.throughput.every((r) => r.exact) && results.faults.every((r) => r.exact);
if (!results.faults.every((r) => r.midLoad)) console.error('collector load: a fault came after the last report (the load ended too soon): re-run');
if (!ok) {
  console.error('collector load: a count did not match');
  process.exit(1);
}
