// SPDX-License-Identifier: MIT
// Assembles the npm package in wasm/dist from the Emscripten output
// (build/wasm/module, or $LOCALRANK_MODULE_DIR) and the facade sources in wasm/src:
// - the ES module entries, bundled with the Emscripten glue and minified by
//   esbuild, a source map (with the readable sources) beside each file: the
//   browser entry as one self-contained file; the others (Node, worker, worker
//   thread, server) sharing chunk-*.mjs files;
// - the .wasm modules, the CommonJS entries (+ shared.cjs, built from the same
//   sources) and the hand-written types;
// - README, LICENSE and CHANGELOG into wasm/.
// Prints what a browser loads (package-files.mjs), gzip -9.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildSync } from 'esbuild';
import { shippedSize, SHIPPED_BUDGET_BYTES } from './package-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'wasm', 'src');
const dist = join(root, 'wasm', 'dist');
const moduleDir = process.env.LOCALRANK_MODULE_DIR ?? join(root, 'build', 'wasm', 'module');

/** The package's ES module entries (wasm/package.json "exports"). */
const BROWSER_ENTRY = 'index.browser.mjs';
// testing.mjs: Node only (privacy.random for reproducible tests), never in the browser bundle.
const ENTRIES = [BROWSER_ENTRY, 'index.node.mjs', 'worker.mjs', 'worker-thread.mjs', 'server.mjs', 'testing.mjs'];
/** The Emscripten modules: glue (bundled) + .wasm (shipped as a file). */
const MODULES = ['localrank_core', 'localrank_server'];
// Short: it is repeated in every file.
const BANNER = '// SPDX-License-Identifier: MIT\n// localrank, minified (sources in the .map)';

for (const m of MODULES) {
  for (const ext of ['.mjs', '.wasm']) {
    if (!existsSync(join(moduleDir, m + ext))) throw new Error(`missing ${join(moduleDir, m + ext)}: build the wasm first (scripts/build)`);
  }
}
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

for (const m of MODULES) copyFileSync(join(moduleDir, `${m}.wasm`), join(dist, `${m}.wasm`));
// Types and the CommonJS wrappers as written; the ES modules only inside the bundles.
for (const f of readdirSync(src)) {
  if (/\.d\.c?ts$|\.cjs$/.test(f)) copyFileSync(join(src, f), join(dist, f));
}
for (const f of ['README.md', 'LICENSE', 'CHANGELOG.md']) {
  if (existsSync(join(root, f))) copyFileSync(join(root, f), join(root, 'wasm', f));
}

/** Resolves the facade's `./localrank_core.mjs` / `./localrank_server.mjs` to the build output. */
const emscriptenGlue = {
  name: 'emscripten-glue',
  setup(build) {
    build.onResolve({ filter: /^\.\/localrank_(core|server)\.mjs$/ }, (a) => ({ path: join(moduleDir, a.path.slice(2)) }));
  },
};

const bundle = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['node:*'],
  minify: true,
  sourcemap: true,
  outdir: dist,
  entryNames: '[name]',
  outExtension: { '.js': '.mjs' },
  banner: { js: BANNER },
  legalComments: 'none',
  charset: 'utf8',
  plugins: [emscriptenGlue],
  logLevel: 'warning',
};
// What a browser loads first: the browser entry as one file (fewer requests,
// smaller than the same code in shared chunks).
await build({ ...bundle, entryPoints: [join(src, BROWSER_ENTRY)] });
// The other entries share chunks, so that within Node `localrank` and
// `localrank/worker` export the very same LocalrankError (instanceof holds
// across every copy anyway: errors.js brands its instances).
await build({
  ...bundle,
  entryPoints: ENTRIES.filter((e) => e !== BROWSER_ENTRY).map((e) => join(src, e)),
  splitting: true,
  // Beside the entries: `new URL('./localrank_core.wasm', import.meta.url)` may end up in a chunk.
  chunkNames: '[name]-[hash]',
});

// With splitting, esbuild adds bare `import"./chunk-X.mjs";` statements that
// only fix evaluation order. No module of the facade (nor the Emscripten glue)
// has a top-level side effect, and package.json says so ("sideEffects"), so an
// app's bundler drops these imports anyway, and esbuild warns about each one
// (ignored-bare-import). Blank out those whose chunk is loaded through a named
// import anyway; spaces of the same length keep the source maps exact.
{
  const files = readdirSync(dist).filter((f) => f.endsWith('.mjs'));
  const text = new Map(files.map((f) => [f, readFileSync(join(dist, f), 'utf8')]));
  const named = (f) => [...text.get(f).matchAll(/from"\.\/(chunk-[^"]+\.mjs)"/g)].map((m) => m[1]);
  const reachable = (start) => {
    const seen = new Set();
    const walk = (f) => { for (const g of named(f)) if (!seen.has(g)) { seen.add(g); walk(g); } };
    for (const f of start) { seen.add(f); walk(f); }
    return seen;
  };
  for (const f of files) {
    const loaded = reachable(named(f));
    const out = text.get(f).replace(/import"\.\/(chunk-[^"]+\.mjs)";/g, (s, chunk) => (loaded.has(chunk) ? ' '.repeat(s.length) : s));
    if (out !== text.get(f)) writeFileSync(join(dist, f), out);
  }
}

// The CommonJS entry's synchronous exports, built from the same ESM sources.
buildSync({
  stdin: {
    contents: "export { LocalrankError, ErrorCode } from './errors.js';\n" +
      "export { LIMITS, EVENT_TYPES } from './core-buffers.js';\nexport { memoryStorage } from './storage.js';\n" +
      "export { DEFAULT_MODEL } from './model.js';\n",
    resolveDir: src,
    sourcefile: 'shared.js',
  },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: join(dist, 'shared.cjs'),
  banner: { js: '// SPDX-License-Identifier: MIT\n// Generated by scripts/lib/assemble-package.mjs from errors.js, core-buffers.js, storage.js, model.js.' },
  logLevel: 'warning',
});

const size = shippedSize(dist);
console.log(`package assembled: a browser loads ${size.files.map((f) => `${f.file} ${(f.gzip / 1000).toFixed(1)}`).join(' + ')} ` +
  `= ${(size.totalGzip / 1000).toFixed(1)} KB gzip -9 (target 150 KB; regression budget ${SHIPPED_BUDGET_BYTES / 1000} KB, tests/js/size.test.mjs)`);
