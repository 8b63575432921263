#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Type-checks example programs against the built package's hand-written types
# with `tsc --noEmit --strict`: Node resolution (ESM .mts + CommonJS .cts),
# bundler resolution, and a project without lib esnext.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TSC="$ROOT/node_modules/.bin/tsc"
T="$ROOT/tests/types"
COMMON=(--noEmit --strict --target es2022 --skipLibCheck false)
pass=0
run() {
  local name="$1"; shift
  if "$TSC" "${COMMON[@]}" "$@"; then pass=$((pass + 1)); else echo "types: $name failed" >&2; exit 1; fi
}
run "nodenext (.mts + .cts)" --module nodenext --moduleResolution nodenext --lib es2022,dom,esnext.disposable "$T/example.mts" "$T/example.cts"
run "privacy API (nodenext)" --module nodenext --moduleResolution nodenext --lib es2022,dom,esnext.disposable "$T/privacy.mts" "$T/privacy.cts"
run "bundler (.mts)" --module esnext --moduleResolution bundler --lib es2022,dom,esnext.disposable "$T/example.mts"
run "moduleResolution node (typesVersions)" --module commonjs --moduleResolution node --lib es2022,dom,esnext.disposable "$T/node10.ts"
run "lib es2022 without esnext" --module nodenext --moduleResolution nodenext --lib es2022,dom "$T/plain-lib.mts"
echo "types: $pass passed, 0 failed"
