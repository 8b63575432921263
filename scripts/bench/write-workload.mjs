// SPDX-License-Identifier: MIT
// Writes the benchmark workload as JSON for the native benchmark (the same
// events and candidates the Node benchmark uses). Usage: node write-workload.mjs DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOW, DIM, RERANK, makeItems, makeEvents } from './workload.mjs';

const dir = process.argv[2] ?? 'build/bench';
mkdirSync(dir, { recursive: true });
const events = makeEvents(5000);
const config = { dim: DIM, seed: 1 };
for (const n of [100, 250, 500, 1000, 2500, 5000, 7500, 10000]) {
  // Sizes other than the three headline ones use the scaling feed (seed 3), like node-bench.mjs.
  const items = makeItems(n, [100, 1000, 10000].includes(n) ? 1 : 3);
  writeFileSync(join(dir, `workload-${n}.json`), JSON.stringify({ config, now: NOW, options: RERANK, events, items }));
}
// record() of one event: the same 1,000 fresh events node-bench.mjs records one at a time.
writeFileSync(join(dir, 'record-1000.json'), JSON.stringify({ config, now: NOW, options: {}, events: makeEvents(1000, 9), items: [] }));
writeFileSync(join(dir, 'profile-10000.json'), JSON.stringify({ config, now: NOW, options: {}, events: makeEvents(10000, 4), items: [] }));
