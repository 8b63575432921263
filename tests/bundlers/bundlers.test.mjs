// SPDX-License-Identifier: MIT
// The packed tarball as web developers meet it: installed into a fresh Vite,
// esbuild, webpack 5 and Rollup app (tools from the workspace's node_modules,
// so no network per run), built as docs/integration.md says, served under
// `script-src 'self' 'wasm-unsafe-eval'` and loaded in Chromium, where each
// page reranks on the main thread and in a Web Worker, and builds an aggregate
// report on both (the report module, a second .wasm, emitted by the bundler and
// fetched on demand), with no CSP violation and no console error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { build as viteBuild, createServer as viteServer } from 'vite';
import webpack from 'webpack';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { importMetaAssets } from '@web/rollup-plugin-import-meta-assets';
import { launch, watchProblems, watchCsp, cspViolations } from '../browser/browser.mjs';
import { serveStatic, STRICT_CSP } from '../browser/static-server.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const APP = fileURLToPath(new URL('./app', import.meta.url));
let work, tarball, browser;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'localrank-bundlers-'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: join(ROOT, 'wasm'), stdio: ['ignore', 'ignore', 'inherit'] });
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A fresh app folder with the app sources and the tarball installed, as `npm install localrank` would. */
function freshApp(name) {
  const dir = join(work, name);
  cpSync(APP, dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--no-package-lock', tarball], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

/** Serves a build under the strict CSP, loads it, and returns what the page reported. */
async function runPage(dist) {
  const server = await serveStatic({ mounts: { '/': dist } });
  try {
    return { ...await loadPage(server.base, server.cspReports), requests: server.requests };
  } finally {
    await server.close();
  }
}

/**
 * The emitted .wasm (names hashed by some bundlers) are the package's two
 * device modules: localrank_core.wasm and localrank_core_reports.wasm.
 * @param {string} dir  the app @param {string} out  where the bundler put them
 */
function assertBothDeviceModules(dir, out) {
  const pkg = join(dir, 'node_modules', 'localrank', 'dist');
  const sizes = (/** @type {string} */ d, /** @type {string[]} */ files) => files.map((f) => readFileSync(join(d, f)).length).sort((a, b) => a - b);
  const emitted = readdirSync(out).filter((f) => f.endsWith('.wasm'));
  assert.deepEqual(sizes(out, emitted), sizes(pkg, ['localrank_core.wasm', 'localrank_core_reports.wasm']), `the lean module and the variant with reports: ${emitted}`);
}

/** Loads the app page at `base`, waits for its result, and collects problems. */
async function loadPage(base, reports) {
  const page = await browser.context.newPage();
  const problems = watchProblems(page);
  const workers = [];
  page.on('worker', (w) => workers.push(w.url()));
  await watchCsp(page);
  try {
    await page.goto(base);
    await page.waitForSelector('body[data-done="true"]', { state: 'attached', timeout: 30000 });
    return {
      result: await page.evaluate(() => /** @type {any} */ (window).__result),
      violations: await cspViolations(page),
      problems,
      workers,
      reports,
    };
  } finally {
    await page.close();
  }
}

function assertReranked(run) {
  const { result } = run;
  assert.equal(result.failure, undefined, result.failure);
  assert.deepEqual(result.mainBefore, ['sports-1', 'politics-1', 'cooking-1'], 'cold start keeps the server order');
  assert.ok(result.mainAfter.indexOf('cooking-1') < 2, `cooking rose on the main thread: ${result.mainAfter}`);
  assert.deepEqual(result.workerAfter, result.mainAfter, 'the worker ranks like the main thread');
  assert.equal(result.mainError, 'DUPLICATE_ID items[1].id 1');
  assert.equal(result.workerError, 'INVALID_ITEM items[0].serverScore 0');
  assert.equal(result.mainReport, 'localrank.report', 'a report was built on the main thread');
  assert.equal(result.workerReport, 'localrank.report', 'a report was built in the worker');
  assert.equal(run.workers.length, 2, 'one Web Worker ran per personalizer');
  if (run.requests) {
    const wasm = new Set(run.requests.filter((r) => r.endsWith('.wasm')));
    // The app's personalizers without a taxonomy load the lean module, those with one the variant with reports.
    assert.equal(wasm.size, 2, `both device modules were fetched: ${[...wasm]}`);
  }
  assert.deepEqual(run.violations, [], 'no securitypolicyviolation event');
  assert.deepEqual(run.reports, [], 'no CSP report (page or worker)');
  assert.deepEqual(run.problems, [], 'no console error');
}

test('Vite: the packed package builds with no configuration and reranks under a strict CSP, also in a worker', async () => {
  const dir = freshApp('vite-app');
  await viteBuild({ root: dir, configFile: false, logLevel: 'warn', build: { outDir: join(dir, 'dist') } });
  assertBothDeviceModules(dir, join(dir, 'dist', 'assets'));
  const run = await runPage(join(dir, 'dist'));
  assertReranked(run);
  assert.match(run.workers[0], /\/assets\/worker-thread-[\w-]+\.js$/, 'Vite bundled the worker script itself');
});

test('Vite dev server: the installed package runs unconfigured (pre-bundled dependency), also in a worker', async () => {
  const dir = freshApp('vite-dev-app');
  const server = await viteServer({
    root: dir, configFile: false, logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, strictPort: false, headers: { 'Content-Security-Policy': STRICT_CSP } },
  });
  await server.listen();
  try {
    const run = await loadPage(server.resolvedUrls.local[0], []);
    assertReranked(run);
  } finally {
    await server.close();
  }
});

test('esbuild: the packed package bundles with the worker as a second entry and an explicit wasmUrl', async () => {
  const dir = freshApp('esbuild-app');
  const dist = join(dir, 'dist');
  await esbuild({
    absWorkingDir: dir,
    entryPoints: [{ in: './main.js', out: 'main' }, { in: 'localrank/worker-thread', out: 'localrank-worker' }],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: dist,
    define: {
      'globalThis.LOCALRANK_WORKER_URL': JSON.stringify('/localrank-worker.js'),
      'globalThis.LOCALRANK_WASM_URL': JSON.stringify('/assets/localrank.wasm'),
    },
    logLevel: 'warning',
  });
  // esbuild leaves `new URL(..., import.meta.url)` alone: the app copies the .wasm where wasmUrl points,
  // and the device module with reports beside it (where it is looked for without reportWasmUrl).
  mkdirSync(join(dist, 'assets'));
  copyFileSync(join(dir, 'node_modules', 'localrank', 'dist', 'localrank_core.wasm'), join(dist, 'assets', 'localrank.wasm'));
  copyFileSync(join(dir, 'node_modules', 'localrank', 'dist', 'localrank_core_reports.wasm'), join(dist, 'assets', 'localrank_core_reports.wasm'));
  copyFileSync(join(dir, 'index.html'), join(dist, 'index.html'));
  const run = await runPage(dist);
  assertReranked(run);
  assert.match(run.workers[0], /\/localrank-worker\.js$/);
});


test('webpack 5: the packed package builds with no configuration for localrank (asset modules, worker chunk) and reranks under a strict CSP', async () => {
  const dir = freshApp('webpack-app');
  const dist = join(dir, 'dist');
  const stats = await new Promise((resolve, reject) => {
    webpack({
      mode: 'production',
      context: dir,
      entry: './main.js',
      output: { path: dist, filename: 'main.js', clean: true },
      // No source maps in eval form: the strict CSP has no 'unsafe-eval'.
      devtool: false,
      infrastructureLogging: { level: 'error' },
    }, (err, result) => (err ? reject(err) : resolve(result)));
  });
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  assertBothDeviceModules(dir, dist);
  copyFileSync(join(dir, 'index.html'), join(dist, 'index.html'));
  const run = await runPage(dist);
  assertReranked(run);
  assert.doesNotMatch(run.workers[0], /worker-thread\.mjs$/, 'webpack bundled the worker script as a chunk');
});

test('Rollup: node-resolve + import-meta-assets emit the .wasm; the worker is a second input, passed as `worker`', async () => {
  const dir = freshApp('rollup-app');
  const dist = join(dir, 'dist');
  /** Stands in for @rollup/plugin-replace: tells main.js where the worker entry is. */
  const define = {
    name: 'define-worker-url',
    transform(code, id) {
      return id.endsWith('main.js') ? code.replace('globalThis.LOCALRANK_WORKER_URL', JSON.stringify('/localrank-worker.js')) : null;
    },
  };
  const bundle = await rollup({
    input: { main: join(dir, 'main.js'), 'localrank-worker': 'localrank/worker-thread' },
    plugins: [nodeResolve({ browser: true, rootDir: dir }), importMetaAssets({ exclude: '**/worker.mjs' }), define],
    onwarn: (w, warn) => { if (w.code !== 'CIRCULAR_DEPENDENCY') warn(w); },
  });
  await bundle.write({ dir: dist, format: 'es', entryFileNames: '[name].js' });
  await bundle.close();
  assertBothDeviceModules(dir, join(dist, 'assets'));
  copyFileSync(join(dir, 'index.html'), join(dist, 'index.html'));
  const run = await runPage(dist);
  assertReranked(run);
  assert.match(run.workers[0], /\/localrank-worker\.js$/);
});
