// SPDX-License-Identifier: MIT
// Run in a fresh Node process by node-bench.mjs: import the package, create a
// personalizer (reads, compiles and instantiates the .wasm) and rerank 1,000
// candidates once. Prints the times as JSON.
import { NOW, DIM, makeItems } from './workload.mjs';

const items = makeItems(1000);
const t0 = performance.now();
const { createPersonalizer } = await import('localrank');
const t1 = performance.now();
const p = await createPersonalizer({ storage: 'memory', dim: DIM, now: () => NOW, consent: { personalization: true }, autosaveMs: 0 });
const t2 = performance.now();
p.rerank(items, { diversity: 0.3 });
const t3 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, createMs: t2 - t1, firstRerankMs: t3 - t2, totalMs: t3 - t0 }));
