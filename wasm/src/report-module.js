// SPDX-License-Identifier: MIT
// Aggregate reports are an opt-in purpose: only a personalizer given a
// taxonomy (or a pinned report configuration) builds them. Their encoder is
// linked into a variant of the device module (localrank_core_reports.wasm,
// which the entries load instead of localrank_core.wasm) and their JavaScript
// is a module of its own (report-path.js), imported here on first use, so that
// a page without reports downloads neither (docs/architecture.md, "Two device
// modules").

/** @type {Promise<typeof import('./report-path.js')>|null} */
let path = null;

/** The report path's JavaScript (imported once; a failed import is tried again next time). */
export function reportPath() {
  if (!path) {
    path = import('./report-path.js');
    path.catch(() => { path = null; });
  }
  return path;
}
