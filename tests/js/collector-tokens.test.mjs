// SPDX-License-Identifier: MIT
// Per-device limits that stay anonymous: Privacy Pass tokens (blind RSA). The
// site's issuer gives at most N tokens per device per window; the collector
// counts only reports that carry an unspent token. The poisoning client of
// issue 18 again: without tokens nothing it sends is counted; with its N
// tokens, at most N reports' worth.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { createPersonalizer } from 'localrank';
import { createReportEncoder } from 'localrank/server';
import { createCollector, generateIssuerKeys, registerTokenIssuer, fetchToken } from 'localrank-collector';
import { DEMO_REPORT_CONFIG, DEMO_TAXONOMY } from '../../web-demo/demo-config.mjs';
import { seededWords } from './privacy-helpers.mjs';

const PER_WINDOW = 4;
const POLITICS = DEMO_TAXONOMY.indexOf('politics');

let issuerApp;
let issuerUrl;
let keys;
/** Token requests as the issuer saw them. */
const seenByIssuer = [];

before(async () => {
  keys = await generateIssuerKeys();
  issuerApp = Fastify();
  // The site decides who gets tokens: here, a device that presents its (site-side) account key.
  issuerApp.addHook('preHandler', async (req) => { if (req.url === '/v1/token-request') seenByIssuer.push(Buffer.from(req.body)); });
  await registerTokenIssuer(issuerApp, {
    name: 'issuer.example', privateKey: keys.privateKey, publicKey: keys.publicKey, perWindow: PER_WINDOW,
    authorize: (req) => (typeof req.headers['x-account'] === 'string' ? req.headers['x-account'] : null),
  });
  await issuerApp.listen({ port: 0, host: '127.0.0.1' });
  issuerUrl = `http://127.0.0.1:${issuerApp.server.address().port}/v1/token-request`;
});
after(() => issuerApp?.close());

// Published after every report: these tests count what is counted, not the batching (collector-publish.test.mjs).
const collector = () => createCollector({
  config: DEMO_REPORT_CONFIG, store: 'sqlite::memory:', minReports: 50, publish: { everyMinutes: 0, minNewReports: 1 },
  tokens: { issuerName: 'issuer.example', publicKey: keys.publicKeyBytes, originInfo: ['collector.example'] },
});
const configOf = async (app) => JSON.parse((await app.inject({ url: '/v1/config' })).body);
const post = (app, report, token) => app.inject({
  method: 'POST', url: '/v1/reports', payload: report, headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
});
const token = async (app, account) => fetchToken({ issuerUrl, tokens: (await configOf(app)).tokens, fetchOptions: { headers: { 'x-account': account } } });

test('the issuer gives at most N tokens per device per window, and only to devices it authorizes', async () => {
  const app = await collector();
  try {
    for (let i = 0; i < PER_WINDOW; i++) assert.match(await token(app, 'device-a'), /^PrivateToken token=/);
    await assert.rejects(token(app, 'device-a'), /HTTP 429/);
    assert.match(await token(app, 'device-b'), /^PrivateToken token=/, 'another device has its own N');
    await assert.rejects(fetchToken({ issuerUrl, tokens: (await configOf(app)).tokens }), /HTTP 401/);
  } finally {
    await app.close();
  }
});

test('a report counts only with a valid, unspent token; its re-send with the same token counts once', async () => {
  const app = await collector();
  const enc = await createReportEncoder({ ...DEMO_REPORT_CONFIG, random: seededWords(41) });
  try {
    const r = enc.encode({ interest: { music: 1 } });
    const none = await post(app, r);
    assert.equal(none.statusCode, 401);
    assert.equal(JSON.parse(none.body).error.code, 'TOKEN_REQUIRED');
    assert.match(none.headers['www-authenticate'], /^PrivateToken challenge=/);
    for (const bad of ['PrivateToken token=AAAA', 'Bearer abc', 'PrivateToken token=' + 'A'.repeat(500)]) {
      const res = await post(app, r, bad);
      assert.equal(res.statusCode, 401, bad);
      assert.equal(JSON.parse(res.body).error.code, 'INVALID_TOKEN');
    }
    // A token for another collector (another challenge), or from another issuer key: refused.
    const other = await createCollector({ config: DEMO_REPORT_CONFIG, store: 'sqlite::memory:', tokens: { issuerName: 'issuer.example', publicKey: keys.publicKeyBytes, originInfo: ['elsewhere.example'] } });
    const foreign = await token(other, 'device-c');
    await other.close();
    assert.equal(JSON.parse((await post(app, r, foreign)).body).error.code, 'INVALID_TOKEN');
    const t = await token(app, 'device-c');
    assert.equal((await post(app, r, t)).statusCode, 202);
    const resend = await post(app, r, t);
    assert.equal(resend.statusCode, 202);
    assert.equal(JSON.parse(resend.body).duplicate, true);
    const second = await post(app, enc.encode({ interest: { music: 1 } }), t);
    assert.equal(second.statusCode, 401);
    assert.equal(JSON.parse(second.body).error.code, 'TOKEN_SPENT');
    assert.equal(JSON.parse((await app.inject({ url: '/v1/estimates' })).body).reports, 1);
  } finally {
    enc.dispose();
    await app.close();
  }
});

test('the issuer never sees the token a report carries (blind signatures)', async () => {
  const app = await collector();
  try {
    const before = seenByIssuer.length;
    const t = await token(app, 'device-d');
    const tokenBytes = Buffer.from(/token=([A-Za-z0-9_=-]+)/.exec(t)[1].replace(/=+$/, ''), 'base64url');
    const nonce = tokenBytes.subarray(2, 34);
    const signature = tokenBytes.subarray(tokenBytes.length - 256);
    const requests = seenByIssuer.slice(before);
    assert.equal(requests.length, 1);
    assert.equal(requests[0].indexOf(nonce), -1, 'the request does not hold the nonce');
    assert.equal(requests[0].indexOf(signature.subarray(0, 16)), -1, 'nor the signature');
  } finally {
    await app.close();
  }
});

test('poisoning with tokens on: a client without tokens gets nothing counted; with its N tokens, at most N reports', { timeout: 120000 }, async () => {
  const app = await collector();
  const enc = await createReportEncoder({ ...DEMO_REPORT_CONFIG, random: seededWords(42) });
  try {
    // Honest devices, one token each (issuing costs the issuer a blind RSA signature: a few only).
    for (let i = 0; i < 8; i++) {
      const t = await token(app, `honest-${i}`);
      assert.equal((await post(app, enc.encode({ interest: { [DEMO_TAXONOMY[i % 24]]: 2 } }), t)).statusCode, 202);
    }
    const before = JSON.parse((await app.inject({ url: '/v1/estimates' })).body);
    const template = enc.encode({ interest: { politics: 1 } });
    const oneHot = () => {
      const bytes = Buffer.alloc(template.data.length / 2);
      bytes[POLITICS >> 3] |= 1 << (POLITICS & 7);
      return { ...template, kind: 0, data: bytes.toString('hex'), id: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex') };
    };
    // Without tokens: 500 one-hot reports, none counted.
    let counted = 0;
    for (let i = 0; i < 500; i++) if ((await post(app, oneHot())).statusCode === 202) counted++;
    assert.equal(counted, 0);
    assert.deepEqual(JSON.parse((await app.inject({ url: '/v1/estimates' })).body), before, 'nothing moved');
    // With its N tokens (the issuer refuses more), each reused as often as it likes: N reports counted.
    const tokens = [];
    for (;;) {
      try {
        tokens.push(await token(app, 'attacker'));
      } catch {
        break;
      }
    }
    assert.equal(tokens.length, PER_WINDOW);
    for (let i = 0; i < 500; i++) if ((await post(app, oneHot(), tokens[i % tokens.length])).statusCode === 202) counted++;
    assert.equal(counted, PER_WINDOW, `${counted} attack reports counted`);
    const after = JSON.parse((await app.inject({ url: '/v1/estimates' })).body);
    assert.equal(after.reports, before.reports + PER_WINDOW);
    console.log(`tokens on: 500 one-hot reports without tokens, 0 counted; 500 with the attacker's ${PER_WINDOW} tokens, ${PER_WINDOW} counted`);
  } finally {
    enc.dispose();
    await app.close();
  }
});

test('a device sends its report with a token; a kept report is re-sent with the same token', async () => {
  const app = await collector();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${app.server.address().port}`;
  try {
    const config = await configOf(app);
    let calls = 0;
    const p = await createPersonalizer({
      taxonomy: config.taxonomy, sensitiveTopics: config.sensitiveTopics, segments: config.segments, consent: { personalization: true, aggregateMeasurement: true }, autosaveMs: 0,
      privacy: { testOnlyMemoryLedger: true },
    });
    const getToken = async () => { calls++; return fetchToken({ issuerUrl, tokens: config.tokens, fetchOptions: { headers: { 'x-account': 'device-e' } } }); };
    await assert.rejects(p.sendAggregateReport('http://127.0.0.1:1/v1/reports', { token: getToken, retries: 0 }));
    const sent = await p.sendAggregateReport(`${base}/v1/reports`, { token: getToken });
    assert.equal(sent.status, 202);
    assert.equal(calls, 1, 'the kept report went with the token it was built with');
    assert.equal(p.privacyBudget().spent, 1);
    // Without a token, this collector counts nothing, and the report is refused for good (401 is final).
    await assert.rejects(p.sendAggregateReport(`${base}/v1/reports`), (e) => e.code === 'SEND_FAILED' && /401/.test(e.message));
    // A token function that fails: no report is built, no epsilon spent.
    const spent = p.privacyBudget().spent;
    await assert.rejects(p.sendAggregateReport(`${base}/v1/reports`, { token: async () => { throw new Error('issuer down'); } }), (e) => e.code === 'SEND_FAILED');
    assert.equal(p.privacyBudget().spent, spent);
    p.dispose();
    assert.equal(JSON.parse((await app.inject({ url: '/v1/estimates' })).body).reports, 1);
  } finally {
    await app.close();
  }
});

test('the command takes the issuer\'s name and public key and then counts only reports with tokens', async () => {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const dir = mkdtempSync(join(tmpdir(), 'localrank-cli-tokens-'));
  const keyFile = join(dir, 'issuer.key');
  writeFileSync(keyFile, Buffer.from(keys.publicKeyBytes).toString('base64url'));
  const child = spawn(process.execPath, [fileURLToPath(new URL('../../collector/bin/localrank-collector.mjs', import.meta.url)),
    '--taxonomy', fileURLToPath(new URL('../../web-demo/report-config.json', import.meta.url)), '--db', 'sqlite::memory:', '--port', '0',
    '--token-issuer', 'issuer.example', '--token-key', keyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const base = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => { out += d; const m = out.match(/:(\d+)\//); if (m) resolve(`http://127.0.0.1:${m[1]}`); });
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const config = await (await fetch(`${base}/v1/config`)).json();
    assert.equal(config.tokens.issuer, 'issuer.example');
    const enc = await createReportEncoder(DEMO_REPORT_CONFIG);
    const r = enc.encode({ interest: { books: 1 } });
    const res = await fetch(`${base}/v1/reports`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(r) });
    assert.equal(res.status, 401);
    const t = await fetchToken({ issuerUrl, tokens: config.tokens, fetchOptions: { headers: { 'x-account': 'cli-device' } } });
    const ok = await fetch(`${base}/v1/reports`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: t }, body: JSON.stringify(r) });
    assert.equal(ok.status, 202);
    enc.dispose();
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
