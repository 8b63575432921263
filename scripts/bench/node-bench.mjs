// SPDX-License-Identifier: MIT
// Node benchmark of the BUILT package (imported as `localrank`) against the
// plain JavaScript baseline, on the workload of workload.mjs. Prints a table
// and writes the figures as JSON. Usage:
//   node scripts/bench/node-bench.mjs [--quick] [--out FILE] [--memory-runs N]
import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { createPersonalizer, memoryStorage } from 'localrank';
import { NOW, DIM, RERANK, RERANK_DEFAULT, makeItems, makeEvents, packItems } from './workload.mjs';
import { PlainReranker } from './baseline.mjs';
import { shippedSize, SHIPPED_BUDGET_BYTES, SHIPPED_TARGET_BYTES } from '../lib/package-files.mjs';

// Captures the wasm memory of every instance, to watch its size over many calls.
const memories = [];
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (...args) {
  const result = await instantiate.apply(this, args);
  const instance = result.instance ?? result;
  for (const v of Object.values(instance.exports)) if (v instanceof WebAssembly.Memory) memories.push(v);
  return result;
};

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const argValue = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = argValue('--out', join(root, 'build', 'bench', quick ? 'node-quick.json' : 'node.json'));
const memoryRuns = Number(argValue('--memory-runs', quick ? 200 : 100000));
const RUNS = quick ? 5 : 200;
const WARMUP = quick ? 2 : 50;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/**
 * Times the named functions in interleaved rounds (rotating the order each
 * round) so that machine load affects all of them alike; returns per-name
 * median and p90 in ms.
 */
function compare(fns, { runs = RUNS, warmup = WARMUP } = {}) {
  const names = Object.keys(fns);
  for (let w = 0; w < warmup; w++) for (const n of names) fns[n]();
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(r + k) % names.length];
      const t0 = performance.now();
      fns[n]();
      times[n].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { median: median(times[n]), p90: quantile(times[n], 0.9), runs }]));
}

/** Median time per call in ms of a very short operation, timed in blocks. */
function perCall(fn, { blocks = quick ? 5 : 50, perBlock = quick ? 100 : 1000 } = {}) {
  for (let i = 0; i < perBlock; i++) fn(i);
  const samples = [];
  let i = 0;
  for (let b = 0; b < blocks; b++) {
    const t0 = performance.now();
    for (let k = 0; k < perBlock; k++) fn(i++);
    samples.push((performance.now() - t0) / perBlock);
  }
  return { median: median(samples), blocks, perBlock };
}

async function trainedPersonalizer(events, extra = {}) {
  const p = await createPersonalizer({
    storage: 'memory', dim: DIM, seed: 1, now: () => NOW, consent: { personalization: true }, autosaveMs: 0, ...extra,
  });
  for (let i = 0; i < events.length; i += 5000) p.record(events.slice(i, i + 5000));
  return p;
}

const topIds = (ranked, k) => ranked.slice(0, k).map((r) => r.id);
const TOP_READ = 50;
let sink = 0;
/**
 * What a web app does with plain item objects: rerank them and read the top
 * results, here the reasons of the top 50 (as a "why" view or a log would).
 */
function rerankAndRead(p, items) {
  const ranked = p.rerank(items, RERANK);
  for (let r = 0; r < Math.min(TOP_READ, ranked.length); r++) {
    for (const reason of ranked[r].reasons) sink += reason.contribution;
  }
  return ranked;
}

const results = {
  machine: {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadBefore: os.loadavg(),
    date: new Date().toISOString(),
  },
  settings: { runs: RUNS, warmup: WARMUP, quick, rerank: RERANK, rerankDefault: RERANK_DEFAULT },
  pipeline: {},
};
const log = (...xs) => console.log(...xs);

const events = makeEvents(5000);
const wasmPath = join(root, 'wasm', 'dist', 'localrank_core.wasm');

// 1. Full pipeline at 100 / 1,000 / 10,000 candidates: objects, packed, baseline.
for (const n of quick ? [100, 1000] : [100, 1000, 10000]) {
  const p = await trainedPersonalizer(events);
  const items = makeItems(n);
  const packed = packItems(p, items);
  const baseline = new PlainReranker(p.exportProfile());
  const ours = p.rerank(items, RERANK);
  const theirs = baseline.rerank(items, { now: NOW, ...RERANK });
  const k = Math.min(50, n);
  const same = topIds(ours, k).every((id, i) => id === topIds(theirs, k)[i]);
  const overlap = topIds(ours, k).filter((id) => new Set(topIds(theirs, k)).has(id)).length;
  const allSame = ours.length === theirs.length && ours.every((r, i) => r.id === theirs[i].id);
  let maxScoreDiff = 0;
  for (let i = 0; i < ours.length; i++) maxScoreDiff = Math.max(maxScoreDiff, Math.abs(ours[i].score - theirs[i].score));
  const packedSame = Array.from(p.rerankPacked(packed, RERANK).order).every((idx, r) => idx === ours[r].originalIndex);
  // The same checks at the package default (topK 100).
  const oursDefault = p.rerank(items, RERANK_DEFAULT);
  const theirsDefault = baseline.rerank(items, { now: NOW, ...RERANK_DEFAULT });
  const defaultSame = oursDefault.length === theirsDefault.length && oursDefault.every((r, i) => r.id === theirsDefault[i].id);
  const defaultPackedSame = Array.from(p.rerankPacked(packed, RERANK_DEFAULT).order).every((idx, r) => idx === oursDefault[r].originalIndex);
  // localrank alone, many runs; then all three interleaved, fewer runs (the
  // baseline's greedy MMR takes up to seconds at 10,000): the ratios come from those rounds.
  const runs = n === 10000 ? Math.max(5, RUNS / 4) : RUNS;
  const t = compare({
    objects: () => rerankAndRead(p, items),
    packed: () => p.rerankPacked(packed, RERANK),
    objectsDefault: () => p.rerank(items, RERANK_DEFAULT),
    packedDefault: () => p.rerankPacked(packed, RERANK_DEFAULT),
  }, { runs, warmup: Math.min(WARMUP, runs) });
  const baseRuns = quick ? 2 : n === 100 ? 100 : n === 1000 ? 15 : 3;
  const three = compare({
    objects: () => rerankAndRead(p, items),
    packed: () => p.rerankPacked(packed, RERANK),
    baseline: () => baseline.rerank(items, { now: NOW, ...RERANK }),
  }, { runs: baseRuns, warmup: 1 });
  results.pipeline[n] = {
    ...t,
    baseline: three.baseline,
    sameRounds: three,
    speedupObjects: three.baseline.median / three.objects.median,
    speedupPacked: three.baseline.median / three.packed.median,
    top50SameOrder: same, top50Overlap: overlap, fullOrderSame: allSame, maxScoreDiff, packedSameAsObjects: packedSame,
    defaultFullOrderSame: defaultSame, defaultPackedSameAsObjects: defaultPackedSame,
  };
  log(`n=${n}: objects ${t.objects.median.toFixed(3)} ms, packed ${t.packed.median.toFixed(3)} ms, baseline ${three.baseline.median.toFixed(3)} ms` +
    ` (x${results.pipeline[n].speedupObjects.toFixed(2)} / x${results.pipeline[n].speedupPacked.toFixed(2)}); top-${k} same order: ${same} (overlap ${overlap}), all ${n} same: ${allSame}, max score diff ${maxScoreDiff.toExponential(1)}` +
    `; default topK: objects ${t.objectsDefault.median.toFixed(3)} ms, packed ${t.packedDefault.median.toFixed(3)} ms, all ${n} same as baseline: ${defaultSame}`);
  p.dispose();
}

// 2. Linear growth: packed and objects from 100 to 10,000 candidates. Every
// round times every size once (the sizes' order rotating, objects and packed
// alternating), so that a change of the machine's speed during the
// measurement reaches all sizes alike instead of bending the line. Each timed
// call follows an untimed one of the same size and kind, so that it finds
// the caches as a repeated call of that size would.
{
  const p = await trainedPersonalizer(events);
  const sizes = quick ? [100, 1000] : [100, 250, 500, 1000, 2500, 5000, 7500, 10000];
  const inputs = sizes.map((n) => {
    const items = makeItems(n, 3);
    return { n, items, packed: packItems(p, items) };
  });
  const rounds = quick ? 3 : 60;
  const times = inputs.map(() => ({ objects: [], packed: [] }));
  for (let r = -3; r < rounds; r++) {
    for (let q = 0; q < inputs.length; q++) {
      const j = (q + Math.max(r, 0)) % inputs.length;
      const { items, packed } = inputs[j];
      const calls = [['objects', () => rerankAndRead(p, items)], ['packed', () => p.rerankPacked(packed, RERANK)]];
      if (r % 2) calls.reverse();
      for (const [key, fn] of calls) {
        fn();
        const t0 = performance.now();
        fn();
        const dt = performance.now() - t0;
        if (r >= 0) times[j][key].push(dt);  // rounds below 0 are the warm-up
      }
    }
  }
  results.scalingRounds = rounds;
  results.scaling = inputs.map(({ n }, j) => ({ n, objects: median(times[j].objects), packed: median(times[j].packed) }));
  const fit = (key) => {
    const xs = results.scaling.map((s) => s.n), ys = results.scaling.map((s) => s[key]);
    const mx = xs.reduce((a, b) => a + b) / xs.length, my = ys.reduce((a, b) => a + b) / ys.length;
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < xs.length; i++) { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) ** 2; syy += (ys[i] - my) ** 2; }
    const slope = sxy / sxx;
    return { msPerItem: slope, interceptMs: my - slope * mx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1 };
  };
  results.scalingFit = { objects: fit('objects'), packed: fit('packed') };
  log('scaling', results.scaling.map((s) => `${s.n}: ${s.objects.toFixed(3)}/${s.packed.toFixed(3)}`).join(', '),
    `R² objects ${results.scalingFit.objects.r2.toFixed(4)}, packed ${results.scalingFit.packed.r2.toFixed(4)}`);
  p.dispose();
}

// 3. record() of one event, and save + load of a 10,000-event profile.
{
  const p = await trainedPersonalizer(events);
  const one = makeEvents(1000, 9);
  results.recordOne = perCall((i) => p.record(one[i % one.length]));
  log(`record one event: ${(results.recordOne.median * 1000).toFixed(2)} µs`);
  // record() of a click on a ranked item, which also updates the person's
  // model (a choice among the ranks down to it, core/src/rank/model.cpp):
  // after each (untimed) rerank of 1,000 at defaults, clicks on the items at
  // ranks 0..99 in turn, each learnt from once.
  {
    const items = makeItems(1000, 5);
    const samples = [];
    const blocks = quick ? 5 : 50;
    for (let b = 0; b < blocks + 2; b++) {
      const clicks = p.rerank(items, RERANK_DEFAULT).slice(0, 100).map((r) => {
        const it = items[r.originalIndex];
        return { type: 'click', itemId: it.id, topics: it.topics, creatorId: it.creatorId, embedding: it.embedding, at: NOW };
      });
      const t0 = performance.now();
      for (const e of clicks) p.record(e);
      if (b >= 2) samples.push((performance.now() - t0) / clicks.length);
    }
    results.recordLearn = { median: median(samples), blocks, perBlock: 100 };
    log(`record one click on a ranked item (with the model update): ${(results.recordLearn.median * 1000).toFixed(2)} µs`);
  }
  p.dispose();

  // Save = flush() of a changed profile through the persistence layer (binary
  // snapshot, checksummed slot, write, read-back) into memoryStorage() (a
  // binary adapter: the slot is bytes); load = a new personalizer reading it
  // back (both slots checked, snapshot import). The same through an adapter
  // that stores only strings (base64 slots, as localStorage), and the JSON
  // import (importProfile) alone.
  const storage = memoryStorage();
  const texts = new Map();
  const textStorage = { get: (k) => texts.get(k) ?? null, set: (k, v) => { texts.set(k, v); }, delete: (k) => { texts.delete(k); } };
  const config = { maxEvents: 10000 };
  const big = await trainedPersonalizer(makeEvents(10000, 4), { config, storage });
  await big.flush();
  const bigText = await trainedPersonalizer(makeEvents(10000, 4), { config, storage: textStorage });
  await bigText.flush();
  const text = JSON.stringify(big.exportProfile());
  const stored = big.profile({ top: 0 }).storedEvents;
  const saves = [], loads = [], imports = [], textSaves = [], textLoads = [];
  const fresh = await createPersonalizer({ storage: 'memory', dim: DIM, now: () => NOW, consent: { personalization: true }, autosaveMs: 0, config });
  const rounds = quick ? 3 : 40;
  for (let r = 0; r < rounds + 3; r++) {
    big.adjust({ topic: 'topic1', preference: r % 2 ? 'more' : 'less' });
    let t0 = performance.now();
    await big.flush();
    const save = performance.now() - t0;
    t0 = performance.now();
    const loaded = await createPersonalizer({ storage, dim: DIM, now: () => NOW, consent: { personalization: true }, autosaveMs: 0, config });
    const load = performance.now() - t0;
    if (r === 0 && loaded.profile({ top: 0 }).storedEvents !== stored) throw new Error('the loaded profile lost events');
    loaded.dispose();
    bigText.adjust({ topic: 'topic1', preference: r % 2 ? 'more' : 'less' });
    t0 = performance.now();
    await bigText.flush();
    const textSave = performance.now() - t0;
    t0 = performance.now();
    const loadedText = await createPersonalizer({ storage: textStorage, dim: DIM, now: () => NOW, consent: { personalization: true }, autosaveMs: 0, config });
    const textLoad = performance.now() - t0;
    if (r === 0 && loadedText.profile({ top: 0 }).storedEvents !== stored) throw new Error('the loaded profile lost events');
    loadedText.dispose();
    if (r >= 3) { saves.push(save); loads.push(load); textSaves.push(textSave); textLoads.push(textLoad); }
  }
  // The JSON import on its own (its garbage would otherwise land in the rounds above).
  for (let r = 0; r < rounds + 3; r++) {
    const t0 = performance.now();
    fresh.importProfile(text);
    if (r >= 3) imports.push(performance.now() - t0);
  }
  const stat = (xs) => ({ median: median(xs), p90: quantile(xs, 0.9), runs: xs.length });
  // The floor of any JSON format: V8's own (native) JSON.parse / stringify of the same text.
  const obj = JSON.parse(text);
  const floor = compare({ parse: () => JSON.parse(text), stringify: () => JSON.stringify(obj) }, { runs: rounds, warmup: 3 });
  const slot = storage.get('localrank:slot:a') ?? storage.get('localrank:slot:b');
  const textSlot = texts.get('localrank:slot:a') ?? texts.get('localrank:slot:b');
  results.profile10k = {
    storedEvents: stored, bytes: text.length, slotBytes: slot.length, textSlotChars: textSlot.length,
    save: stat(saves), load: stat(loads), textSave: stat(textSaves), textLoad: stat(textLoads), jsonImport: stat(imports),
    v8JsonParse: floor.parse, v8JsonStringify: floor.stringify,
  };
  log(`10k-event profile (${stored} stored; JSON ${(text.length / 1024).toFixed(0)} KB, slot ${(slot.length / 1024).toFixed(0)} KB): save ${median(saves).toFixed(2)} ms, load ${median(loads).toFixed(2)} ms;` +
    ` string adapter (base64, ${(textSlot.length / 1024).toFixed(0)} KB): save ${median(textSaves).toFixed(2)} ms, load ${median(textLoads).toFixed(2)} ms;` +
    ` importProfile (JSON) ${median(imports).toFixed(2)} ms; V8 JSON.parse ${floor.parse.median.toFixed(2)}, stringify ${floor.stringify.median.toFixed(2)} ms`);
  big.dispose();
  bigText.dispose();
  fresh.dispose();
}

// 4. Instantiate (compile + instantiate the wasm) + first rerank of 1,000, in
// this process (median) and in a fresh Node process (cold, includes module load).
{
  const wasmBinary = readFileSync(wasmPath);
  const items = makeItems(1000);
  const samples = [];
  for (let r = 0; r < (quick ? 2 : 15); r++) {
    const t0 = performance.now();
    const p = await createPersonalizer({ wasmBinary, storage: 'memory', dim: DIM, now: () => NOW, consent: { personalization: true }, autosaveMs: 0 });
    p.rerank(items, RERANK);
    samples.push(performance.now() - t0);
    p.dispose();
  }
  const cold = JSON.parse(execFileSync(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'cold-start.mjs')], { encoding: 'utf8' }));
  results.startup = { warmProcessMedian: median(samples), runs: samples.length, coldProcess: cold };
  log(`instantiate + first rerank: ${median(samples).toFixed(1)} ms (in process), cold process ${cold.totalMs.toFixed(1)} ms (import ${cold.importMs.toFixed(1)})`);
}

// 5. Shipped size, gzip -9: the .wasm plus the JavaScript a browser loads
// through the package's browser entry, for every page and with aggregate
// reports (bundled with code splitting: scripts/lib/package-files.mjs, the
// same measure as the size budget test),
// and the same entry bundled into one file by esbuild (what a bundling app ships).
{
  const dist = join(root, 'wasm', 'dist');
  const shipped = shippedSize(dist);
  let bundled = null;
  try {
    const { build } = await import('esbuild');
    const b = await build({ entryPoints: [join(dist, 'index.browser.mjs')], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', external: ['*.wasm'] });
    const text = b.outputFiles[0].contents;
    bundled = { raw: text.length, gzip: gzipSync(Buffer.from(text), { level: 9 }).length };
  } catch (e) {
    bundled = { error: String(e) };
  }
  results.size = { ...shipped, targetGzip: SHIPPED_TARGET_BYTES, budgetGzip: SHIPPED_BUDGET_BYTES, bundledJs: bundled, bundledTotalGzip: bundled?.gzip ? shipped.wasmGzip + bundled.gzip : null };
  log(`shipped, gzip -9: wasm ${shipped.wasmGzip} B + JS ${shipped.jsGzip} B (${shipped.files.length - 1} files) = ${(shipped.totalGzip / 1000).toFixed(1)} KB` +
    ` (target ${SHIPPED_TARGET_BYTES} B, regression budget ${SHIPPED_BUDGET_BYTES} B); with aggregate reports ${(shipped.withReportsGzip / 1000).toFixed(1)} KB` +
    ` (the same JS + report chunks and localrank_core_reports.wasm ${shipped.reportGzip} B); as one bundled file (report path included): JS ${bundled?.gzip} B -> ${(((bundled?.gzip ?? 0) + shipped.wasmGzip) / 1000).toFixed(1)} KB`);
}

// 6. Wasm memory over many reranks (packed, 1,000 candidates).
{
  const before = memories.length;
  const p = await trainedPersonalizer(events);
  const mem = memories[memories.length - 1];
  const items = makeItems(1000, 5);
  const packed = packItems(p, items);
  for (let i = 0; i < 1000; i++) p.rerankPacked(packed, RERANK);
  const start = mem.buffer.byteLength;
  const samples = [];
  const t0 = performance.now();
  for (let i = 0; i < memoryRuns; i++) {
    p.rerankPacked(packed, RERANK);
    if (i % Math.max(1, memoryRuns / 20) === 0) samples.push(mem.buffer.byteLength);
  }
  const end = mem.buffer.byteLength;
  results.memory = {
    reranks: memoryRuns, startBytes: start, endBytes: end, maxBytes: Math.max(...samples, end),
    changePercent: ((end - start) / start) * 100, seconds: (performance.now() - t0) / 1000, instanceCaptured: memories.length > before,
  };
  log(`wasm memory over ${memoryRuns} reranks: ${start} -> ${end} bytes (${results.memory.changePercent.toFixed(2)}%)`);
  p.dispose();
}

results.machine.loadAfter = os.loadavg();
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2));
log(`wrote ${out}`);
