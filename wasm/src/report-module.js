// SPDX-License-Identifier: MIT
// Aggregate reports are an opt-in purpose: only a personalizer given a
// taxonomy (or a pinned report configuration) builds them. Their encoder is a
// wasm module of its own (localrank_report.wasm) and their JavaScript a module
// of its own (report-path.js), both loaded here on first use, so that a page
// without reports downloads neither (docs/architecture.md, "Three modules").

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

/**
 * The report path's JavaScript and the report module for these options,
 * loaded together (the entry's `loadReport`: fetched in browsers, read in Node).
 * @param {(options: Record<string, any>) => Promise<any>} loadReport
 * @param {Record<string, any>} options
 */
export async function loadReportPath(loadReport, options) {
  const [R, Module] = await Promise.all([reportPath(), loadReport(options)]);
  return { R, Module };
}
