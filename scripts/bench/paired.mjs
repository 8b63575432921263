// SPDX-License-Identifier: MIT
// The 1,000-candidate figures in rounds that pair the two builds in time:
// each round runs the native benchmark (BM_Rerank/1000) and then a fresh
// Node process timing the packed API and the plain-objects path of the BUILT
// package on the same workload, at the bench's topK 50 and at the package
// default (topK 100), which is where issue 17's targets are set. On a machine whose speed changes from one
// minute to the next (BENCHMARKS.md, "Results"), the per-round ratio and the
// spread over rounds say more than one long run. Called by scripts/bench/run
// (not in --quick mode), after the native benchmark is built and the workload
// files are written. Writes build/bench/paired.json.
// Usage: node scripts/bench/paired.mjs [rounds]   (child: --child)
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'build', 'bench');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (process.argv[2] === '--child') {
  // One fresh process: warm up, then medians of many calls.
  const { createPersonalizer } = await import('localrank');
  const { NOW, DIM, RERANK, RERANK_DEFAULT, makeItems, makeEvents, packItems } = await import('./workload.mjs');
  const p = await createPersonalizer({ storage: 'memory', dim: DIM, seed: 1, now: () => NOW, consent: { personalization: true }, autosaveMs: 0 });
  p.record(makeEvents(5000));
  const items = makeItems(1000);
  const packed = packItems(p, items);
  let sink = 0;
  const objectsWith = (options) => () => {
    const ranked = p.rerank(items, options);
    for (let r = 0; r < 50; r++) for (const reason of ranked[r].reasons) sink += reason.contribution;
  };
  const time = (f, warmup, calls) => {
    for (let i = 0; i < warmup; i++) f();
    const t = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      f();
      t.push(performance.now() - t0);
    }
    return median(t);
  };
  const packedMs = time(() => p.rerankPacked(packed, RERANK), 300, 3000);
  const objectsMs = time(objectsWith(RERANK), 100, 500);
  const packedDefaultMs = time(() => p.rerankPacked(packed, RERANK_DEFAULT), 300, 3000);
  const objectsDefaultMs = time(objectsWith(RERANK_DEFAULT), 100, 500);
  process.stdout.write(JSON.stringify({
    packed: packedMs, objects: objectsMs, packedDefault: packedDefaultMs, objectsDefault: objectsDefaultMs,
    sink: Number.isFinite(sink),
  }));
  process.exit(0);
}

const rounds = Number(process.argv[2] ?? 10);
const native = join(root, 'build', 'bench-native', 'scripts', 'bench', 'native', 'localrank_bench');
const results = [];
for (let r = 0; r < rounds; r++) {
  const n = spawnSync(native, ['--benchmark_filter=BM_Rerank(DefaultTopK)?/1000$', '--benchmark_min_time=0.3', '--benchmark_format=json'], {
    env: { ...process.env, LOCALRANK_BENCH_DIR: out }, encoding: 'utf8',
  });
  if (n.status !== 0) throw new Error(`native benchmark failed: ${n.stderr}`);
  const benchmarks = JSON.parse(n.stdout).benchmarks;
  const ms = (name) => {
    const b = benchmarks.find((x) => x.name === name);
    return b.cpu_time * { ns: 1e-6, us: 1e-3, ms: 1 }[b.time_unit];
  };
  const c = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], { encoding: 'utf8', cwd: root });
  if (c.status !== 0) throw new Error(`node child failed: ${c.stderr}`);
  const w = JSON.parse(c.stdout);
  const nat = ms('BM_Rerank/1000'), natDefault = ms('BM_RerankDefaultTopK/1000');
  results.push({
    native: nat, packed: w.packed, objects: w.objects, ratio: w.packed / nat,
    nativeDefault: natDefault, packedDefault: w.packedDefault, objectsDefault: w.objectsDefault, ratioDefault: w.packedDefault / natDefault,
  });
  const x = results[r];
  console.log(`round ${r + 1}: topK 50: native ${x.native.toFixed(3)} ms, packed ${x.packed.toFixed(3)} ms (${x.ratio.toFixed(2)}x), ` +
    `objects ${x.objects.toFixed(3)} ms; topK 100: native ${x.nativeDefault.toFixed(3)}, packed ${x.packedDefault.toFixed(3)} ` +
    `(${x.ratioDefault.toFixed(2)}x), objects ${x.objectsDefault.toFixed(3)}`);
}
const pick = (k) => results.map((x) => x[k]);
const keys = ['native', 'packed', 'objects', 'ratio', 'nativeDefault', 'packedDefault', 'objectsDefault', 'ratioDefault'];
const summary = {
  rounds,
  median: Object.fromEntries(keys.map((k) => [k, median(pick(k))])),
  range: Object.fromEntries(keys.map((k) => [k, [Math.min(...pick(k)), Math.max(...pick(k))]])),
  results,
};
writeFileSync(join(out, 'paired.json'), JSON.stringify(summary, null, 2));
const m = summary.median;
console.log(`paired rounds at 1,000 (medians of ${rounds}): topK 50: native ${m.native.toFixed(3)} ms, packed ${m.packed.toFixed(3)} ms, ` +
  `packed/native ${m.ratio.toFixed(2)}x (${summary.range.ratio.map((x) => x.toFixed(2)).join('-')}), objects ${m.objects.toFixed(3)} ms; ` +
  `topK 100 (defaults): native ${m.nativeDefault.toFixed(3)} ms, packed ${m.packedDefault.toFixed(3)} ms, ` +
  `packed/native ${m.ratioDefault.toFixed(2)}x, objects ${m.objectsDefault.toFixed(3)} ms`);
