// SPDX-License-Identifier: MIT
// Turns build/bench/node.json + native.json into the Markdown tables of
// BENCHMARKS.md (each figure next to its target, and by how much it is met
// or missed). Usage: node report.mjs NODE.json NATIVE.json > tables.md
import { readFileSync } from 'node:fs';

const [nodeFile, nativeFile] = process.argv.slice(2);
const node = JSON.parse(readFileSync(nodeFile, 'utf8'));
const native = JSON.parse(readFileSync(nativeFile, 'utf8'));

/** Native median CPU time in ms of a benchmark run name. */
function nat(name) {
  const b = native.benchmarks.find((x) => (x.run_name ?? x.name) === name && (x.aggregate_name === 'median' || x.run_type !== 'aggregate'));
  if (!b) return NaN;
  const scale = { ns: 1e-6, us: 1e-3, ms: 1 }[b.time_unit] ?? 1;
  return b.cpu_time * scale;
}

const ms = (v) => (v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const us = (v) => (v * 1000).toFixed(2);
/** "met (x0.42 of target)" or "missed by x2.1" for a maximum target. */
const vsMax = (value, target) => (value <= target ? `met (${((value / target) * 100).toFixed(0)}% of target)` : `**missed**: ${(value / target).toFixed(2)}× the target`);
const vsMin = (value, target) => (value >= target ? `met (${value.toFixed(2)}×)` : `**missed**: ${value.toFixed(2)}× instead of ${target}×`);

const out = [];
const p = (s = '') => out.push(s);
const m = node.machine;
p(`Machine: ${m.nproc} cores, ${m.cpu}, Node ${m.node}; load average (1/5/15 min) ${m.loadBefore.map((x) => x.toFixed(2)).join(' / ')} before, ` +
  `${m.loadAfter.map((x) => x.toFixed(2)).join(' / ')} after the Node run; ${m.date}. Native: g++ -O3, Google Benchmark, ` +
  `CPU-time medians (native load average ${native.context.load_avg?.map((x) => x.toFixed(2)).join(' / ') ?? 'n/a'}).`);
p();
const rr = node.settings.rerank ?? { topK: 50 };
p(`### Full pipeline (score with fatigue, filter, MMR over the first ${rr.topK} slots with creator decay and the topic cap, reasons), median ms`);
p();
p('| candidates | plain objects | packed API | native core | plain JS baseline | baseline ÷ objects | baseline ÷ packed | packed ÷ native | same ranking as baseline |');
p('|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const [n, r] of Object.entries(node.pipeline)) {
  const nv = nat(`BM_Rerank/${n}`);
  p(`| ${n} | ${ms(r.objects.median)} | ${ms(r.packed.median)} | ${ms(nv)} | ${ms(r.baseline.median)} | ${r.speedupObjects.toFixed(2)}× | ${r.speedupPacked.toFixed(2)}× | ${(r.packed.median / nv).toFixed(2)}× | ${r.top50SameOrder ? 'top 50 in the same order' : `no: ${r.top50Overlap}/50 of the top 50 shared`}${r.fullOrderSame ? `; all ${n} in the same order` : ''} (scores within ${r.maxScoreDiff?.toExponential(0)}) |`);
}
p();
p('### The same at the package default (topK 100), median ms');
p();
p('| candidates | plain objects | packed API | native core | packed ÷ native | same ranking as baseline |');
p('|---:|---:|---:|---:|---:|---|');
for (const [n, r] of Object.entries(node.pipeline)) {
  if (!r.packedDefault) continue;
  const nv = nat(`BM_RerankDefaultTopK/${n}`);
  p(`| ${n} | ${ms(r.objectsDefault.median)} | ${ms(r.packedDefault.median)} | ${ms(nv)} | ${(r.packedDefault.median / nv).toFixed(2)}× | ${r.defaultFullOrderSame ? `all ${n} in the same order` : '**no**'} |`);
}
p();
const r1 = node.pipeline[1000];
const n1 = nat('BM_Rerank/1000');
p('### Targets');
p();
p('| target | measured | verdict |');
p('|---|---:|---|');
p(`| 1,000 candidates from plain objects ≤ 1.0 ms | ${ms(r1.objects.median)} ms | ${vsMax(r1.objects.median, 1.0)} |`);
p(`| 1,000 candidates through the packed API ≤ 0.4 ms | ${ms(r1.packed.median)} ms | ${vsMax(r1.packed.median, 0.4)} |`);
p(`| ≥ 3× faster than the plain JS baseline (objects / packed) | ${r1.speedupObjects.toFixed(2)}× / ${r1.speedupPacked.toFixed(2)}× | ${vsMin(r1.speedupObjects, 3)} / ${vsMin(r1.speedupPacked, 3)} |`);
p(`| ≤ 1.5× the native build (packed vs native core) | ${(r1.packed.median / n1).toFixed(2)}× | ${vsMax(r1.packed.median / n1, 1.5)} |`);
p(`| record() of one event ≤ 5 µs | ${us(node.recordOne.median)} µs (native core ${us(nat('BM_RecordOneEvent'))} µs) | ${vsMax(node.recordOne.median, 0.005)} |`);
p(`| record() of a click on a ranked item, with the model update, ≤ 5 µs | ${us(node.recordLearn.median)} µs | ${vsMax(node.recordLearn.median, 0.005)} |`);
const pr = node.profile10k;
p(`| save a 10,000-event profile ≤ 5 ms | ${ms(pr.save.median)} ms (binary slot of ${(pr.slotBytes / 1000).toFixed(0)} KB; native snapshot ${ms(nat('BM_SaveSnapshot10k'))} ms; string adapter, base64: ${ms(pr.textSave.median)} ms) | ${vsMax(pr.save.median, 5)} |`);
p(`| load a 10,000-event profile ≤ 5 ms | ${ms(pr.load.median)} ms (native snapshot import ${ms(nat('BM_LoadSnapshot10k'))} ms; string adapter: ${ms(pr.textLoad.median)} ms; importProfile of the ${(pr.bytes / 1000).toFixed(0)} KB JSON ${ms(pr.jsonImport.median)} ms) | ${vsMax(pr.load.median, 5)} |`);
p(`| instantiate + first rerank ≤ 50 ms | ${ms(node.startup.warmProcessMedian)} ms in a running process; ${ms(node.startup.coldProcess.totalMs)} ms in a fresh Node process (import ${ms(node.startup.coldProcess.importMs)}, create ${ms(node.startup.coldProcess.createMs)}, first rerank ${ms(node.startup.coldProcess.firstRerankMs)}) | ${vsMax(node.startup.warmProcessMedian, 50)} |`);
const sz = node.size;
p(`| shipped size ≤ 150 KB gzip (every page) | ${(sz.totalGzip / 1000).toFixed(1)} KB (.wasm ${(sz.wasmGzip / 1000).toFixed(1)} + JS ${(sz.jsGzip / 1000).toFixed(1)}); with aggregate reports ${(sz.withReportsGzip / 1000).toFixed(1)} KB (report chunks + localrank_core_reports.wasm ${(sz.reportGzip / 1000).toFixed(1)}, instead of localrank_core.wasm) | ${vsMax(sz.totalGzip, 150000)} |`);
const f = node.scalingFit;
p(`| linear growth to 10,000 | R² of a straight line: objects ${f.objects.r2.toFixed(4)}, packed ${f.packed.r2.toFixed(4)}; ${us(f.packed.msPerItem)} µs per candidate (packed) | ${f.packed.r2 > 0.99 && f.objects.r2 > 0.99 ? 'met' : '**missed**'} |`);
const mem = node.memory;
p(`| wasm memory flat (±1%) over 100,000 reranks | ${mem.startBytes} → ${mem.endBytes} bytes (${mem.changePercent.toFixed(2)}%) over ${mem.reranks} reranks | ${Math.abs(mem.changePercent) <= 1 && mem.reranks >= 100000 ? 'met' : '**not met / not run in full**'} |`);
p();
p('### Growth with the number of candidates, median ms');
p();
p(`Interleaved rounds (${node.scalingRounds ?? '?'}): every round times every size once. µs per candidate in brackets.`);
p();
p('| candidates | plain objects | packed API | native core |');
p('|---:|---:|---:|---:|');
const per = (t, n) => `${ms(t)} (${((t * 1000) / n).toFixed(2)})`;
for (const s of node.scaling) p(`| ${s.n} | ${per(s.objects, s.n)} | ${per(s.packed, s.n)} | ${per(nat(`BM_Rerank/${s.n}`), s.n)} |`);
p();
p('### Size (bytes)');
p();
p('| file | raw | gzip -9 |');
p('|---|---:|---:|');
for (const r of sz.files) p(`| ${r.file} | ${r.raw} | ${r.gzip} |`);
p(`| esbuild bundle of the browser entry (minified JS) | ${sz.bundledJs.raw} | ${sz.bundledJs.gzip} |`);
console.log(out.join('\n'));
