// SPDX-License-Identifier: MIT
// Consent across tabs: personalizers sharing a storage hear each other's
// consent changes at once (BroadcastChannel), so a withdrawal in one tab stops
// profiling in all of them and empties their in-memory profiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make, FEED } from './helpers.mjs';

/** A storage adapter shared by several "tabs" of one origin. */
function sharedStore() {
  const map = new Map();
  return {
    get: async (k) => (map.has(k) ? map.get(k) : null),
    set: async (k, v) => { map.set(k, v); },
    delete: async (k) => { map.delete(k); },
    keys: async () => [...map.keys()],
  };
}

const COOKING = { type: 'like', itemId: 'x', topics: { cooking: 1 } };

/**
 * Resolves with the next `consent` event of `p`, rejects after 3 s. The
 * channel does not keep Node's event loop alive (it is unref'd, as it should
 * be), so a timer does.
 */
const nextConsent = (p) => new Promise((resolve, reject) => {
  const alive = setInterval(() => {}, 5);
  const timeout = setTimeout(() => { off(); clearInterval(alive); reject(new Error('no consent event within 3 s')); }, 3000);
  const off = p.on('consent', (d) => { off(); clearInterval(alive); clearTimeout(timeout); resolve(d); });
});

test('withdrawing personalization in one tab stops profiling in the other and empties its profile', { timeout: 10000 }, async () => {
  const storage = sharedStore();
  const a = await make({ storage, namespace: 'sync' });
  const b = await make({ storage, namespace: 'sync' });
  const granted = nextConsent(b);
  await a.consent.set({ personalization: true });
  await granted;
  b.record([COOKING, COOKING]);
  assert.equal(b.profile().totalEvents, 2);

  const heard = nextConsent(b);
  await a.consent.set({ personalization: false });
  const detail = await heard;
  assert.equal(detail.personalization, false);
  assert.equal(b.consent.get().personalization, false);
  assert.equal(b.profile().totalEvents, 0, "b's unsaved events are gone too");
  assert.equal(b.record(COOKING), 0, 'b no longer records');
  assert.deepEqual(b.rerank(FEED).map((r) => r.reasons[0].kind), FEED.map(() => 'notPersonalized'));
  await b.flush();
  const c = await make({ storage, namespace: 'sync', consent: undefined });
  assert.equal(c.consent.get().personalization, false);
  assert.equal(c.profile().totalEvents, 0, 'nothing was written back');
  for (const x of [a, b, c]) x.dispose();
});

test('granting in one tab applies in the other; forget() there resets both to nothing granted', { timeout: 10000 }, async () => {
  const storage = sharedStore();
  const a = await make({ storage, namespace: 'grant', consent: undefined });
  const b = await make({ storage, namespace: 'grant', consent: undefined });
  assert.equal(b.consent.get().personalization, false);
  let heard = nextConsent(b);
  const given = await a.consent.set({ personalization: true, aggregateMeasurement: true });
  const detail = await heard;
  assert.deepEqual(detail, given, 'b holds the very record a stored');
  b.record(COOKING);
  assert.equal(b.profile().totalEvents, 1);

  heard = nextConsent(b);
  await a.forget();
  assert.deepEqual(await heard, { ...given, personalization: false, aggregateMeasurement: false, updatedAt: null });
  assert.equal(b.profile().totalEvents, 0);
  for (const x of [a, b]) x.dispose();
});

test('a record given under another policy version is not applied in other tabs', { timeout: 10000 }, async () => {
  const storage = sharedStore();
  const v1 = await make({ storage, namespace: 'policy' });
  const v2 = await make({ storage, namespace: 'policy', consent: undefined, privacy: { policyVersion: '2' } });
  const v2b = await make({ storage, namespace: 'policy', consent: undefined, privacy: { policyVersion: '2' } });
  const seenByV1 = [];
  v1.on('consent', (d) => seenByV1.push(d));
  const heard = nextConsent(v2);
  await v2b.consent.set({ personalization: false, aggregateMeasurement: true });
  assert.equal((await heard).aggregateMeasurement, true, 'the same policy version applies');
  assert.deepEqual(seenByV1, [], 'policy 1 ignores a record given under policy 2');
  assert.equal(v1.consent.get().personalization, true);
  for (const x of [v1, v2, v2b]) x.dispose();
});
