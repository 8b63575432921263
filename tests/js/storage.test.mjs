// SPDX-License-Identifier: MIT
// Persistence: adapters, checksummed slots, resets, storage failures, autosave
// and several personalizers ("tabs") sharing one store.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { LocalrankError, memoryStorage } from 'localrank';
// The slot formats, to craft stored data as an older or newer build would write it.
import { encodeSlot, encodeJsonSlot } from '../../wasm/src/slots.js';
import { make, FEED, ids, T0 } from './helpers.mjs';

const SLOT_A = 'localrank:slot:a';
const SLOT_B = 'localrank:slot:b';
const tick = () => new Promise((r) => setImmediate(r));

/**
 * A shared store with a switchable failure mode.
 * `async`: every call resolves on a later turn (like IndexedDB).
 */
function store({ async = false, binary = false } = {}) {
  const map = new Map();
  const log = { sets: 0, gets: 0 };
  const mode = { failSet: null, failGet: null, cutSet: false, dropSet: false, getValue: undefined, onSet: null };
  const later = (fn) => (async ? new Promise((resolve, reject) => setImmediate(() => { try { resolve(fn()); } catch (e) { reject(e); } })) : fn());
  const adapter = {
    get: (k) => later(() => {
      log.gets++;
      if (mode.failGet) throw mode.failGet;
      if (mode.getValue !== undefined) return mode.getValue;
      return map.has(k) ? map.get(k) : null;
    }),
    set: (k, v) => later(() => {
      log.sets++;
      mode.onSet?.();
      if (mode.failSet) throw mode.failSet;
      if (mode.dropSet) return;
      if (mode.cutSet) {
        map.set(k, v.slice(0, Math.floor(v.length / 2)));
        throw new Error('power lost in the middle of the write');
      }
      map.set(k, v);
    }),
    delete: (k) => later(() => { map.delete(k); }),
  };
  if (binary) adapter.binary = true;
  return { adapter, map, log, mode };
}

/** Export without the export time, to compare profiles saved at different moments. */
const content = (p) => { const { exportedAt, ...rest } = p.exportProfile(); return rest; };

/** Collects a personalizer's events from creation on. */
function recorder() {
  const seen = { 'profile-reset': [], error: [], sync: [] };
  const on = Object.fromEntries(Object.keys(seen).map((k) => [k, (d) => seen[k].push(d)]));
  return { seen, on };
}

const COOKING = { type: 'like', topics: { cooking: 1 }, creatorId: 'c3', at: T0 - 1000 };
const TRAVEL = { type: 'like', topics: { travel: 1 }, creatorId: 'c4', at: T0 - 2000 };

for (const flavor of ['sync', 'async']) {
  test(`a ${flavor} custom adapter: a reload restores the same ranking`, async () => {
    const s = store({ async: flavor === 'async' });
    const a = await make({ storage: s.adapter });
    const coldOrder = ids(a.rerank(FEED));
    a.record([COOKING, COOKING, { ...TRAVEL, type: 'hide' }]);
    const ranking = a.rerank(FEED);
    assert.notDeepEqual(ids(ranking), coldOrder, 'the recorded events changed the ranking');
    await a.flush();
    assert.ok(s.map.has(SLOT_A), 'the first save goes to slot a');
    const saved = content(a);
    a.dispose();
    const b = await make({ storage: s.adapter });
    assert.deepEqual(b.rerank(FEED), ranking);
    assert.deepEqual(content(b), saved);
    assert.equal(b.profile().totalEvents, 3);
    b.dispose();
  });
}

test('saves alternate between two slots and the newest one is loaded', async () => {
  const s = store();
  const a = await make({ storage: s.adapter });
  for (let i = 1; i <= 3; i++) {
    a.record(COOKING);
    await a.flush();
  }
  assert.ok(s.map.has(SLOT_A) && s.map.has(SLOT_B));
  const b = await make({ storage: s.adapter });
  assert.equal(b.profile().totalEvents, 3);
  a.dispose();
  b.dispose();
});

test('flush without changes writes nothing', async () => {
  const s = store();
  const a = await make({ storage: s.adapter });
  await a.flush();
  assert.equal(s.log.sets, 0);
  a.dispose();
});

/** One character of a text slot's payload (base64 of the snapshot) changed: bit rot, or a hand edit. */
const editPayload = (saved) => {
  const at = saved.indexOf('\n') + 1 + Math.floor((saved.length - saved.indexOf('\n')) / 2);
  return saved.slice(0, at) + (saved[at] === 'A' ? 'B' : 'A') + saved.slice(at + 1);
};
/** The same for a binary slot: one bit of the snapshot flipped. */
const flipByte = (saved) => { const b = saved.slice(); b[b.length - 40] ^= 4; return b; };
const SNAPSHOT_VERSION = 1;

const RESETS = [
  ['garbage that is not in the storage format', () => 'definitely not a profile', 'unreadable'],
  ['a header that is not JSON', () => '{"format":"localrank.store",\n{}', 'unreadable'],
  ['a profile edited after it was saved', (saved) => editPayload(saved), 'checksum'],
  ['a save cut short', (saved) => saved.slice(0, saved.length - 10), 'checksum'],
  ['a newer storage format', (saved) => saved.replace('"version":2', '"version":3'), 'future-version'],
  ['a newer profile snapshot', () => encodeSlot(9, new Uint8Array(16), 'w', T0, SNAPSHOT_VERSION + 1, false), 'future-version'],
  ['a snapshot the core rejects (intact, but not a snapshot)', () => encodeSlot(9, new Uint8Array(16), 'w', T0, SNAPSHOT_VERSION, false), 'invalid-profile'],
  // Store format 1 (profile JSON, written before the binary snapshot) is still read.
  ['a newer profile schema in the JSON format', () => encodeJsonSlot(9, '{"schema":"localrank.profile","version":999,"topics":[],"creators":[]}', 'w', T0, 999), 'future-version'],
  ['a JSON profile the core rejects', () => encodeJsonSlot(9, '{"schema":"localrank.profile","version":1,"topics":"oops","creators":[]}', 'w', T0, 1), 'invalid-profile'],
];

for (const [what, corrupt, reason] of RESETS) {
  test(`${what}: clean start and a profile-reset with reason '${reason}'`, async () => {
    const s = store();
    const a = await make({ storage: s.adapter });
    a.record(COOKING);
    await a.flush();
    a.dispose();
    s.map.set(SLOT_A, corrupt(s.map.get(SLOT_A)));
    const { seen, on } = recorder();
    const b = await make({ storage: s.adapter, on });
    assert.equal(seen['profile-reset'].length, 1, 'the reset is seen by a handler passed at creation');
    const detail = seen['profile-reset'][0];
    assert.equal(detail.reason, reason);
    assert.equal(detail.code, 'CORRUPT_PROFILE');
    assert.match(detail.message, /slot a/);
    assert.equal(b.profile().totalEvents, 0);
    assert.deepEqual(ids(b.rerank(FEED)), ids(FEED), 'a clean profile ranks in the server order');
    b.dispose();
  });
}

// The same damage to a binary slot (an adapter with `binary: true`, like IndexedDB).
const BINARY_RESETS = [
  ['bytes that are not in the storage format', () => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'unreadable'],
  ['a binary slot with one bit flipped', (saved) => flipByte(saved), 'checksum'],
  ['a binary slot cut short', (saved) => saved.slice(0, saved.length - 12), 'checksum'],
  ['a binary slot cut inside its header', (saved) => saved.slice(0, 20), 'unreadable'],
  ['a binary slot from a newer localrank', () => encodeSlot(9, new Uint8Array(16), 'w', T0, SNAPSHOT_VERSION + 1, true), 'future-version'],
];

for (const [what, corrupt, reason] of BINARY_RESETS) {
  test(`${what}: clean start and a profile-reset with reason '${reason}'`, async () => {
    const s = store({ binary: true });
    const a = await make({ storage: s.adapter });
    a.record(COOKING);
    await a.flush();
    a.dispose();
    assert.ok(s.map.get(SLOT_A) instanceof Uint8Array, 'a binary adapter gets bytes');
    s.map.set(SLOT_A, corrupt(s.map.get(SLOT_A)));
    const { seen, on } = recorder();
    const b = await make({ storage: s.adapter, on });
    assert.equal(seen['profile-reset'].length, 1);
    assert.equal(seen['profile-reset'][0].reason, reason);
    assert.equal(seen['profile-reset'][0].code, 'CORRUPT_PROFILE');
    assert.equal(b.profile().totalEvents, 0);
    b.dispose();
  });
}

test('data from a newer localrank is never overwritten by this one', async () => {
  const s = store();
  const newer = encodeSlot(5, new Uint8Array(8), 'w', T0, SNAPSHOT_VERSION + 1, false);
  s.map.set(SLOT_B, newer);
  const { seen, on } = recorder();
  const p = await make({ storage: s.adapter, on });
  assert.equal(seen['profile-reset'][0].reason, 'future-version');
  p.record(COOKING);
  await assert.rejects(p.flush(), (e) => e instanceof LocalrankError && e.code === 'STORAGE_FAILED' && /newer localrank/.test(e.message));
  assert.equal(seen.error.length, 1);
  assert.equal(s.map.get(SLOT_B), newer);
  assert.equal(s.map.has(SLOT_A), false);
  assert.equal(ids(p.rerank(FEED))[0], 'c', 'ranking goes on from memory');
  p.dispose();
});

test('after a reset the first save replaces the unreadable data', async () => {
  const s = store();
  s.map.set(SLOT_A, 'garbage');
  const p = await make({ storage: s.adapter });
  p.record(COOKING);
  await p.flush();
  const { seen, on } = recorder();
  const q = await make({ storage: s.adapter, on });
  assert.deepEqual(seen['profile-reset'], []);
  assert.deepEqual(seen.error, []);
  assert.equal(q.profile().totalEvents, 1);
  p.dispose();
  q.dispose();
});

test('an adapter that throws on set: error event, ranking goes on, the last good profile still loads', async () => {
  const s = store({ async: true });
  const { seen, on } = recorder();
  const p = await make({ storage: s.adapter, on });
  p.record(COOKING);
  await p.flush();
  const good = content(p);
  s.mode.failSet = Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
  p.record([TRAVEL, TRAVEL, TRAVEL]);
  await assert.rejects(p.flush(), (e) => e instanceof LocalrankError && e.code === 'STORAGE_FAILED' && /quota/.test(e.message) && e.cause === s.mode.failSet);
  assert.equal(seen.error.length, 1);
  assert.equal(seen.error[0].code, 'STORAGE_FAILED');
  assert.equal(ids(p.rerank(FEED))[0], 'd', 'the unsaved travel likes still rank');
  const q = await make({ storage: s.adapter });
  assert.deepEqual(content(q), good);
  // Once storage works again the unsaved events are saved too.
  s.mode.failSet = null;
  await p.flush();
  const r = await make({ storage: s.adapter });
  assert.equal(r.profile().totalEvents, 4);
  for (const x of [p, q, r]) x.dispose();
});

test('an autosave that fails is reported as an error event, not thrown', { timeout: 10000 }, async () => {
  const s = store();
  s.mode.failSet = new Error('disk full');
  const { seen, on } = recorder();
  const p = await make({ storage: s.adapter, on, autosaveMs: 1 });
  p.record(COOKING);
  while (seen.error.length === 0) await new Promise((r) => setTimeout(r, 2));
  assert.equal(seen.error[0].code, 'STORAGE_FAILED');
  p.dispose();
});

test('a write cut in the middle leaves the previous profile readable', async () => {
  const s = store();
  const p = await make({ storage: s.adapter });
  p.record(COOKING);
  await p.flush(); // slot a
  p.record(TRAVEL);
  await p.flush(); // slot b
  const previous = content(p);
  s.mode.cutSet = true;
  p.record([TRAVEL, TRAVEL]);
  await assert.rejects(p.flush(), (e) => e.code === 'STORAGE_FAILED' && /power lost/.test(e.message));
  assert.ok(s.map.get(SLOT_A).length > 0, 'slot a now holds half a save');
  const { seen, on } = recorder();
  const q = await make({ storage: s.adapter, on });
  assert.deepEqual(content(q), previous);
  assert.deepEqual(seen['profile-reset'], []);
  assert.equal(seen.error.length, 1, 'the lost save is reported');
  assert.equal(seen.error[0].code, 'CORRUPT_PROFILE');
  // The next save overwrites the broken slot, never the good one.
  s.mode.cutSet = false;
  q.record(COOKING);
  await q.flush();
  const r = await make({ storage: s.adapter });
  assert.equal(r.profile().totalEvents, 3);
  for (const x of [p, q, r]) x.dispose();
});

test('a write the adapter silently drops is not counted as saved', async () => {
  const s = store();
  const p = await make({ storage: s.adapter });
  p.record(COOKING);
  s.mode.dropSet = true;
  await assert.rejects(p.flush(), (e) => e.code === 'STORAGE_FAILED' && /read back/.test(e.message));
  s.mode.dropSet = false;
  await p.flush();
  const q = await make({ storage: s.adapter });
  assert.equal(q.profile().totalEvents, 1);
  p.dispose();
  q.dispose();
});

test('events recorded while a save is writing are saved by the next one, once', async () => {
  const s = store({ async: true });
  const storage = s.adapter;
  const p = await make({ storage });
  p.record(COOKING);
  s.mode.onSet = () => { s.mode.onSet = null; p.record(TRAVEL); };
  await p.flush();
  const mid = await make({ storage });
  assert.equal(mid.profile().totalEvents, 1, 'the first save holds what was there when it started');
  mid.dispose();
  await p.flush();
  const q = await make({ storage });
  assert.equal(q.profile().totalEvents, 2, 'the next save holds the event recorded during the write, once');
  await p.flush();
  assert.equal(s.log.sets, 2, 'nothing left to save');
  p.dispose();
  q.dispose();
});

test('an adapter whose get fails at creation: error event, memory ranking, stored profile kept and merged later', async () => {
  const s = store();
  const a = await make({ storage: s.adapter });
  a.record([COOKING, COOKING]);
  await a.flush();
  a.dispose();
  s.mode.failGet = new Error('storage is locked');
  const { seen, on } = recorder();
  const p = await make({ storage: s.adapter, on });
  assert.equal(seen.error.length, 1);
  assert.equal(seen.error[0].code, 'STORAGE_FAILED');
  assert.equal(p.profile().totalEvents, 0);
  p.record(TRAVEL);
  assert.equal(ids(p.rerank(FEED))[0], 'd');
  await assert.rejects(p.flush(), (e) => e.code === 'STORAGE_FAILED');
  assert.equal(s.log.sets, 1, 'nothing was written over data that could not be read');
  s.mode.failGet = null;
  await p.flush();
  const q = await make({ storage: s.adapter });
  assert.equal(q.profile().totalEvents, 3, 'the stored likes and the new one are both kept');
  p.dispose();
  q.dispose();
});

test('an adapter returning a non-string is a storage error, not a crash', async () => {
  const s = store();
  s.mode.getValue = 42;
  const { seen, on } = recorder();
  const p = await make({ storage: s.adapter, on });
  assert.equal(seen.error.length, 1);
  assert.equal(seen.error[0].code, 'STORAGE_FAILED');
  assert.match(seen.error[0].message, /returned a number/);
  assert.deepEqual(ids(p.rerank(FEED)), ids(FEED));
  p.dispose();
});

test('autosave is debounced: one save after the last change, and at least one while changes keep coming', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const s = store();
  const p = await make({ storage: s.adapter, autosaveMs: 1000 });
  const settle = async () => { for (let i = 0; i < 5; i++) await tick(); };
  for (let i = 0; i < 3; i++) {
    p.record(COOKING);
    t.mock.timers.tick(600);
    await settle();
  }
  assert.equal(s.log.sets, 0, 'no save while changes come faster than the debounce');
  t.mock.timers.tick(400);
  await settle();
  assert.equal(s.log.sets, 1, 'one save 1000 ms after the last change');
  // A steady stream (one change every 600 ms) is still saved 5 x 1000 ms after its first change.
  for (let i = 0; i < 10; i++) {
    p.record(COOKING);
    t.mock.timers.tick(600);
    await settle();
  }
  assert.equal(s.log.sets, 2);
  const q = await make({ storage: s.adapter });
  assert.equal(q.profile().totalEvents, 3 + 9, 'the save at 5000 ms holds the changes made until then');
  p.dispose();
  q.dispose();
});

test('autosaveMs 0 saves only on flush', async () => {
  const s = store();
  const p = await make({ storage: s.adapter, autosaveMs: 0 });
  p.record(COOKING);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(s.log.sets, 0);
  await p.flush();
  assert.equal(s.log.sets, 1);
  p.dispose();
});

test('two tabs saving one after the other keep both tabs\' events', async () => {
  const s = store();
  const a = await make({ storage: s.adapter, namespace: 'seq-tabs' });
  const b = await make({ storage: s.adapter, namespace: 'seq-tabs' });
  a.record([COOKING, COOKING, COOKING]);
  b.record([TRAVEL, TRAVEL]);
  await a.flush();
  await b.flush();
  a.record(COOKING);
  await a.flush();
  const c = await make({ storage: s.adapter, namespace: 'seq-tabs' });
  const view = c.profile();
  assert.equal(view.totalEvents, 6, 'no event lost or counted twice');
  assert.deepEqual(view.topics.map((x) => x.name).sort(), ['cooking', 'travel']);
  for (const x of [a, b, c]) x.dispose();
});

test('two tabs saving at the same time keep both tabs\' events', async () => {
  const s = store({ async: true });
  const tabs = await Promise.all([1, 2, 3].map(() => make({ storage: s.adapter, namespace: 'race' })));
  for (let round = 0; round < 4; round++) {
    tabs.forEach((p, i) => p.record({ type: 'click', topics: { [`topic${i}`]: 1 }, at: T0 - round }));
    await Promise.all(tabs.map((p) => p.flush()));
  }
  const check = await make({ storage: s.adapter, namespace: 'race' });
  const view = check.profile();
  assert.equal(view.totalEvents, 12);
  assert.deepEqual(view.topics.map((x) => [x.name, x.events]).sort(), [['topic0', 4], ['topic1', 4], ['topic2', 4]]);
  for (const x of [...tabs, check]) x.dispose();
});

test('a BroadcastChannel brings another tab\'s save into this tab\'s ranking', { timeout: 10000 }, async () => {
  const s = store({ async: true });
  const a = await make({ storage: s.adapter, namespace: 'bc' });
  const synced = [];
  const b = await make({ storage: s.adapter, namespace: 'bc', on: { sync: (d) => synced.push(d) } });
  b.record(TRAVEL);
  a.record([COOKING, COOKING, COOKING]);
  await a.flush();
  while (synced.length === 0) await new Promise((r) => setTimeout(r, 2));
  assert.equal(synced[0].seq, 1);
  const view = b.profile();
  assert.equal(view.totalEvents, 4, "b holds a's saved events and its own unsaved one");
  assert.equal(ids(b.rerank(FEED))[0], 'c');
  await b.flush();
  const c = await make({ storage: s.adapter, namespace: 'bc' });
  assert.equal(c.profile().totalEvents, 4);
  for (const x of [a, b, c]) x.dispose();
});

test('erasing the saved profile empties every tab sharing it, and no tab writes the old profile back', { timeout: 10000 }, async () => {
  const s = store({ async: true });
  const synced = [];
  const a = await make({ storage: s.adapter, namespace: 'erase' });
  const b = await make({ storage: s.adapter, namespace: 'erase', on: { sync: (d) => synced.push(d) } });
  a.record([COOKING, COOKING, COOKING]);
  await a.flush();
  while (synced.length < 1) await new Promise((r) => setTimeout(r, 2));
  b.record(TRAVEL); // unsaved: erased too
  assert.equal(b.profile().totalEvents, 4);
  await a._eraseStoredProfile();
  assert.equal(a.profile().totalEvents, 0);
  assert.deepEqual([...s.map.keys()].filter((k) => k.startsWith('erase:')), []);
  while (synced.length < 2) await new Promise((r) => setTimeout(r, 2));
  assert.deepEqual(synced[1], { seq: 0 });
  assert.equal(b.profile().totalEvents, 0);
  b.record(TRAVEL);
  await b.flush();
  await a.flush();
  const c = await make({ storage: s.adapter, namespace: 'erase' });
  assert.equal(c.profile().totalEvents, 1, 'only the event recorded after the erase is stored');
  for (const x of [a, b, c]) x.dispose();
});

test('importProfile replaces the stored profile as a whole on the next save', async () => {
  const s = store();
  const a = await make({ storage: s.adapter });
  a.record([TRAVEL, TRAVEL]);
  await a.flush();
  const other = await make();
  other.record(COOKING);
  const b = await make({ storage: s.adapter });
  b.importProfile(other.exportProfile());
  await b.flush();
  const c = await make({ storage: s.adapter });
  assert.deepEqual(content(c), content(other));
  for (const x of [a, b, c, other]) x.dispose();
});

test('the journal is bounded: past 10000 unsaved events the tab saves its profile as a whole', async () => {
  const s = store();
  const { seen, on } = recorder();
  const p = await make({ storage: s.adapter, on });
  const batch = Array.from({ length: 6000 }, (_, i) => ({ type: 'impression', topics: ['news'], at: T0 - i }));
  p.record(batch);
  assert.equal(seen.error.length, 0);
  p.record(batch);
  assert.equal(seen.error.length, 1);
  assert.equal(seen.error[0].code, 'LIMIT_EXCEEDED');
  await p.flush();
  const q = await make({ storage: s.adapter });
  assert.deepEqual(content(q), content(p));
  p.dispose();
  q.dispose();
});

test('dispose during a save neither crashes nor writes a half-built profile', async () => {
  const s = store({ async: true });
  const p = await make({ storage: s.adapter });
  p.record(COOKING);
  const saving = p.flush();
  p.dispose();
  await saving;
  assert.equal(s.log.sets, 0);
  await assert.rejects(p.flush(), (e) => e.code === 'DISPOSED');
});

test('memory storage is private to each personalizer', async () => {
  const a = await make({ storage: 'memory' });
  a.record(COOKING);
  await a.flush();
  const b = await make({ storage: 'memory' });
  assert.equal(b.profile().totalEvents, 0);
  const shared = memoryStorage();
  const c = await make({ storage: shared });
  c.record(COOKING);
  await c.flush();
  const d = await make({ storage: shared });
  assert.equal(d.profile().totalEvents, 1);
  for (const x of [a, b, c, d]) x.dispose();
});

test('the storage option is validated', async () => {
  for (const [storage, pattern] of [['floppy', /'floppy'/], ['indexedDB', /not available/], ['localStorage', /not available/], [{ get() {} }, /adapter/], [null, /adapter/]]) {
    await assert.rejects(make({ storage }), (e) => e instanceof LocalrankError && e.code === 'INVALID_ARGUMENT' && e.field === 'options.storage' && pattern.test(e.message));
  }
});

test('a slot saved by the previous version (profile JSON) still loads, and the next save rewrites it as a snapshot', async () => {
  const old = await make();
  old.record([COOKING, COOKING, { ...TRAVEL, type: 'hide' }]);
  old.adjust({ topic: 'sports', preference: 'never' });
  const ranking = old.rerank(FEED);
  const saved = content(old);
  const s = store();
  // Exactly what the previous version wrote: store format 1 with the profile JSON.
  s.map.set(SLOT_A, encodeJsonSlot(4, JSON.stringify(old.exportProfile()), 'old-tab', T0, 2));
  old.dispose();
  const { seen, on } = recorder();
  const p = await make({ storage: s.adapter, on });
  assert.deepEqual(seen['profile-reset'], []);
  assert.deepEqual(seen.error, []);
  assert.deepEqual(content(p), saved);
  assert.deepEqual(p.rerank(FEED), ranking);
  p.record(TRAVEL);
  await p.flush();
  const header = JSON.parse(s.map.get(SLOT_B).slice(0, s.map.get(SLOT_B).indexOf('\n')));
  assert.equal(header.version, 2, 'the next save is in store format 2');
  assert.equal(header.seq, 5);
  assert.equal(header.snapshotVersion, SNAPSHOT_VERSION);
  const q = await make({ storage: s.adapter });
  assert.equal(q.profile().totalEvents, 4);
  assert.deepEqual(content(q), content(p));
  p.dispose();
  q.dispose();
});

test('binary adapters (memoryStorage, binary: true) get the snapshot as bytes, others as base64 text', async () => {
  const shared = memoryStorage();
  const text = store();
  const bytes = store({ binary: true });
  for (const storage of [shared, text.adapter, bytes.adapter]) {
    const p = await make({ storage });
    p.record([COOKING, TRAVEL]);
    await p.flush();
    p.dispose();
  }
  const raw = shared.get(SLOT_A);
  assert.ok(raw instanceof Uint8Array);
  assert.equal(new TextDecoder().decode(raw.subarray(0, 4)), 'LRST');
  assert.ok(bytes.map.get(SLOT_A) instanceof Uint8Array);
  const t = text.map.get(SLOT_A);
  assert.equal(typeof t, 'string');
  assert.match(t, /^\{"format":"localrank.store","version":2,.*\}\n[A-Za-z0-9+/]+=*$/s);
  // The same profile in either form.
  const fromText = await make({ storage: text.adapter });
  const fromBytes = await make({ storage: bytes.adapter });
  const fromMemory = await make({ storage: shared });
  assert.deepEqual(content(fromText), content(fromBytes));
  assert.deepEqual(content(fromMemory), content(fromBytes));
  assert.equal(fromBytes.profile().totalEvents, 2);
  for (const x of [fromText, fromBytes, fromMemory]) x.dispose();
});

test('a binary adapter may give the bytes back as an ArrayBuffer or an unaligned view', async () => {
  for (const shape of ['ArrayBuffer', 'unaligned view']) {
    const map = new Map();
    const adapter = {
      binary: true,
      get: (k) => {
        const v = map.get(k) ?? null;
        if (!(v instanceof Uint8Array)) return v;
        if (shape === 'ArrayBuffer') return v.slice().buffer;
        // A view at an odd offset, as a pooled Node Buffer can be.
        const padded = new Uint8Array(v.length + 3);
        padded.set(v, 3);
        return padded.subarray(3);
      },
      set: (k, v) => { map.set(k, v); },
      delete: (k) => { map.delete(k); },
    };
    const p = await make({ storage: adapter });
    p.record([COOKING, COOKING]);
    await p.flush();
    const { seen, on } = recorder();
    const q = await make({ storage: adapter, on });
    assert.deepEqual(seen.error, [], shape);
    assert.deepEqual(content(q), content(p), shape);
    p.dispose();
    q.dispose();
  }
});

test('a damaged binary save falls back to the previous one and says so', async () => {
  const s = store({ binary: true });
  const p = await make({ storage: s.adapter });
  p.record(COOKING);
  await p.flush(); // slot a
  const previous = content(p);
  p.record(TRAVEL);
  await p.flush(); // slot b
  p.dispose();
  s.map.set(SLOT_B, flipByte(s.map.get(SLOT_B)));
  const { seen, on } = recorder();
  const q = await make({ storage: s.adapter, on });
  assert.deepEqual(content(q), previous);
  assert.deepEqual(seen['profile-reset'], []);
  assert.equal(seen.error.length, 1);
  assert.equal(seen.error[0].code, 'CORRUPT_PROFILE');
  assert.match(seen.error[0].message, /slot b does not match its checksum/);
  q.dispose();
});

test('an intact save the core refuses falls back to the previous one, naming the field', async () => {
  const s = store();
  const p = await make({ storage: s.adapter });
  p.record(COOKING);
  await p.flush(); // slot a, seq 1
  const previous = content(p);
  p.dispose();
  // A newer save whose checksum is right but whose snapshot is not one.
  const bogus = new Uint8Array(32);
  bogus.set([0x4c, 0x52, 0x50, 0x53, 1, 0, 0, 0, 32, 0, 0, 0, 1, 0, 0, 0, 0x4e, 0x41, 0x4d, 0x45, 0xff, 0xff, 0, 0]);
  s.map.set(SLOT_B, encodeSlot(2, bogus, 'w', T0, SNAPSHOT_VERSION, false));
  const { seen, on } = recorder();
  const q = await make({ storage: s.adapter, on });
  assert.deepEqual(content(q), previous);
  assert.equal(seen.error.length, 1);
  assert.match(seen.error[0].message, /slot b: snapshot\.sections\[0\]/);
  q.dispose();
});
