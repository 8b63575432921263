// SPDX-License-Identifier: MIT
// Builds the demo: generates the feed data and bundles src/app.js with esbuild,
// resolving `localrank` from node_modules exactly like a user's build would.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
mkdirSync(dist, { recursive: true });
execFileSync(process.execPath, [join(here, '..', 'scripts', 'gen-feed.mjs')], { stdio: 'inherit' });

await build({
  entryPoints: [join(here, 'src', 'app.js')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  outdir: dist,
  sourcemap: true,
  logLevel: 'warning',
});
// esbuild keeps `new URL('./localrank_core.wasm', import.meta.url)`: the wasm sits next to the bundle, and
// the variant with reports beside it (the demo configures a taxonomy, so its personalizer loads that one).
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('localrank/package.json'));
for (const f of ['localrank_core.wasm', 'localrank_core_reports.wasm']) copyFileSync(join(pkgDir, 'dist', f), join(dist, f));
