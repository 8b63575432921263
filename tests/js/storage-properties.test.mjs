// SPDX-License-Identifier: MIT
// Property tests (fast-check) for storage faults: any sequence of records and
// saves against an adapter that may throw (quota), cut a write in the middle,
// silently drop it, or return garbage on read. Whatever happens, ranking goes
// on from memory, every failed save is an `error` event (never a throw from
// record/rerank), and the stored profile a reload finds is the last good save
// or a later one, never a broken or older one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LocalrankError } from 'localrank';
import { make, FEED, T0 } from './helpers.mjs';

const RUNS = { numRuns: Number(process.env.LOCALRANK_PROPERTY_RUNS ?? 40) };

/** A store whose next operations fail as told; `binary`: it stores bytes (the profile is then bytes, not base64). */
function faultyStore(async, binary = false) {
  const map = new Map();
  const mode = { set: 'ok', get: 'ok' };
  const later = (fn) => (async ? new Promise((resolve, reject) => setImmediate(() => { try { resolve(fn()); } catch (e) { reject(e); } })) : fn());
  const adapter = {
    get: (k) => later(() => {
      if (mode.get === 'throw') throw new Error('storage is unavailable');
      if (mode.get === 'garbage') return k.endsWith('a') ? '\u0000garbage{' : 42;
      return map.has(k) ? map.get(k) : null;
    }),
    set: (k, v) => later(() => {
      if (mode.set === 'quota') throw Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
      if (mode.set === 'drop') return;
      if (mode.set === 'cut') {
        map.set(k, v.slice(0, Math.floor(v.length / 2)));
        throw new Error('power lost in the middle of the write');
      }
      if (mode.set === 'garble') {
        // Bit rot in the saved profile (the slot header is left alone: a header
        // that claims a newer format is kept as another build's data).
        if (typeof v !== 'string') {
          const b = v.slice();
          b[b.length - 1 - Math.floor(b.length / 4)] ^= 0x10;
          map.set(k, b);
          return;
        }
        const at = v.indexOf('\n') + 1 + Math.floor((v.length - v.indexOf('\n')) / 2);
        map.set(k, v.slice(0, at) + (v[at] === 'x' ? 'y' : 'x') + v.slice(at + 1));
        return;
      }
      map.set(k, v);
    }),
    delete: (k) => later(() => { map.delete(k); }),
  };
  if (binary) adapter.binary = true;
  return { adapter, map, mode };
}

const content = (p) => { const { exportedAt, ...rest } = p.exportProfile(); return JSON.stringify(rest); };

const topicName = fc.constantFrom('sports', 'cooking', 'travel', 'politics', 'music');
const event = fc.record({
  type: fc.constantFrom('click', 'like', 'share', 'hide', 'save'),
  topics: fc.uniqueArray(topicName, { minLength: 1, maxLength: 3 }),
  creatorId: fc.constantFrom('c1', 'c2', 'c3'),
  at: fc.integer({ min: T0 - 86400e3, max: T0 }),
});
const step = fc.oneof(
  fc.record({ op: fc.constant('record'), events: fc.array(event, { minLength: 1, maxLength: 5 }) }),
  fc.record({ op: fc.constant('flush'), fault: fc.constantFrom('ok', 'ok', 'quota', 'cut', 'drop', 'garble') }),
);

for (const [async, binary] of [[false, false], [true, false], [true, true]]) {
  test(`storage faults (${async ? 'async' : 'sync'} ${binary ? 'binary' : 'string'} adapter): ranking goes on, errors are events, the last good save survives`, async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), fc.constantFrom('ok', 'throw', 'garbage'),
      async (steps, reloadFault) => {
        const s = faultyStore(async, binary);
        const errors = [];
        const p = await make({ storage: s.adapter, on: { error: (e) => errors.push(e) } });
        const twin = await make({ storage: 'memory' });
        let lastGood = null;
        let allowed = new Set();  // what a reload may find: the last good save or a later attempt
        let failures = 0;
        try {
          for (const st of steps) {
            if (st.op === 'record') {
              assert.equal(p.record(st.events), st.events.length);
              twin.record(st.events);
              assert.deepEqual(p.rerank(FEED), twin.rerank(FEED), 'ranking goes on from memory');
              continue;
            }
            s.mode.set = st.fault;
            const attempt = content(p);
            allowed.add(attempt);
            try {
              await p.flush();
              lastGood = attempt;
              allowed = new Set([attempt]);
            } catch (e) {
              assert.ok(e instanceof LocalrankError && e.code === 'STORAGE_FAILED', `flush failed with ${e}`);
              assert.notEqual(st.fault, 'ok', 'a working adapter does not fail');
              failures++;
            }
            s.mode.set = 'ok';
          }
          assert.ok(errors.filter((e) => e.code === 'STORAGE_FAILED').length >= failures, 'every failed save is an error event');
          allowed.add(content(p));
        } finally {
          p.dispose();
          twin.dispose();
        }
        // A reload while reads fail starts from memory and must not destroy the stored profile.
        s.mode.get = reloadFault;
        const q = await make({ storage: s.adapter, on: { error: () => {} } });
        assert.equal(q.rerank(FEED).length, FEED.length, 'a reload with failing reads still ranks');
        q.dispose();
        s.mode.get = 'ok';
        const r = await make({ storage: s.adapter, on: { error: () => {} } });
        try {
          if (lastGood === null) {
            if (s.map.size > 0) assert.ok(allowed.has(content(r)) || r.profile().totalEvents === 0, 'no save: a later attempt or nothing');
          } else {
            assert.ok(allowed.has(content(r)), 'the reload finds the last good save or a later one');
          }
        } finally {
          r.dispose();
        }
      }), RUNS);
  });
}
