// SPDX-License-Identifier: MIT
// Storage that hangs, throws, is slow, loses writes or lands them late (out of
// order), and several personalizers on separate adapter objects over one store
// (issue 21): no call waits past the storage deadline, and once storage
// recovers every recorded event is stored, none twice. No timing assertions:
// a call that hung would fail the test by its timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { LocalrankError } from 'localrank';
import { make, FEED, T0 } from './helpers.mjs';
import { rng } from '../../scripts/lib/prng.mjs';

const DEADLINE = 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One store (a Map) seen through any number of adapter objects, each with its
 * own faults, switchable at any time:
 * `hangGet`/`hangSet`: the call never settles; `fail`: it throws;
 * `latency`: [lo, hi] ms per call; `lose`: share of sets that resolve but store
 * nothing; `late`: share of sets that resolve at once and land later, after
 * writes issued after them.
 */
function hostileStore(seed = 1) {
  const map = new Map();
  const random = rng(seed);
  const landing = new Set();
  const never = () => new Promise(() => {});
  function adapter(faults = {}) {
    const f = { hangGet: false, hangSet: false, fail: null, latency: [0, 0], lose: 0, late: 0, ...faults };
    const op = (fn) => new Promise((resolve, reject) => {
      setTimeout(() => {
        try {
          if (f.fail) throw f.fail;
          resolve(fn());
        } catch (e) {
          reject(e);
        }
      }, f.latency[0] + random() * (f.latency[1] - f.latency[0]));
    });
    const store = (k, v) => { map.set(k, v); };
    return {
      faults: f,
      get: (k) => (f.hangGet ? never() : op(() => (map.has(k) ? map.get(k) : null))),
      set: (k, v) => {
        if (f.hangSet) return never();
        if (random() < f.lose) return op(() => {});
        if (random() < f.late) {
          const p = sleep(DEADLINE * (0.5 + 2 * random())).then(() => { store(k, v); landing.delete(p); });
          landing.add(p);
          return op(() => {});
        }
        return op(() => store(k, v));
      },
      delete: (k) => (f.hangSet ? never() : op(() => { map.delete(k); })),
      keys: () => op(() => [...map.keys()]),
    };
  }
  /** Waits until every late write has landed. */
  const settle = async () => { while (landing.size) await Promise.all([...landing]); };
  return { map, adapter, settle };
}

/** Collects 'error' events. */
function errors() {
  const seen = [];
  return { seen, on: { error: (e) => seen.push(e) } };
}

const event = (topic, i) => ({ type: 'click', topics: { [topic]: 1 }, at: T0 - i });
const stored = async (s, namespace = 'localrank') => {
  const r = await make({ storage: s.adapter(), namespace, storageTimeoutMs: DEADLINE });
  const view = r.profile({ top: 1000 });
  r.dispose();
  return view;
};
const isStorageFailed = (e) => e instanceof LocalrankError && e.code === 'STORAGE_FAILED';

/**
 * After storage recovered: flushes until one succeeds (a save that was still
 * waiting on a hung call when storage recovered may make the first one time out).
 */
async function flushRecovered(p) {
  for (let i = 0; ; i++) {
    try {
      return await p.flush();
    } catch (e) {
      if (!isStorageFailed(e) || i === 20) throw e;
    }
  }
}

test('storageTimeoutMs is validated and names the field', async () => {
  for (const bad of [0, -1, Infinity, NaN, '5000', 600001]) {
    await assert.rejects(make({ storageTimeoutMs: bad }), (e) => e.code === 'INVALID_ARGUMENT' && e.field === 'options.storageTimeoutMs' && /storageTimeoutMs/.test(e.message));
  }
});

test('a set that never returns: flush rejects (STORAGE_FAILED, an error event), ranking goes on, the lock is released, and after recovery every event is stored', { timeout: 30000 }, async () => {
  const s = hostileStore(1);
  const a = s.adapter();
  const { seen, on } = errors();
  const p = await make({ storage: a, storageTimeoutMs: DEADLINE, on });
  for (let i = 0; i < 10; i++) p.record(event('cooking', i));
  await p.flush();
  a.faults.hangSet = true;
  for (let i = 0; i < 12; i++) p.record(event('travel', i));
  await assert.rejects(p.flush(), isStorageFailed);
  assert.ok(seen.length >= 1 && seen.every(isStorageFailed), 'reported as error events');
  assert.equal(p.profile().totalEvents, 22, 'the unsaved clicks are in memory');
  assert.equal(p.rerank(FEED).length, FEED.length, 'ranking goes on');
  await assert.rejects(p.flush(), isStorageFailed, 'a later flush settles too');
  // Another personalizer, with its own adapter object over the same store, is not blocked.
  const q = await make({ storage: s.adapter(), storageTimeoutMs: DEADLINE });
  for (let i = 0; i < 5; i++) q.record(event('music', i));
  await flushRecovered(q);
  a.faults.hangSet = false;
  await flushRecovered(p);
  const view = await stored(s);
  assert.equal(view.totalEvents, 27);
  for (const x of [p, q]) x.dispose();
});

test('a get that never returns at creation: an empty, unsaved profile and an error event, never a hang; the next save merges', { timeout: 30000 }, async () => {
  const s = hostileStore(2);
  const first = await make({ storage: s.adapter(), storageTimeoutMs: DEADLINE });
  for (let i = 0; i < 3; i++) first.record(event('cooking', i));
  await first.flush();
  first.dispose();
  const a = s.adapter({ hangGet: true });
  const { seen, on } = errors();
  const p = await make({ storage: a, storageTimeoutMs: DEADLINE, on });
  assert.ok(seen.some(isStorageFailed));
  assert.equal(p.profile().totalEvents, 0, 'an empty profile');
  p.record(event('travel', 1));
  p.record(event('travel', 2));
  await assert.rejects(p.flush(), isStorageFailed);
  a.faults.hangGet = false;
  await flushRecovered(p);
  assert.equal(p.profile().totalEvents, 5, 'the stored profile came in under the new events');
  assert.equal((await stored(s)).totalEvents, 5);
  p.dispose();
});

test('a failed autosave is retried with backoff until it succeeds, with no new change', { timeout: 30000 }, async () => {
  const s = hostileStore(3);
  const a = s.adapter({ fail: new Error('disk full') });
  const { seen, on } = errors();
  const p = await make({ storage: a, storageTimeoutMs: DEADLINE, autosaveMs: 1, on });
  for (let i = 0; i < 10; i++) p.record(event('cooking', i));
  while (seen.length === 0) await sleep(5);
  a.faults.fail = null;
  while (!s.map.has('localrank:slot:a') && !s.map.has('localrank:slot:b')) await sleep(20);
  assert.equal((await stored(s)).totalEvents, 10);
  p.dispose();
});

test('slow (past the deadline, landing later, out of order), throwing and losing writes from two personalizers: after recovery every event is stored once', { timeout: 120000 }, async () => {
  const s = hostileStore(4);
  const random = rng(40);
  const adapters = [s.adapter(), s.adapter()];
  const tabs = await Promise.all(adapters.map((storage) => make({ storage, namespace: 'hostile', storageTimeoutMs: DEADLINE })));
  let recorded = 0;
  for (let round = 0; round < 12; round++) {
    for (const a of adapters) {
      const r = random();
      Object.assign(a.faults, {
        latency: [0, r < 0.2 ? 2 * DEADLINE : 10],
        fail: r > 0.85 ? new Error('flaky storage') : null,
        lose: 0.15,
      });
    }
    tabs.forEach((p, i) => { p.record(event(`topic${i}`, round)); recorded++; });
    await Promise.allSettled(tabs.map((p) => p.flush()));
  }
  // Recovery: the faults stop and what was in flight lands.
  for (const a of adapters) Object.assign(a.faults, { latency: [0, 2], fail: null, lose: 0, late: 0 });
  await s.settle();
  for (let pass = 0; pass < 2; pass++) {
    for (const p of tabs) await flushRecovered(p);
  }
  const view = await stored(s, 'hostile');
  assert.equal(view.totalEvents, recorded);
  assert.deepEqual(view.topics.map((x) => [x.name, x.events]).sort(), [['topic0', 12], ['topic1', 12]]);
  for (const p of tabs) p.dispose();
});

test('an adapter whose sets report success before they land (late, after later writes), with one writer: after recovery every event is stored once', { timeout: 120000 }, async () => {
  const s = hostileStore(Number(process.env.LOCALRANK_SEED ?? 7));
  const a = s.adapter({ late: 0.3, lose: 0.2, latency: [0, 10] });
  const p = await make({ storage: a, namespace: 'late', storageTimeoutMs: DEADLINE });
  for (let round = 0; round < 12; round++) {
    p.record(event('late', round));
    await p.flush().catch(() => {});
  }
  Object.assign(a.faults, { late: 0, lose: 0 });
  await s.settle();
  await flushRecovered(p);
  await flushRecovered(p);
  assert.equal((await stored(s, 'late')).totalEvents, 12);
  p.dispose();
});

test('two personalizers on separate adapter objects over one store, writing at the same time with random latency, keep every event in 20 rounds', { timeout: 120000 }, async () => {
  const s = hostileStore(5);
  const tabs = await Promise.all([0, 1].map(() => make({ storage: s.adapter({ latency: [0, 8] }), namespace: 'two', storageTimeoutMs: 2000 })));
  for (let round = 0; round < 20; round++) {
    for (let k = 0; k < 5; k++) tabs.forEach((p, i) => p.record(event(`tab${i}`, round * 5 + k)));
    await Promise.all(tabs.map((p) => p.flush()));
  }
  const view = await stored(s, 'two');
  assert.equal(view.totalEvents, 200);
  assert.deepEqual(view.topics.map((x) => [x.name, x.events]).sort(), [['tab0', 100], ['tab1', 100]]);
  for (const p of tabs) p.dispose();
});

test('a hung storage never blocks an aggregate report forever, and a report whose spend is not stored is not sent', { timeout: 30000 }, async () => {
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { received.push(body); res.writeHead(202); res.end('{}'); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/v1/reports`;
  try {
    const s = hostileStore(6);
    const a = s.adapter();
    const { seen, on } = errors();
    const p = await make({
      storage: a, storageTimeoutMs: DEADLINE, on, taxonomy: ['cooking', 'travel', 'music'],
      consent: { personalization: true, aggregateMeasurement: true },
    });
    a.faults.hangSet = true;
    await assert.rejects(p.sendAggregateReport(url, { retries: 0 }), isStorageFailed);
    assert.equal(received.length, 0, 'nothing left while the ledger could not be stored');
    assert.ok(seen.some(isStorageFailed));
    a.faults.hangSet = false;
    const sent = await p.sendAggregateReport(url, { retries: 0 });
    assert.equal(sent.status, 202);
    assert.equal(received.length, 1);
    const ledger = JSON.parse(s.map.get('localrank.privacy-ledger'));
    assert.equal(ledger.spends.length, 1, 'the report sent is in the stored ledger');
    p.dispose();
  } finally {
    server.close();
  }
});
