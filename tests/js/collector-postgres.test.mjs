// SPDX-License-Identifier: MIT
// localrank-collector on a real PostgreSQL (a throwaway cluster of Debian's
// postgresql, scripts/lib/pg-cluster.mjs): several collectors share it, each
// serves the database's totals, a report re-sent to another collector is
// counted once, and a PostgreSQL restart loses and doubles nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createReportEncoder } from 'localrank/server';
import Fastify from 'fastify';
import { createCollector, generateIssuerKeys, registerTokenIssuer, fetchToken } from 'localrank-collector';
import { startCluster } from '../../scripts/lib/pg-cluster.mjs';
import { DEMO_REPORT_CONFIG } from '../../web-demo/demo-config.mjs';
import { seededWords } from './privacy-helpers.mjs';

/** @type {Awaited<ReturnType<typeof startCluster>>} */
let cluster;
before(async () => { cluster = await startCluster(); });
after(() => cluster?.stop());

/** A fresh database per test. */
async function database(name) {
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return cluster.url.replace(/\/postgres$/, `/${name}`);
}

/** Reports counted in the database, by day and kind. */
async function dbTotals(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(`SELECT COALESCE(SUM(count), 0)::int AS n FROM lr_sums WHERE value = -1`);
    return r.rows[0].n;
  } finally {
    await c.end();
  }
}

const collectors = (url, n, o = {}) => Promise.all(Array.from({ length: n }, () => createCollector({ config: DEMO_REPORT_CONFIG, store: url, minReports: 10, ...o })));
const postTo = (app, report) => app.inject({ method: 'POST', url: '/v1/reports', payload: report });
const estimatesOf = async (app, q = '') => JSON.parse((await app.inject({ url: `/v1/estimates${q}` })).body);

test('three collectors on one PostgreSQL serve the same totals, equal to the database\'s', async () => {
  const url = await database('shared');
  const apps = await collectors(url, 3);
  const enc = await createReportEncoder({ ...DEMO_REPORT_CONFIG, random: seededWords(21) });
  try {
    const tops = ['cooking', 'tech', 'music', 'politics'];
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => postTo(apps[i % 3], enc.encode({ interest: { [tops[i % 4]]: 2 } }))));
    assert.ok(results.every((r) => r.statusCode === 202), 'all accepted');
    // Each collector publishes its own snapshot: the figures agree, the publication times may differ by a millisecond.
    const [a, b, c] = (await Promise.all(apps.map((app) => estimatesOf(app)))).map(({ publishedAt, ...figures }) => figures);
    assert.equal(a.reports, 300);
    assert.deepEqual(a, b);
    assert.deepEqual(a, c);
    assert.equal(await dbTotals(url), 300);
    // Sums are kept per (config, day, kind, value), spread over shards.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const keys = (await client.query('SELECT DISTINCT config, day::text AS day, kind FROM lr_sums ORDER BY kind')).rows;
    await client.end();
    assert.deepEqual(keys.map((k) => k.kind), [0, 1]);
    assert.ok(keys.every((k) => k.config === a.config));
  } finally {
    enc.dispose();
    await Promise.all(apps.map((app) => app.close()));
  }
});

test('a report re-sent to another collector is counted once; a reused id is refused everywhere', async () => {
  const url = await database('idempotent');
  const [a, b] = await collectors(url, 2);
  const enc = await createReportEncoder({ ...DEMO_REPORT_CONFIG, random: seededWords(22) });
  try {
    const r = enc.encode({ interest: { film: 1 } });
    // The same report to both at once: one is counted.
    const [x, y] = await Promise.all([postTo(a, r), postTo(b, r)]);
    assert.deepEqual([x.statusCode, y.statusCode], [202, 202]);
    assert.deepEqual([JSON.parse(x.body).duplicate, JSON.parse(y.body).duplicate].sort(), [true, undefined].sort());
    const other = enc.encode({ interest: { books: 1 } });
    const reused = await postTo(b, { ...other, id: r.id, day: r.day, data: r.data === other.data ? other.data.replace(/^./, (ch) => (ch === '0' ? '1' : '0')) : other.data });
    assert.equal(reused.statusCode, 409);
    assert.equal(await dbTotals(url), 1);
    assert.equal((await estimatesOf(a)).reports, 1);
    // Within one batch of one collector: the same report twice, and another body under its id.
    const r2 = enc.encode({ interest: { film: 1 } });
    const twin = { ...r2, data: r2.data.replace(/^./, (ch) => (ch === '0' ? '1' : '0')) };
    const answers = await Promise.all([postTo(a, r2), postTo(a, r2), postTo(a, twin)]);
    const outcomes = answers.map((x) => (x.statusCode === 202 ? (JSON.parse(x.body).duplicate ? 'duplicate' : 'added') : x.statusCode)).sort();
    // Whichever body came first is counted; the same body again is a duplicate, the other a conflict.
    assert.ok(['409,added,duplicate', '409,409,added'].includes(outcomes.join()), String(outcomes));
    assert.equal(await dbTotals(url), 2);
  } finally {
    enc.dispose();
    await Promise.all([a.close(), b.close()]);
  }
});

test('a PostgreSQL restart mid-stream: 503 while it is down, and after retries every report counted exactly once', async () => {
  const url = await database('restart');
  const [a, b] = await collectors(url, 2);
  const enc = await createReportEncoder({ ...DEMO_REPORT_CONFIG, random: seededWords(23) });
  const reports = Array.from({ length: 600 }, (_, i) => enc.encode({ interest: { [i % 2 ? 'travel' : 'pets']: 1 } }));
  let unavailable = 0;
  try {
    /** Sends one report until it is acknowledged (as a device that keeps it would). */
    const deliver = async (r, i) => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const res = await postTo(i % 2 ? a : b, r);
        if (res.statusCode === 202) return;
        assert.equal(res.statusCode, 503, res.body);
        assert.equal(JSON.parse(res.body).error.code, 'UNAVAILABLE');
        unavailable++;
        await new Promise((ok) => setTimeout(ok, 50));
      }
      throw new Error('never delivered');
    };
    let next = 0;
    /** @type {Promise<void>|null} */
    let restarted = null;
    const worker = async () => {
      while (next < reports.length) {
        const i = next++;
        // A quarter in: PostgreSQL goes down (as a crash) with requests in flight, for 300 ms.
        if (i === 50) restarted = cluster.restart('immediate', 300);
        await deliver(reports[i], i);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await restarted;
    assert.equal(await dbTotals(url), 600, "each report once");
    const [ea, eb] = (await Promise.all([estimatesOf(a), estimatesOf(b)])).map(({ publishedAt, ...figures }) => figures);
    assert.equal(ea.reports, 600);
    assert.deepEqual(ea, eb);
    console.log(`PostgreSQL restart: ${unavailable} answers 503 UNAVAILABLE, retried; 600 of 600 counted once`);
  } finally {
    enc.dispose();
    await Promise.all([a.close(), b.close()]);
  }
});

test('with tokens on, a token spent through one collector is spent for all of them', async () => {
  const url = await database('tokens');
  const keys = await generateIssuerKeys();
  const issuer = Fastify();
  await registerTokenIssuer(issuer, { name: 'issuer.example', privateKey: keys.privateKey, publicKey: keys.publicKey, authorize: () => 'device' });
  await issuer.listen({ port: 0, host: '127.0.0.1' });
  const tokens = { issuerName: 'issuer.example', publicKey: keys.publicKeyBytes };
  const [a, b] = await collectors(url, 2, { tokens });
  const enc = await createReportEncoder({ ...DEMO_REPORT_CONFIG, random: seededWords(24) });
  try {
    const published = JSON.parse((await a.inject({ url: '/v1/config' })).body).tokens;
    const token = await fetchToken({ issuerUrl: `http://127.0.0.1:${issuer.server.address().port}/v1/token-request`, tokens: published });
    const send = (app, r) => app.inject({ method: 'POST', url: '/v1/reports', payload: r, headers: { authorization: token } });
    const r = enc.encode({ interest: { gaming: 1 } });
    assert.equal((await send(a, r)).statusCode, 202);
    const resent = await send(b, r);
    assert.equal(resent.statusCode, 202, 'the same report with its token, through the other collector');
    assert.equal(JSON.parse(resent.body).duplicate, true);
    const reused = await send(b, enc.encode({ interest: { gaming: 1 } }));
    assert.equal(reused.statusCode, 401);
    assert.equal(JSON.parse(reused.body).error.code, 'TOKEN_SPENT');
    assert.equal(await dbTotals(url), 1);
  } finally {
    enc.dispose();
    await Promise.all([a.close(), b.close(), issuer.close()]);
  }
});
