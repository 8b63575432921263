#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# npm pack the package, install the tarball in an empty folder, and use it via
# ESM and CJS: catches what a repository checkout hides (missing files, exports).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$ROOT/wasm" && npm pack --silent --pack-destination "$WORK" >/dev/null)
TARBALL="$(ls "$WORK"/localrank-*.tgz)"
mkdir -p "$WORK/app"
cd "$WORK/app"
echo '{"name":"smoke","private":true}' > package.json
npm install --no-audit --no-fund --loglevel=error "$TARBALL" >/dev/null
cat > esm.mjs <<'JS'
import { createPersonalizer, LocalrankError } from 'localrank';
const p = await createPersonalizer({ consent: { personalization: true }, autosaveMs: 0 });
p.record({ type: 'like', topics: { cooking: 1 } });
const r = p.rerank([{ id: 'a', topics: ['sports'] }, { id: 'b', topics: ['cooking'] }]);
if (r[0].id !== 'b') throw new Error('ESM: expected the cooking item first, got ' + JSON.stringify(r));
try { p.rerank([{ id: 'x' }, { id: 'x' }]); throw new Error('no error'); } catch (e) { if (!(e instanceof LocalrankError) || e.code !== 'DUPLICATE_ID') throw e; }
p.dispose();
console.log('esm ok');
JS
cat > cjs.cjs <<'JS'
const { createPersonalizer, LocalrankError, ErrorCode, LIMITS } = require('localrank');
if (typeof LocalrankError !== 'function' || ErrorCode.DUPLICATE_ID !== 'DUPLICATE_ID' || !(LIMITS.maxItemsPerCall > 0)) {
  throw new Error('CJS: LocalrankError, ErrorCode and LIMITS must be available synchronously');
}
createPersonalizer({ consent: { personalization: true }, autosaveMs: 0 }).then((p) => {
  p.record({ type: 'like', topics: { cooking: 1 } });
  const r = p.rerank([{ id: 'a', topics: ['sports'] }, { id: 'b', topics: ['cooking'] }]);
  if (r[0].id !== 'b') throw new Error('CJS: expected the cooking item first');
  p.dispose();
  console.log('cjs ok');
}).catch((e) => { console.error(e); process.exit(1); });
JS
cat > server.mjs <<'JS'
import { createPersonalizer } from 'localrank';
import { createAggregator } from 'localrank/server';
const taxonomy = ['cooking', 'sports'];
const p = await createPersonalizer({ taxonomy, consent: { aggregateMeasurement: true }, autosaveMs: 0, privacy: { testOnlyMemoryLedger: true } });
const agg = await createAggregator({ taxonomy, minReports: 1 });
agg.ingest(p.buildAggregateReport());
if (agg.estimate().topics.length !== 2) throw new Error('server: expected two topic estimates');
p.dispose(); agg.dispose();
console.log('server esm ok');
JS
cat > server.cjs <<'JS'
const { createAggregator } = require('localrank/server');
createAggregator({ taxonomy: ['a'] }).then((agg) => { if (agg.reports !== 0) throw new Error('CJS server'); agg.dispose(); console.log('server cjs ok'); })
  .catch((e) => { console.error(e); process.exit(1); });
JS
node esm.mjs
node cjs.cjs
node server.mjs
node server.cjs
echo "pack smoke: $(du -k "$TARBALL" | cut -f1) kB tarball, 4 passed, 0 failed"
