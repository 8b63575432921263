// SPDX-License-Identifier: MIT
// Server entry (Node): `import { createAggregator } from 'localrank/server'`.
// The same C++ core as the device, through the wasm build: validates and
// decodes aggregate reports, keeps running sums, estimates topic and segment
// frequencies with standard errors. See docs/privacy.md.
import createLocalrankServer from './localrank_server.mjs';
import { LocalrankError, throwIfFailed } from './errors.js';
import { ReportEncoder, reportConfigJson, throwPrefixed, randomWords, utcDay, PRIVACY_DEFAULTS } from './report.js';

export { LocalrankError, ErrorCode } from './errors.js';

/** Reports larger than this are rejected before parsing (a report is ~200 bytes). */
export const MAX_REPORT_BYTES = 4096;

/** @type {Promise<any>|null} */
let core = null;

/** @param {{wasmBinary?: ArrayBuffer|Uint8Array}} o */
function loadCore(o) {
  if (o.wasmBinary) return createLocalrankServer({ wasmBinary: o.wasmBinary });
  core ??= (async () => {
    const { readFile } = await import('node:fs/promises');
    return createLocalrankServer({ wasmBinary: await readFile(new URL('./localrank_server.wasm', import.meta.url)) });
  })();
  return core;
}

/**
 * @param {unknown} options
 * @returns {Record<string, any>}
 */
function checkOptions(options) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('options must be an object {taxonomy, segments?, epsilonPerReport?, minReports?}');
  }
  return /** @type {Record<string, any>} */ (options);
}

/**
 * The report as JSON text, within the size limit.
 * @param {unknown} report
 */
function reportText(report) {
  let text;
  if (typeof report === 'string') text = report;
  else if (report !== null && typeof report === 'object' && !Array.isArray(report)) text = JSON.stringify(report);
  else throw new LocalrankError('INVALID_REPORT', 'report must be an object or its JSON text', { field: 'report' });
  if (text.length > MAX_REPORT_BYTES) {
    throw new LocalrankError('INVALID_REPORT', `report is larger than ${MAX_REPORT_BYTES} bytes`, { field: 'report' });
  }
  return withoutId(text);
}

/**
 * The report without its `id` (the transport's idempotency key, 32 hex
 * digits; the core knows nothing of it and refuses any field it does not
 * know). A malformed id is refused here.
 * @param {string} text
 */
function withoutId(text) {
  if (!text.includes('"id"')) return text;
  let o;
  try {
    o = JSON.parse(text);
  } catch {
    return text;  // the core names what is wrong
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o) || !Object.hasOwn(o, 'id')) return text;
  if (typeof o.id !== 'string' || !/^[0-9a-f]{32}$/.test(o.id)) {
    throw new LocalrankError('INVALID_REPORT', 'id must be 32 lowercase hex digits (a random 128-bit report id)', { field: 'report.id' });
  }
  delete o.id;
  return JSON.stringify(o);
}

const KINDS = /** @type {const} */ (['topic', 'segment']);

/**
 * Validates and aggregates reports of one configuration. Everything it
 * returns is plain data. Call dispose() when done.
 */
export class Aggregator {
  #core;
  #disposed = false;
  /** Identifies the configuration (taxonomy, segments, epsilon, mechanism); reports carry it. */
  fingerprint;
  /** 'oue' or 'olh'. */
  mechanism;
  /**
   * One support test of a report: the probability that a device holding a
   * value (p), or not holding it (q), reports support for it; with
   * instantEpsilon, the composed p* and q* of memo then fresh noise.
   */
  support;

  /** @internal */
  constructor(coreAggregator, info) {
    this.#core = coreAggregator;
    this.fingerprint = /** @type {string} */ (info.fingerprint);
    this.mechanism = /** @type {string} */ (info.mechanism);
    this.support = Object.freeze({ .../** @type {{p: number, q: number}} */ (info.support) });
  }

  #alive() {
    if (this.#disposed) throw new LocalrankError('DISPOSED', 'this aggregator was disposed');
  }

  /** Number of reports ingested. */
  get reports() {
    this.#alive();
    return this.#core.reports();
  }

  /**
   * Validates a report and adds it to the sums. Throws INVALID_REPORT
   * naming the field, and changes nothing, on any deviation.
   * @param {object|string} report
   */
  ingest(report) {
    this.#alive();
    throwIfFailed(this.#core.ingest(reportText(report)));
  }

  /**
   * Validates a report without changing the sums; returns what ingesting it
   * would add (for a store that commits before it acknowledges).
   * @param {object|string} report
   * @returns {{kind: 'topic'|'segment', supported: number[]}}
   */
  decode(report) {
    this.#alive();
    const r = this.#core.decode(reportText(report));
    throwIfFailed(r);
    const c = JSON.parse(r.value);
    return { kind: KINDS[c.kind], supported: c.supported };
  }

  /**
   * Adds a contribution returned by decode().
   * @param {{kind: 'topic'|'segment', supported: number[]}} contribution
   */
  add(contribution) {
    this.#alive();
    const kind = KINDS.indexOf(contribution?.kind);
    if (kind < 0 || !Array.isArray(contribution.supported)) {
      throw new LocalrankError('INVALID_REPORT', 'contribution must be {kind, supported} from decode()', { field: 'contribution' });
    }
    throwIfFailed(this.#core.add(kind, JSON.stringify(contribution.supported)));
  }

  /**
   * Unbiased estimates with standard errors and 95% intervals. `count`
   * estimates how many reporting clients have that top topic (segment);
   * estimates from fewer than `minReports` reports are suppressed (empty
   * lists, `suppressed.topics` / `suppressed.segments` true).
   */
  estimate() {
    this.#alive();
    return JSON.parse(this.#core.estimate());
  }

  /** The running sums as plain JSON (to persist them). */
  exportState() {
    this.#alive();
    return JSON.parse(this.#core.state());
  }

  /**
   * Replaces the sums with an exported state of the same configuration.
   * @param {object|string} state
   */
  importState(state) {
    this.#alive();
    const r = this.#core.restore(typeof state === 'string' ? state : JSON.stringify(state));
    throwPrefixed(r, '');
  }

  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#core.delete();
  }

  [Symbol.dispose]() { this.dispose(); }
}

/**
 * Creates an aggregator for the configuration the devices use.
 * @param {{taxonomy: string[], segments?: {id: string, topics: Record<string, number>}[],
 *   epsilonPerReport?: number, minReports?: number, mechanism?: 'auto'|'oue'|'olh',
 *   segmentThreshold?: number, wasmBinary?: ArrayBuffer|Uint8Array}} options
 */
export async function createAggregator(options) {
  const o = checkOptions(options);
  const minReports = o.minReports ?? PRIVACY_DEFAULTS.minReports;
  if (!Number.isSafeInteger(minReports) || minReports < 1) {
    throw new LocalrankError('INVALID_ARGUMENT', 'options.minReports must be an integer >= 1', { field: 'options.minReports' });
  }
  const json = JSON.stringify({ ...JSON.parse(reportConfigJson(o, 'options.')), minReports });
  const Module = await loadCore(o);
  const agg = new Module.AggregatorCore();
  const r = agg.configure(json);
  if (r.code) {
    agg.delete();
    throwPrefixed(r, 'options.');
  }
  return new Aggregator(agg, JSON.parse(r.value));
}

/**
 * Encodes reports as devices would, for simulations, load tests and demo
 * data: `encode({interest: {cooking: 3, fitness: 1}})` returns the report a
 * device with those interests sends. Randomness comes from
 * crypto.getRandomValues unless `random` (tests) fills the words.
 * @param {{taxonomy: string[], segments?: {id: string, topics: Record<string, number>}[],
 *   epsilonPerReport?: number, mechanism?: 'auto'|'oue'|'olh', segmentThreshold?: number,
 *   random?: (words: Uint32Array) => void, wasmBinary?: ArrayBuffer|Uint8Array}} options
 */
export async function createReportEncoder(options) {
  const o = checkOptions(options);
  if (o.random !== undefined && typeof o.random !== 'function') throw new TypeError('options.random must be a function filling a Uint32Array');
  const Module = await loadCore(o);
  const enc = new ReportEncoder(Module, o, 'options.');
  const taxonomy = /** @type {string[]} */ (o.taxonomy);
  const segments = /** @type {{id: string}[]} */ (o.segments ?? []);
  /** @param {unknown} interest */
  const vector = (interest) => {
    if (interest === null || typeof interest !== 'object') {
      throw new LocalrankError('INVALID_ARGUMENT', 'interest must be an object {topic: weight}', { field: 'interest' });
    }
    const w = /** @type {Record<string, unknown>} */ (interest);
    for (const [k, v] of Object.entries(w)) {
      if (!taxonomy.includes(k)) throw new LocalrankError('INVALID_ARGUMENT', `interest.${k} is not in the taxonomy`, { field: `interest.${k}` });
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new LocalrankError('INVALID_ARGUMENT', `interest.${k} must be a finite number`, { field: `interest.${k}` });
    }
    return Float64Array.from(taxonomy, (t) => /** @type {number} */ (w[t] ?? 0));
  };
  let disposed = false;
  const alive = () => { if (disposed) throw new LocalrankError('DISPOSED', 'this encoder was disposed'); };
  return {
    /** Fingerprint, mechanism, random words per report, ... */
    info: { ...enc.info },
    /**
     * @param {{interest: Record<string, number>}} device
     * @param {{day?: string, now?: number}} [at]
     */
    encode(device, at = {}) {
      alive();
      const day = at.day ?? utcDay(at.now ?? Date.now());
      // Each call stands for another device: a fresh permanent answer (a device reuses its memo).
      return JSON.parse(enc.encodeFresh(vector(device?.interest), day, randomWords(enc.info.freshWordsNeeded, o.random)));
    },
    /**
     * The top topic and segment a device with `interest` holds (the truth a
     * report hides behind noise), or null for none.
     * @param {Record<string, number>} interest
     */
    match(interest) {
      alive();
      const m = enc.match(vector(interest));
      return { topic: m.topic < 0 ? null : taxonomy[m.topic], segment: m.segment < 0 ? null : segments[m.segment].id };
    },
    dispose() { if (!disposed) { disposed = true; enc.dispose(); } },
  };
}
