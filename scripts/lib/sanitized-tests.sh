#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the native core + GoogleTest suite with AddressSanitizer and
# UndefinedBehaviorSanitizer (build/asan) and runs it. Any report fails the run.
# Usage: scripts/lib/sanitized-tests.sh
source "$(dirname "$0")/common.sh"
BUILD="$ROOT/build/asan"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOCALRANK_SANITIZE=ON -DLOCALRANK_WERROR=ON >/dev/null
cmake --build "$BUILD" -j"$JOBS" 2>&1 | grep -vE '^\[|^-- |Built target|Consolidate|Scanning' || true
test -x "$BUILD/tests/localrank_core_tests" || die "sanitized build failed"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS"
