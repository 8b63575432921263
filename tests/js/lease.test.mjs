// SPDX-License-Identifier: MIT
// Two personalizers in separate realms (worker threads: no lock in memory is
// shared) over one store of files, with no Web Locks: only the lease written
// through the adapter (wasm/src/lock.js) keeps them from overwriting each
// other's saves. Every event of 20 rounds must be kept, none twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileStore } from './lease-store.mjs';
import { make } from './helpers.mjs';

test('two realms over one store without Web Locks (the lease through the adapter) keep every event of 20 rounds', { timeout: 180000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'localrank-lease-'));
  try {
    const run = (topic) => new Promise((resolve, reject) => {
      const w = new Worker(new URL('./lease-worker.mjs', import.meta.url), { workerData: { dir, topic, rounds: 20, namespace: 'lease' } });
      w.once('message', resolve);
      w.once('error', reject);
    });
    await Promise.all([run('tab0'), run('tab1')]);
    const r = await make({ storage: fileStore(dir), namespace: 'lease' });
    const view = r.profile();
    r.dispose();
    assert.equal(view.totalEvents, 200);
    assert.deepEqual(view.topics.map((x) => [x.name, x.events]).sort(), [['tab0', 100], ['tab1', 100]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
