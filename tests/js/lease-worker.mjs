// SPDX-License-Identifier: MIT
// One "tab" of tests/js/lease.test.mjs: a personalizer in its own worker thread
// (its own realm: no lock shared in memory with the other) over a store of
// files that several threads share, excluded only by the lease written
// through the adapter.
import { workerData, parentPort } from 'node:worker_threads';
import { fileStore } from './lease-store.mjs';
import { make, T0 } from './helpers.mjs';

const { dir, topic, rounds, namespace } = workerData;
const p = await make({ storage: fileStore(dir, 8), namespace, storageTimeoutMs: 3000 });
let failed = 0;
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < 5; k++) p.record({ type: 'click', topics: { [topic]: 1 }, at: T0 - round * 5 - k });
  await p.flush().catch(() => { failed++; });
}
for (let i = 0; ; i++) {
  try {
    await p.flush();
    break;
  } catch (e) {
    if (i === 20) throw e;
  }
}
p.dispose();
parentPort?.postMessage({ failed });
