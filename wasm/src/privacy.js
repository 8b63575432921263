// SPDX-License-Identifier: MIT
// The privacy API of a personalizer (docs/privacy.md): consent, the privacy
// budget (the core's accountant and its stored ledger), the report encoder and
// its memo, aggregate reports, their outbox and schedule. It is given what it
// needs (storage, the clock, events, the profile's erasure, the interest
// vector, the report path), never the personalizer, so it can be loaded on
// its own. What only aggregate reports use (the encoder, memo, outbox and
// schedule: report-path.js) is reached through `reportPath`, loaded at creation
// for a personalizer given a taxonomy and otherwise only by a send.
import { LocalrankError, throwIfFailed } from './errors.js';
import { AccountantCore } from './core-abi.js';
import { within } from './lock.js';
import { Ledger, OLD_LEDGER_NAME } from './ledger.js';
import { ConsentManager, CONSENT_KEY, DEFAULT_POLICY_VERSION } from './consent.js';
import { privacyOptions, reportsWanted, MS_PER_DAY, OUTBOX_KEY, SCHEDULE_KEY } from './privacy-options.js';

/** @typedef {typeof import('./report-path.js')} ReportPath */

/**
 * @typedef {object} PrivacyNeeds  what the privacy API needs from its personalizer
 * @property {any} Module  the loaded device module (with the report encoder when reports are configured)
 * @property {Record<string, any>} options  the personalizer's options
 * @property {import('./storage.js').ResolvedStorage} storage
 * @property {{personalization: boolean, aggregateMeasurement: boolean}} consent  the state the personalizer reads, kept current here
 * @property {string} namespace
 * @property {() => number} now
 * @property {(name: string, detail: unknown) => void} emit
 * @property {() => void} alive  throws DISPOSED once the personalizer is disposed
 * @property {() => Promise<void>} eraseProfile  here at once and in storage
 * @property {() => boolean} profileHeld  whether the profile holds anything
 * @property {(taxonomy: readonly string[], since: number) => Float64Array} interest  per taxonomy topic, over the time since `since` (0 = none)
 * @property {boolean} storageFailed  loading the profile already reported a storage error
 * @property {() => Promise<ReportPath>} reportPath  the report path's JavaScript, imported on first use
 */

export class Privacy {
  /** @type {PrivacyNeeds} */ #n;
  /** @type {any} */ #opts;
  /** @type {AccountantCore} */ #accountant;
  /** The report path, once loaded. @type {ReportPath|null} */ #R = null;
  /** @type {import('./report.js').ReportEncoder|null} */ #encoder = null;
  /** @type {ConsentManager} */ #consent;
  /** @type {import('./memo.js').ReportMemoStore|null} */ #memo = null;
  /** @type {LocalrankError|null} */ #mismatch = null;
  /** @type {Ledger} */ #ledger;
  /** Report -> whether its spend is stored within the cap (sendAggregateReport waits for it). */
  #charges = new WeakMap();
  #loaded = false;
  #disposed = false;
  /** @type {import('./outbox.js').ReportOutbox|null} */ #outbox = null;
  /** @type {{stop(): void}|null} */ #schedule = null;

  /** @param {PrivacyNeeds} needs */
  constructor(needs) {
    this.#n = needs;
  }

  /**
   * Restores consent and the privacy ledger; sets up the report encoder.
   * @param {PrivacyNeeds} needs
   */
  static async create(needs) {
    const p = new Privacy(needs);
    await p.#load();
    return p;
  }

  /** Storage key `<namespace>:<name>`. @param {string} name */
  #key(name) { return `${this.#n.namespace}:${name}`; }

  async #load() {
    const { Module, options, storage, emit } = this.#n;
    const opts = (this.#opts = privacyOptions(options.privacy));
    if (options.segments !== undefined && options.taxonomy === undefined) {
      throw new LocalrankError('INVALID_ARGUMENT', 'options.segments needs options.taxonomy', { field: 'options.taxonomy' });
    }
    const accountant = (this.#accountant = new AccountantCore(Module));
    try {
      throwIfFailed(accountant.configure(opts.epsilonCap, opts.windowDays * MS_PER_DAY));
      await this.#makeEncoder();
      const consent = (this.#consent = new ConsentManager(this.#n.consent, storage, {
        key: this.#key(CONSENT_KEY),
        now: this.#n.now,
        policyVersion: opts.policyVersion ?? DEFAULT_POLICY_VERSION,
        honorGpc: opts.honorGpc,
        gpc: opts.gpc,
        onWithdrawPersonalization: () => this.#n.eraseProfile(),
      }));
      const encoder = this.#encoder;
      const memo = (this.#memo = encoder && new /** @type {ReportPath} */ (this.#R).ReportMemoStore(storage, encoder, opts.random, (e) => emit('error', e)));
      if (this.#mismatch) emit('error', this.#mismatch);
      // One storage problem is one error event: the profile load may have reported it already.
      let quiet = this.#n.storageFailed;
      const report = (/** @type {LocalrankError} */ e) => {
        if (quiet && e.code === 'STORAGE_FAILED') return;
        quiet = true;
        emit('error', e);
      };
      const memoryOk = options.privacy?.testOnlyMemoryLedger;
      if (memoryOk !== undefined && typeof memoryOk !== 'boolean') {
        throw new LocalrankError('INVALID_ARGUMENT', 'options.privacy.testOnlyMemoryLedger must be a boolean (tests only: reports over memory storage)', { field: 'options.privacy.testOnlyMemoryLedger' });
      }
      const memoError = await memo?.load();
      if (memoError) report(memoError);
      // After creation, a failed ledger write is an 'error' event like any other.
      const ledger = (this.#ledger = new Ledger(storage, accountant, { epsilonCap: opts.epsilonCap, windowMs: opts.windowDays * MS_PER_DAY, memoryOk: memoryOk === true },
        this.#n.now, (e) => (this.#loaded ? emit('error', e) : report(e))));
      await ledger.load(this.#key(OLD_LEDGER_NAME));
      this.#loaded = true;
      const withdrawn = await consent.load(options.consent, report);
      if (storage.shared) {
        // Another tab's withdrawal stops profiling here too, and empties this tab's profile.
        consent.listen(`localrank:${this.#n.namespace}:consent`, ({ withdrawn: gone }) => {
          if (this.#disposed) return;
          if (gone) this.#n.eraseProfile().catch(() => {});
          this.#stopSending();
          emit('consent', consent.get());
        });
      }
      // The summary is built only when it is needed (it walks the whole profile).
      if (withdrawn && this.#n.profileHeld()) await this.#n.eraseProfile();
    } catch (e) {
      if (this.#loaded) {
        this.#consent.dispose();
        this.#ledger.dispose();
      }
      this.#loaded = false;
      accountant.delete();
      this.#encoder?.dispose();
      throw e;
    }
  }

  /**
   * Sets up the report encoder of the configuration in use (none without one)
   * and #mismatch; loads the report path (reportsWanted: the entry loaded the
   * device module with the encoder).
   */
  async #makeEncoder() {
    const opts = this.#opts, options = this.#n.options;
    // The pinned configuration (privacy.config) is the one to use when none is given at run time.
    const pinned = typeof opts.pin === 'object' && options.taxonomy === undefined ? opts.pin : null;
    if (pinned) opts.epsilonPerReport = pinned.epsilonPerReport ?? opts.epsilonPerReport;
    if (!reportsWanted(options)) return;
    const R = (this.#R = await this.#n.reportPath());
    const encoder = (this.#encoder = new R.ReportEncoder(this.#n.Module, pinned ?? {
      taxonomy: options.taxonomy, segments: options.segments, sensitiveTopics: options.sensitiveTopics,
      epsilonPerReport: opts.epsilonPerReport, instantEpsilon: opts.instantEpsilon,
      mechanism: opts.mechanism, segmentThreshold: opts.segmentThreshold,
    }, pinned ? 'options.privacy.config.' : 'options.'));
    this.#mismatch = pinned ? null : configMismatch(R.ReportEncoder, this.#n.Module, opts.pin, encoder.info.fingerprint);
  }

  /** What flush() waits for: the ledger's and the memo's writes. @param {number} ms  the storage timeout */
  flushing(ms) {
    const ledger = within(this.#ledger.writing, ms, () => new LocalrankError('STORAGE_FAILED', `saving the privacy ledger did not finish within ${ms} ms; it is retried`, { field: 'privacy-ledger' }));
    return [ledger, this.#memo?.written];
  }

  dispose() {
    this.#disposed = true;
    this.#outbox?.abort();
    this.#schedule?.stop();
    this.#consent.dispose();
    this.#ledger.dispose();
    this.#accountant.delete();
    this.#encoder?.dispose();
  }

  /** Personalizer#consent. */
  consentApi() {
    const c = this.#consent, alive = this.#n.alive;
    return {
      get: () => { alive(); return c.get(); },
      /** @param {{personalization?: boolean, aggregateMeasurement?: boolean}} partial */
      set: async (partial) => { alive(); const state = await c.set(partial); this.#stopSending(); return state; },
    };
  }

  /** Personalizer#forget. */
  async forget() {
    this.#n.alive();
    this.#consent.reset();
    const erased = this.#n.eraseProfile();
    await Promise.all([erased, this.#ledger.writing.catch(() => {})]);
    this.#outbox?.abort();
    this.#outbox?.clear();
    const storage = this.#n.storage;
    const keys = new Set([CONSENT_KEY, OLD_LEDGER_NAME, OUTBOX_KEY, SCHEDULE_KEY].map((k) => this.#key(k)));
    const prefix = this.#key('');
    for (const k of (await storage.keys()) ?? []) if (k.startsWith(prefix)) keys.add(k);
    for (const k of keys) await storage.delete(k);
  }

  /** Personalizer#buildAggregateReport. @returns {Record<string, any>|null} */
  buildAggregateReport() {
    this.#n.alive();
    const encoder = this.#encoder, opts = this.#opts;
    if (!encoder) {
      throw new LocalrankError('INVALID_ARGUMENT', 'aggregate reports need options.taxonomy (shared with the server)', { field: 'options.taxonomy' });
    }
    if (this.#mismatch) throw configMismatchError(this.#mismatch);
    if (!this.#consent.get().aggregateMeasurement) return null;
    const now = this.#n.now();
    const eps = opts.epsilonPerReport;
    // The budget clock, not `now`, decides (wasm/src/ledger.js): a clock moved forward buys nothing.
    if (!this.#ledger.canSpend(eps)) return null;
    const R = /** @type {ReportPath} */ (this.#R);
    /** @type {import('./memo.js').ReportMemoStore} */ (this.#memo).ensure();
    const interest = this.#n.interest(encoder.taxonomy, now - opts.recentDays * MS_PER_DAY);
    const words = R.randomWords(encoder.info.wordsNeeded, opts.random);
    const text = encoder.encode(interest, R.utcDay(now), words);
    words.fill(0);
    const report = JSON.parse(text);
    const charged = this.#ledger.charge(eps);
    charged.catch(() => {});
    this.#charges.set(report, charged);
    return report;
  }

  /**
   * Personalizer#sendAggregateReport.
   * @param {string|URL} url @param {any} [options]
   */
  async sendAggregateReport(url, options) {
    this.#n.alive();
    // Without a taxonomy the report path is loaded only here (a report kept from an earlier session may still leave).
    const R = this.#R ?? await this.#n.reportPath();
    const o = R.deliveryOptions(options);
    const outbox = (this.#outbox ??= new R.ReportOutbox(this.#n.storage, this.#key(OUTBOX_KEY), this.#n.now));
    const wanted = () => !this.#disposed && this.#consent.get().aggregateMeasurement === true;
    let report = wanted() ? await outbox.pending() : null;
    if (report === null) {
      if (!wanted()) await outbox.drop();
      // Other tabs' spends first; the merged, stored ledger then decides whether this report may leave.
      await this.#ledger.persist(true);
      report = await outbox.keep(() => this.buildAggregateReport(), o.token);
      if (report === null) return null;
      let counted = false;
      try {
        // The memo a report was drawn from is stored before the report leaves.
        [counted] = await Promise.all([this.#charges.get(report), this.#memo?.written]);
      } finally {
        if (!counted) await outbox.drop();
      }
      if (!counted) return null;
    }
    const status = await outbox.deliver(url, o.retries, wanted, o.relay);
    return status === null ? null : { report, status };
  }

  /** A send in flight stops (aborted, its report dropped) once aggregateMeasurement is withdrawn. */
  #stopSending() {
    if (this.#consent.get().aggregateMeasurement !== true) this.#outbox?.abort();
  }

  /**
   * Personalizer#scheduleAggregateReports.
   * @param {string|URL} url @param {any} [options]
   */
  async scheduleAggregateReports(url, options) {
    this.#n.alive();
    const R = this.#R ?? await this.#n.reportPath();
    R.deliveryOptions(options);
    const opts = this.#opts, emit = this.#n.emit;
    this.#schedule?.stop();
    this.#schedule = await R.startSchedule({
      storage: this.#n.storage, key: this.#key(SCHEDULE_KEY), now: this.#n.now, auto: options?.auto !== false,
      slotMs: (opts.windowDays * MS_PER_DAY) / Math.max(1, Math.floor(opts.epsilonCap / opts.epsilonPerReport + 1e-9)),
      send: () => this.sendAggregateReport(url, options),
      onResult: (r) => emit('report', r),
      onError: (e) => emit('error', e),
    });
    return this.#schedule;
  }

  /** Personalizer#privacyBudget. */
  privacyBudget() {
    this.#n.alive();
    const accountant = this.#accountant, opts = this.#opts, ledger = this.#ledger;
    const now = ledger.now();
    const next = ledger.usable ? accountant.nextAvailable(opts.epsilonPerReport, now) : Infinity;
    const remaining = ledger.usable ? accountant.remaining(now) : 0;
    return {
      epsilonPerReport: opts.epsilonPerReport,
      epsilonCap: opts.epsilonCap,
      windowDays: opts.windowDays,
      spent: accountant.spent(now),
      remaining,
      reportsLeft: Math.floor(remaining / opts.epsilonPerReport + 1e-9),
      nextReportAt: Number.isFinite(next) ? next : null,
    };
  }
}

/**
 * The CONFIG_MISMATCH error when the configuration in use is not the pinned
 * one (privacy.config: the configuration or its fingerprint), else null.
 * @param {ReportPath['ReportEncoder']} ReportEncoder
 * @param {any} Module @param {string|Record<string, any>|undefined} pin @param {string} fingerprint
 */
function configMismatch(ReportEncoder, Module, pin, fingerprint) {
  if (pin === undefined) return null;
  let pinned = pin;
  if (typeof pin === 'object') {
    const enc = new ReportEncoder(Module, pin, 'options.privacy.config.');
    pinned = enc.info.fingerprint;
    enc.dispose();
  }
  if (pinned === fingerprint) return null;
  return new LocalrankError('CONFIG_MISMATCH', `the report configuration (${fingerprint}) is not the one pinned in options.privacy.config (${pinned}): ` +
    'no report. Serve every device the pinned configuration, or pin the new one in your bundle', { field: 'options.privacy.config' });
}

/** A fresh copy of the mismatch error, for each refused call. @param {LocalrankError} e */
function configMismatchError(e) {
  return new LocalrankError(e.code, e.message, { field: e.field });
}
