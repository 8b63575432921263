# SPDX-License-Identifier: MIT
# Shared by the scripts: repo root, quiet logging, tool environment.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT
# Debian's emscripten needs Node to find its bundled acorn.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
export JOBS
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
