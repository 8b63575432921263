// SPDX-License-Identifier: MIT
// Types of `localrank/server` (Node): the aggregator side of the privacy model.
import type { LocalrankError, ErrorCode, AggregateReport, ReportConfig as SharedReportConfig } from './index.js';

export { LocalrankError, ErrorCode };

/** Reports larger than this are rejected before parsing. */
export declare const MAX_REPORT_BYTES: number;

/** The configuration devices and server share (localrank's `ReportConfig`), plus where the server module is. */
export interface ReportConfig extends SharedReportConfig {
  /**
   * The bytes of the server module `localrank_server.wasm` (`localrank/localrank_server.wasm`), instead of
   * reading them next to the module. Not `localrank_core.wasm`: the aggregator is only in the server module.
   */
  wasmBinary?: ArrayBuffer | Uint8Array;
}

export interface AggregatorOptions extends ReportConfig {
  /** k of k-suppression: no estimate from fewer reports (default 50). */
  minReports?: number;
}

/** One estimate. `count` and its error are in clients (of all reporting clients). */
export interface FrequencyEstimate {
  /** Unbiased estimate of how many reporting clients hold the value (may fall outside [0, reports]). */
  count: number;
  /** count / reports. */
  share: number;
  /** Standard error of `count`. */
  stdError: number;
  /** 95% interval of `count`, clipped to [0, reports]. */
  ci95: [number, number];
}

export interface Estimates {
  reports: number;
  minReports: number;
  epsilonPerReport: number;
  /** What one report alone reveals (below epsilonPerReport with instantaneous noise). */
  epsilonOfOneReport: number;
  mechanism: 'oue' | 'olh';
  reportsByKind: { topic: number; segment: number };
  suppressed: { topics: boolean; segments: boolean };
  topics: (FrequencyEstimate & { topic: string })[];
  /** Clients with no top topic in the taxonomy; null when suppressed. */
  noTopic: FrequencyEstimate | null;
  /** A segment estimated below minReports clients is published without figures (`suppressed: true`). */
  segments: ((FrequencyEstimate & { segment: string; suppressed?: undefined })
    | { segment: string; suppressed: true; count: null; share: null; stdError: null; ci95: null })[];
  /** Clients matching no segment; null when suppressed or without segments. */
  noSegment: FrequencyEstimate | null;
}

/** What one valid report adds to the sums. */
export interface Contribution {
  kind: 'topic' | 'segment';
  supported: number[];
}

export declare class Aggregator {
  private constructor();
  /** Identifies the shared configuration; every report carries it. */
  readonly fingerprint: string;
  readonly mechanism: 'oue' | 'olh';
  /** One support test's p (a device holding the value reports it) and q (one not holding it does); with instantEpsilon, the composed p* and q*. */
  readonly support: { readonly p: number; readonly q: number };
  readonly reports: number;
  /** Validates and adds a report; throws `INVALID_REPORT` naming the field and changes nothing on bad input. */
  ingest(report: AggregateReport | object | string): void;
  /** Validates without adding. */
  decode(report: AggregateReport | object | string): Contribution;
  /** Adds a decoded contribution. */
  add(contribution: Contribution): void;
  estimate(): Estimates;
  exportState(): object;
  importState(state: object | string): void;
  dispose(): void;
  [Symbol.dispose](): void;
}

export declare function createAggregator(options: AggregatorOptions): Promise<Aggregator>;

export interface ReportEncoderOptions extends ReportConfig {
  /** Fills the random words (tests only); default crypto.getRandomValues. */
  random?: (words: Uint32Array) => void;
}

/** Encodes reports as devices do, for simulations, load tests and demo data. */
export interface ReportEncoder {
  readonly info: { fingerprint: string; mechanism: 'oue' | 'olh'; wordsNeeded: number; freshWordsNeeded: number; memoWordsNeeded: number; dataHexChars: number; epsilonPerReport: number; instantEpsilon: number; epsilonOfOneReport: number };
  encode(device: { interest: Record<string, number> }, at?: { day?: string; now?: number }): AggregateReport;
  match(interest: Record<string, number>): { topic: string | null; segment: string | null };
  dispose(): void;
}

export declare function createReportEncoder(options: ReportEncoderOptions): Promise<ReportEncoder>;
