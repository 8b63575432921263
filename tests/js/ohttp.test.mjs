// SPDX-License-Identifier: MIT
// Oblivious HTTP (localrank/ohttp, collector/src/gateway.mjs, collector/src/relay.mjs):
// the RFC 9458 Appendix A vectors, Binary HTTP framing, typed errors of the
// relay option, and reports sent through a real relay to a real collector:
// the collector never sees the device's address or headers, the relay never
// sees the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import { Writable } from 'node:stream';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DhkemX25519HkdfSha256 } from '@hpke/core';
import {
  parseKeys, encodeRequest, decodeRequest, encodeResponse, decodeResponse, encapsulateRequest,
  createOhttpGateway, createOhttpRelay, OhttpError, serializeKeyConfig,
} from 'localrank/ohttp';
import { createPersonalizer, LocalrankError } from 'localrank';
import { createCollector, startRelay } from 'localrank-collector';
import { DEMO_REPORT_CONFIG } from '../../web-demo/demo-config.mjs';

const hex = (/** @type {string} */ s) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (/** @type {Uint8Array} */ b) => Buffer.from(b).toString('hex');

// RFC 9458 Appendix A.
const A = {
  skR: '3c168975674b2fa8e465970b79c8dcf09f1c741626480bd4c6162fc5b6a98e1a',
  keyConfig: '01002031e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e79815500080001000100010003',
  request: '00034745540568747470730b6578616d706c652e636f6d012f',
  skE: 'bc51d5e930bda26589890ac7032f70ad12e4ecb37abb1b65b1256c9c48999c73',
  pkE: '4b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad19dec96c208b472',
  encRequest: '010020000100014b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad19dec96c208b472' +
    '6374e469135906992e1268c594d2a10c695d858c40a026e7965e7d86b83dd440b2c0185204b4d63525',
  response: '0140c8',
  responseNonce: 'c789e7151fcba46158ca84b04464910d',
  encResponse: 'c789e7151fcba46158ca84b04464910d86f9013e404feea014e7be4a441f234f857fbd',
};

test('RFC 9458 Appendix A: key configuration, Binary HTTP, request and response encapsulation reproduce the vectors', async () => {
  // application/ohttp-keys: the configuration after its 2-byte length.
  const keys = parseKeys(hex(`002d${A.keyConfig}`));
  assert.equal(keys.length, 1);
  assert.deepEqual({ ...keys[0], publicKey: toHex(keys[0].publicKey) }, {
    keyId: 1, kemId: 0x20, publicKey: A.keyConfig.slice(6, 70), suites: [{ kdfId: 1, aeadId: 1 }, { kdfId: 1, aeadId: 3 }],
  });
  assert.equal(toHex(encodeRequest({ method: 'GET', scheme: 'https', authority: 'example.com', path: '/' })), A.request);
  assert.equal(toHex(encodeResponse({ status: 200 })), A.response);

  const kem = new DhkemX25519HkdfSha256();
  const ekm = { privateKey: await kem.importKey('raw', hex(A.skE).buffer, false), publicKey: await kem.importKey('raw', hex(A.pkE).buffer, true) };
  const client = await encapsulateRequest(keys, hex(A.request), { ekm });
  assert.equal(toHex(client.message), A.encRequest);

  const gateway = await createOhttpGateway({ keyPair: { privateKey: hex(A.skR), publicKey: keys[0].publicKey } });
  const opened = await gateway.decapsulate(hex(A.encRequest));
  assert.equal(toHex(opened.request), A.request);
  assert.deepEqual(decodeRequest(opened.request), { method: 'GET', scheme: 'https', authority: 'example.com', path: '/', headers: [], content: new Uint8Array(0) });
  const response = await opened.respond(hex(A.response), hex(A.responseNonce));
  assert.equal(toHex(response), A.encResponse);
  assert.equal(toHex(await client.open(response)), A.response);
  assert.equal(decodeResponse(hex(A.response)).status, 200);
});

test('Binary HTTP: fields, content and padding decode; indeterminate length, non-zero padding and truncation are refused', () => {
  const m = { method: 'POST', scheme: 'https', authority: 'c.example', path: '/v1/reports', headers: /** @type {[string, string][]} */ ([['content-type', 'application/json']]), content: new TextEncoder().encode('{"a":1}') };
  const bytes = encodeRequest(m);
  assert.deepEqual(decodeRequest(bytes), m);
  assert.deepEqual(decodeRequest(Uint8Array.from([...bytes, 0, 0, 0, 0])), m, 'zero padding after the message');
  assert.throws(() => decodeRequest(Uint8Array.from([...bytes, 0, 1])), OhttpError);
  assert.throws(() => decodeRequest(bytes.subarray(0, bytes.length - 2)), OhttpError);
  assert.throws(() => decodeRequest(Uint8Array.of(2, 4, 0x50, 0x4f, 0x53, 0x54)), /known-length/);
  const r = encodeResponse({ status: 429, headers: [['retry-after', '3']], content: Uint8Array.of(1, 2) });
  assert.deepEqual(decodeResponse(r), { status: 429, headers: [['retry-after', '3']], content: Uint8Array.of(1, 2) });
  // An informational response before the final one (RFC 9292 3.5.1) is skipped.
  assert.equal(decodeResponse(Uint8Array.of(1, 0x40, 103, 0, 0x40, 200)).status, 200);
});

test('createOhttpRelay and sendAggregateReport refuse a bad relay with a typed error naming the field', async () => {
  const gateway = await createOhttpGateway();
  const keyConfig = gateway.keys;
  const fails = (/** @type {any} */ o, /** @type {string} */ field) => assert.throws(() => createOhttpRelay(o), (e) => e instanceof LocalrankError && e.code === 'INVALID_ARGUMENT' && e.field === field, JSON.stringify(o));
  fails({ url: 'ftp://relay.example/', keyConfig }, 'relay.url');
  fails({ url: 'https://user:pw@relay.example/', keyConfig }, 'relay.url');
  fails({ url: 'not a url', keyConfig }, 'relay.url');
  fails({ url: 'https://relay.example/' }, 'relay.keyConfig');
  fails({ url: 'https://relay.example/', keyConfig: 'not base64!' }, 'relay.keyConfig');
  fails({ url: 'https://relay.example/', keyConfig: keyConfig.subarray(0, 20) }, 'relay.keyConfig');
  // A KEM this client speaks, but only ChaCha20-Poly1305 (0x0003).
  const [own] = parseKeys(keyConfig);
  fails({ url: 'https://relay.example/', keyConfig: serializeKeyConfig({ ...own, suites: [{ kdfId: 1, aeadId: 3 }] }) }, 'relay.keyConfig');
  const ok = createOhttpRelay({ url: 'https://relay.example/', keyConfig: Buffer.from(keyConfig).toString('base64url') });
  assert.equal(ok.url, 'https://relay.example/');
  const p = await createPersonalizer({ taxonomy: DEMO_REPORT_CONFIG.taxonomy, consent: { aggregateMeasurement: true }, storage: 'memory', autosaveMs: 0 });
  try {
    const err = await p.sendAggregateReport('https://c.example/v1/reports', { relay: { url: 'https://relay.example/', post: () => {} } }).catch((e) => e);
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.equal(err.field, 'options.relay');
    assert.equal(p.privacyBudget().spent, 0, 'a failing call spends nothing');
  } finally {
    p.dispose();
  }
});

/**
 * A TCP forwarder in front of `port` that records every byte it passes on:
 * what a server behind it received, whatever its own logs say.
 * @param {number} port
 */
async function tap(port) {
  /** @type {Buffer[]} */
  const seen = [];
  const server = createServer((client) => {
    const upstream = connect({ port, host: '127.0.0.1' });
    client.on('data', (c) => { seen.push(c); upstream.write(c); });
    client.on('end', () => upstream.end());
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(null)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { port: address.port, bytes: () => Buffer.concat(seen), close: () => new Promise((r) => server.close(() => r(null))) };
}

/** A Fastify logger that records, for every request, the peer address and every header. */
function requestLog() {
  /** @type {any[]} */
  const entries = [];
  const stream = new Writable({ write(chunk, _enc, done) { entries.push(...String(chunk).trim().split('\n').map((l) => JSON.parse(l))); done(); } });
  const logger = {
    level: 'info', stream,
    serializers: { req: (/** @type {any} */ req) => ({ method: req.method, url: req.url, address: req.socket?.remoteAddress ?? req.ip, headers: req.headers }) },
  };
  return { logger, requests: () => entries.filter((e) => e.req).map((e) => e.req) };
}

test('a report through the relay: the collector sees only the relay (127.0.0.2) and no device header; the relay sees only ciphertext', async (t) => {
  const log = requestLog();
  const collector = await createCollector({ config: DEMO_REPORT_CONFIG, store: 'sqlite::memory:', ohttp: true, logger: log.logger, publish: { everyMinutes: 0, minNewReports: 1 } });
  await collector.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${/** @type {any} */ (collector.server.address()).port}`;
  /** @type {any[]} */
  const relayLog = [];
  // The relay connects to the collector from another loopback address, so that the two can be told apart.
  const relay = await startRelay({ gateway: `${base}/.well-known/ohttp-gateway`, localAddress: '127.0.0.2', log: (e) => relayLog.push(e) });
  const relayTap = await tap(/** @type {any} */ (relay.server.address()).port);
  t.after(async () => { await relayTap.close(); await relay.close(); await collector.close(); });
  const relayUrl = `http://127.0.0.1:${relayTap.port}/`;

  // The key configuration, fetched through the relay: the same bytes for every device.
  const keysRes = await fetch(`${relayUrl}ohttp-keys`);
  assert.equal(keysRes.headers.get('content-type'), 'application/ohttp-keys');
  const keyConfig = new Uint8Array(await keysRes.arrayBuffer());
  assert.equal(Buffer.from(keyConfig).toString('base64url'), collector.collector.config.ohttp.keys);

  const p = await createPersonalizer({ taxonomy: DEMO_REPORT_CONFIG.taxonomy, sensitiveTopics: DEMO_REPORT_CONFIG.sensitiveTopics, segments: DEMO_REPORT_CONFIG.segments, consent: { personalization: true, aggregateMeasurement: true }, storage: 'memory', autosaveMs: 0, privacy: { testOnlyMemoryLedger: true } });
  t.after(() => p.dispose());
  const sent = await p.sendAggregateReport(`${base}/v1/reports`, { relay: createOhttpRelay({ url: relayUrl, keyConfig }), retries: 0 });
  assert.equal(sent?.status, 202, 'the gateway handled the inner request as a report');
  const est = await (await fetch(`${base}/v1/estimates`)).json();
  assert.equal(est.reports, 1, 'the collector counted it');

  // A device sends what browsers send; the relay passes none of it on.
  const { message } = await encapsulateRequest(parseKeys(keyConfig), encodeRequest({ method: 'POST', scheme: 'http', authority: 'x', path: '/v1/health' }));
  const res = await fetch(relayUrl, {
    method: 'POST', body: message,
    headers: {
      'Content-Type': 'message/ohttp-req', Cookie: 'session=device-secret', 'User-Agent': 'DeviceBrowser/1.0', 'Accept-Language': 'fr-CH',
      'Sec-CH-UA': '"Device";v="1"', 'Sec-CH-UA-Platform': '"DeviceOS"', 'X-Forwarded-For': '203.0.113.7', Forwarded: 'for=203.0.113.7', Referer: 'http://site.example/page',
    },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'message/ohttp-res');

  const seen = log.requests();
  const gatewayPosts = seen.filter((r) => r.method === 'POST' && r.url === '/.well-known/ohttp-gateway');
  assert.equal(gatewayPosts.length, 2, 'both requests reached the gateway');
  for (const r of gatewayPosts) {
    assert.equal(r.address, '127.0.0.2', 'the collector sees the relay, not the device (127.0.0.1)');
    assert.deepEqual(Object.keys(r.headers).sort(), ['connection', 'content-length', 'content-type', 'host'], `only the relay's own headers: ${JSON.stringify(r.headers)}`);
    const text = JSON.stringify(r.headers);
    for (const s of ['device-secret', 'DeviceBrowser', 'fr-CH', 'DeviceOS', '203.0.113.7', 'site.example']) assert.ok(!text.includes(s), s);
  }
  assert.ok(!seen.some((r) => r.address === '127.0.0.1' && r.method === 'POST'), 'no report came from the device\'s address');

  // Everything the relay received: the report never in the clear.
  const relaySaw = relayTap.bytes();
  assert.ok(relaySaw.length > 0);
  for (const s of [sent.report.id, sent.report.data, sent.report.config, '"epsilon"', 'localrank.report']) {
    assert.equal(relaySaw.indexOf(s), -1, `the relay never saw ${s}`);
  }
  assert.ok(relayLog.length >= 3);
  for (const e of relayLog) assert.deepEqual(Object.keys(e).sort(), ['at', 'bytesIn', 'bytesOut', 'method', 'status', 'url'], 'the relay logs no address, header or body');
});

test('the gateway: keys for GET, 422 for an unknown key, 400 for garbage, only POST /v1/reports inside, refusals passed back to the device', async (t) => {
  const collector = await createCollector({ config: DEMO_REPORT_CONFIG, store: 'sqlite::memory:', ohttp: { seed: new Uint8Array(32).fill(7) } });
  t.after(() => collector.close());
  const keys = await collector.inject({ method: 'GET', url: '/.well-known/ohttp-gateway' });
  assert.equal(keys.statusCode, 200);
  assert.equal(keys.headers['content-type'], 'application/ohttp-keys');
  const again = await createCollector({ config: DEMO_REPORT_CONFIG, store: 'sqlite::memory:', ohttp: { seed: new Uint8Array(32).fill(7) } });
  const keys2 = await again.inject({ method: 'GET', url: '/.well-known/ohttp-gateway' });
  await again.close();
  assert.deepEqual(keys2.rawPayload, keys.rawPayload, 'the same seed gives the same key (stable across restarts)');
  const config = parseKeys(new Uint8Array(keys.rawPayload));

  const post = (/** @type {Uint8Array} */ body) => collector.inject({ method: 'POST', url: '/.well-known/ohttp-gateway', headers: { 'content-type': 'message/ohttp-req' }, payload: Buffer.from(body) });
  const wrongKey = (await encapsulateRequest([{ ...config[0], keyId: 9 }], encodeRequest({ method: 'GET', scheme: 'https', authority: 'x', path: '/' }))).message;
  const r422 = await post(wrongKey);
  assert.equal(r422.statusCode, 422);
  assert.equal(r422.json().type, 'https://iana.org/assignments/http-problem-types#ohttp-key');
  const good = (await encapsulateRequest(config, encodeRequest({ method: 'GET', scheme: 'https', authority: 'x', path: '/' }))).message;
  const r400 = await post(Uint8Array.from([...good.subarray(0, 7), ...new Array(60).fill(1)]));
  assert.equal(r400.statusCode, 400);

  /** @param {object} m */
  const roundTrip = async (m) => {
    const c = await encapsulateRequest(config, encodeRequest(/** @type {any} */ (m)));
    const res = await post(c.message);
    assert.equal(res.statusCode, 200);
    return decodeResponse(await c.open(new Uint8Array(res.rawPayload)));
  };
  const health = await roundTrip({ method: 'GET', scheme: 'https', authority: 'x', path: '/v1/health' });
  assert.equal(health.status, 404, 'only reports are forwarded');
  const bad = await roundTrip({ method: 'POST', scheme: 'https', authority: 'x', path: '/v1/reports', headers: [['content-type', 'application/json']], content: new TextEncoder().encode('{"schema":"x"}') });
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(new TextDecoder().decode(bad.content)).error.code, 'INVALID_REPORT', 'the typed error of the inner request');
});

/**
 * Starts a command and resolves with its port once it prints it.
 * @param {string[]} args @param {RegExp} pattern
 */
function listening(args, pattern) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
}

test('the commands: localrank-collector --ohttp-key serves its keys; localrank-relay serves the same bytes and forwards a report', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'localrank-ohttp-'));
  const key = join(dir, 'gateway.key');
  const taxonomy = join(dir, 'taxonomy.json');
  writeFileSync(key, `${Buffer.alloc(32, 9).toString('hex')}\n`);
  writeFileSync(taxonomy, JSON.stringify(DEMO_REPORT_CONFIG));
  /** @type {import('node:child_process').ChildProcess[]} */
  const children = [];
  t.after(async () => {
    for (const c of children) if (c.exitCode === null) { const gone = new Promise((r) => c.once('exit', r)); c.kill('SIGTERM'); await gone; }
    rmSync(dir, { recursive: true, force: true });
  });
  const bin = (/** @type {string} */ name) => fileURLToPath(new URL(`../../collector/bin/${name}.mjs`, import.meta.url));
  const c = await listening([bin('localrank-collector'), '--taxonomy', taxonomy, '--db', ':memory:', '--port', '0', '--ohttp-key', key, '--publish-minutes', '0', '--publish-reports', '1', '--min-reports', '1'], /listening on http:\/\/127\.0\.0\.1:(\d+)\//);
  children.push(c.child);
  const gatewayKeys = Buffer.from(await (await fetch(`http://127.0.0.1:${c.port}/.well-known/ohttp-gateway`)).arrayBuffer());
  const expected = await createOhttpGateway({ seed: new Uint8Array(32).fill(9) });
  assert.deepEqual(new Uint8Array(gatewayKeys), expected.keys, 'the key derived from the file');
  const r = await listening([bin('localrank-relay'), '--gateway', `http://127.0.0.1:${c.port}/.well-known/ohttp-gateway`, '--port', '0'], /listening on http:\/\/127\.0\.0\.1:(\d+)\//);
  children.push(r.child);
  const relayUrl = `http://127.0.0.1:${r.port}/`;
  const keyConfig = new Uint8Array(await (await fetch(`${relayUrl}ohttp-keys`)).arrayBuffer());
  assert.deepEqual(keyConfig, expected.keys);
  const p = await createPersonalizer({ taxonomy: DEMO_REPORT_CONFIG.taxonomy, sensitiveTopics: DEMO_REPORT_CONFIG.sensitiveTopics, segments: DEMO_REPORT_CONFIG.segments, consent: { aggregateMeasurement: true }, storage: 'memory', autosaveMs: 0, privacy: { testOnlyMemoryLedger: true } });
  t.after(() => p.dispose());
  const sent = await p.sendAggregateReport(`http://127.0.0.1:${c.port}/v1/reports`, { relay: createOhttpRelay({ url: relayUrl, keyConfig }), retries: 0 });
  assert.equal(sent?.status, 202);
  assert.equal((await (await fetch(`http://127.0.0.1:${c.port}/v1/estimates`)).json()).reports, 1);
});
