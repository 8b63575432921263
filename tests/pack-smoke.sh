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
# The docs travel with the package; its README links what it does not ship by absolute URL.
LISTING="$(tar tzf "$TARBALL")"
for f in package/docs/api.md package/docs/integration.md package/README.md package/dist/errors.js \
  package/dist/localrank_core_reports.wasm package/dist/localrank_core_reports.mjs package/dist/report-path.js; do
  grep -qx "$f" <<<"$LISTING" || { echo "pack smoke: $f is not in the tarball" >&2; exit 1; }
done
if tar xzf "$TARBALL" -O package/README.md | grep -qE '\]\((EVALUATION|BENCHMARKS|RELIABILITY|CHANGELOG)\.md|\]\(docs/images/'; then
  echo "pack smoke: the packaged README links files the package does not ship" >&2; exit 1
fi
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
createPersonalizer({ consent: { personalization: true }, autosaveMs: 0 }).then(async (p) => {
  p.record({ type: 'like', topics: { cooking: 1 } });
  const r = p.rerank([{ id: 'a', topics: ['sports'] }, { id: 'b', topics: ['cooking'] }]);
  if (r[0].id !== 'b') throw new Error('CJS: expected the cooking item first');
  p.dispose();
  // A taxonomy loads the device module with reports (localrank_core_reports.wasm) instead.
  const q = await createPersonalizer({ taxonomy: ['cooking', 'sports'], consent: { aggregateMeasurement: true }, autosaveMs: 0, privacy: { testOnlyMemoryLedger: true } });
  if (q.buildAggregateReport()?.schema !== 'localrank.report') throw new Error('CJS: expected a report');
  q.dispose();
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
cat > ohttp.mjs <<'JS'
// localrank/ohttp with its dependency @hpke/core, installed from the tarball's package.json.
import { createOhttpGateway, parseKeys, encapsulateRequest, encodeRequest, decodeRequest, encodeResponse, decodeResponse } from 'localrank/ohttp';
const gateway = await createOhttpGateway();
const client = await encapsulateRequest(parseKeys(gateway.keys), encodeRequest({ method: 'POST', scheme: 'https', authority: 'c.example', path: '/v1/reports' }));
const opened = await gateway.decapsulate(client.message);
if (decodeRequest(opened.request).path !== '/v1/reports') throw new Error('ohttp: request');
if (decodeResponse(await client.open(await opened.respond(encodeResponse({ status: 202 })))).status !== 202) throw new Error('ohttp: response');
console.log('ohttp ok');
JS
node esm.mjs
node cjs.cjs
node server.mjs
node server.cjs
node ohttp.mjs

# The README's first JavaScript block as written, in a fresh ESM project, and
# its CommonJS variant in a fresh CommonJS project (README.md "Use it in your app").
readme_block() { # $1: 1 = the first ```js block, cjs = the first one that require()s localrank
  node -e '
    const text = require("fs").readFileSync(process.argv[1], "utf8");
    const blocks = [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
    const block = process.argv[2] === "cjs" ? blocks.find((b) => b.includes("require(\x27localrank\x27)")) : blocks[0];
    if (!block) { console.error("README.md: no such JavaScript block"); process.exit(1); }
    process.stdout.write(block);
  ' "$ROOT/README.md" "$1"
}
for kind in esm cjs; do
  mkdir -p "$WORK/readme-$kind"
  cd "$WORK/readme-$kind"
  if [ "$kind" = esm ]; then echo '{"name":"readme-esm","private":true,"type":"module"}' > package.json; file=feed.mjs
  else echo '{"name":"readme-cjs","private":true}' > package.json; file=feed.cjs; fi
  npm install --no-audit --no-fund --loglevel=error "$TARBALL" >/dev/null
  readme_block "$([ "$kind" = esm ] && echo 1 || echo cjs)" > "$file"
  out="$(node "$file")" || { echo "README $kind example failed:" >&2; echo "$out" >&2; exit 1; }
  case "$kind" in
    esm) grep -q '^p3 ' <<<"$out" && grep -q 'cooking' <<<"$out" || { echo "README ESM example: unexpected output:" >&2; echo "$out" >&2; exit 1; } ;;
    cjs) grep -qF "[ 'b', 'a' ]" <<<"$out" && grep -q 'INVALID_EVENT event.itemID' <<<"$out" || { echo "README CJS example: unexpected output:" >&2; echo "$out" >&2; exit 1; } ;;
  esac
done
echo "pack smoke: $(du -k "$TARBALL" | cut -f1) kB tarball, 7 passed, 0 failed"
