// SPDX-License-Identifier: MIT
// CommonJS view of `localrank/server`: the same API, every call async.
import type * as S from './server.js';

declare const server: {
  createAggregator(options: S.AggregatorOptions): Promise<S.Aggregator>;
  createReportEncoder(options: S.ReportEncoderOptions): Promise<S.ReportEncoder>;
  /** The ESM module. */
  loadServer(): Promise<typeof S>;
};
export = server;
