# SPDX-License-Identifier: MIT
# Installs what is missing, quietly and idempotently: Debian packages, then
# the npm dev dependencies (npm ci only when the lock file changed).
APT_PACKAGES=(emscripten nlohmann-json3-dev libgtest-dev cmake g++ clang chromium make python3 libbenchmark-dev wabt postgresql)  # make + python3: node-gyp builds better-sqlite3; libbenchmark-dev + wabt: scripts/bench; postgresql: the collector's tests (scripts/lib/pg-cluster.mjs)

ensure_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node 20 with npm may come from another repository: only install Debian's when absent.
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_npm() {
  local stamp="$ROOT/node_modules/.localrank-lock-stamp"
  local sum
  sum="$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then return 0; fi
  log "installing npm dev dependencies (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$sum" > "$stamp"
}

ensure_deps() {
  ensure_apt
  ensure_npm
}
