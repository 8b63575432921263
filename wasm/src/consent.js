// SPDX-License-Identifier: MIT
// Consent per purpose. Opt-in: both purposes are off until granted. The
// record is stored with a timestamp and the policy version it was given
// under; a record from another policy version is not trusted (ask again).
// Tabs sharing the storage hear each other's changes (BroadcastChannel): a
// withdrawal in one tab stops profiling and reports in every tab at once.
import { LocalrankError } from './errors.js';

/** The purposes a person can consent to. */
export const PURPOSES = Object.freeze(['personalization', 'aggregateMeasurement']);
export const CONSENT_KEY = 'consent';
export const DEFAULT_POLICY_VERSION = '1';

/** Whether the browser sends the Global Privacy Control signal. */
export function gpcSignal() {
  return /** @type {any} */ (globalThis).navigator?.globalPrivacyControl === true;
}

/**
 * Checks a partial consent object.
 * @param {unknown} partial
 * @param {string} field
 * @returns {Partial<Record<'personalization'|'aggregateMeasurement', boolean>>}
 */
export function checkConsent(partial, field) {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw new TypeError(`${field} must be an object {personalization?: boolean, aggregateMeasurement?: boolean}`);
  }
  /** @type {Record<string, boolean>} */
  const out = {};
  for (const [k, v] of Object.entries(partial)) {
    if (k === 'policyVersion') continue;  // accepted for symmetry with get(); the personalizer's policy applies
    if (!PURPOSES.includes(k)) {
      throw new LocalrankError('INVALID_ARGUMENT', `${field}.${k} is not a purpose (personalization, aggregateMeasurement)`, { field: `${field}.${k}` });
    }
    if (v === undefined) continue;
    if (typeof v !== 'boolean') {
      throw new LocalrankError('INVALID_ARGUMENT', `${field}.${k} must be a boolean`, { field: `${field}.${k}` });
    }
    out[k] = v;
  }
  return out;
}

/**
 * The consent state of one personalizer. It mutates `state` (the object the
 * personalizer reads on every record/rerank) in place.
 */
export class ConsentManager {
  #state;
  #storage;
  #key;
  #now;
  #policyVersion;
  #honorGpc;
  /** The page's GPC signal passed at creation (a worker has no navigator of the page). */
  #pageGpc;
  #onWithdrawPersonalization;
  /** @type {number|null} */
  #updatedAt = null;
  /** @type {BroadcastChannel|null} */
  #channel = null;
  /** Tells this manager's own messages apart from other tabs'. */
  #writer = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

  /**
   * @param {{personalization: boolean, aggregateMeasurement: boolean}} state
   * @param {{get(k: string): Promise<string|null>, set(k: string, v: string): Promise<void>}} storage
   * @param {{key: string, now: () => number, policyVersion: string, honorGpc: boolean, gpc?: boolean,
   *          onWithdrawPersonalization: () => Promise<void>}} o
   */
  constructor(state, storage, o) {
    this.#state = state;
    this.#storage = storage;
    this.#key = o.key;
    this.#now = o.now;
    this.#policyVersion = o.policyVersion;
    this.#honorGpc = o.honorGpc;
    this.#pageGpc = o.gpc === true;
    this.#onWithdrawPersonalization = o.onWithdrawPersonalization;
  }

  /** Whether the browser sends GPC: the page's signal passed at creation, or this context's own. */
  get #gpc() { return this.#pageGpc || gpcSignal(); }

  /** Whether GPC currently blocks aggregate measurement. */
  get gpcBlocks() { return this.#honorGpc && this.#gpc; }

  /**
   * Restores the stored record (same policy version only), then applies the
   * integrator's explicit `initial` choices on top, in memory only: an
   * integrator that passes consent at creation keeps its own record, and
   * `set()` is what stores. Resolves to true when `initial` explicitly
   * withdraws personalization (the caller then erases any stored profile).
   * @param {unknown} initial
   * @param {(error: LocalrankError) => void} onError  a failed read: the stored record is not used
   */
  async load(initial, onError) {
    const given = initial === undefined ? {} : checkConsent(initial, 'options.consent');
    this.#state.personalization = false;
    this.#state.aggregateMeasurement = false;
    let text = null;
    try {
      text = await this.#storage.get(this.#key);
    } catch (cause) {
      onError(new LocalrankError('STORAGE_FAILED', `reading the consent record failed: ${cause instanceof Error ? cause.message : String(cause)}`, { field: 'consent', cause }));
    }
    let stored = null;
    if (text !== null) {
      try { stored = JSON.parse(text); } catch { stored = null; }
    }
    if (stored && stored.policyVersion === this.#policyVersion && typeof stored.updatedAt === 'number') {
      this.#state.personalization = stored.personalization === true;
      this.#state.aggregateMeasurement = stored.aggregateMeasurement === true;
      this.#updatedAt = stored.updatedAt;
    }
    if (given.personalization !== undefined) this.#state.personalization = given.personalization;
    if (given.aggregateMeasurement !== undefined) this.#state.aggregateMeasurement = given.aggregateMeasurement;
    // Creation does not fail on a browser signal: the purpose just stays off.
    if (this.gpcBlocks) this.#state.aggregateMeasurement = false;
    return given.personalization === false;
  }

  /** The current consent, with when it was given and under which policy. */
  get() {
    return {
      personalization: this.#state.personalization,
      aggregateMeasurement: this.#state.aggregateMeasurement && !this.gpcBlocks,
      updatedAt: this.#updatedAt,
      policyVersion: this.#policyVersion,
      gpc: this.#gpc,
      gpcOverride: this.#gpcOverride,
    };
  }

  /** Whether the integrator's explicit override (privacy.honorGpc: false) is what lets measurement run despite GPC. */
  get #gpcOverride() { return !this.#honorGpc && this.#gpc; }

  /**
   * Grants or withdraws purposes. Takes effect at once (before the returned
   * promise settles); the promise resolves once the record is stored and,
   * when personalization was withdrawn, the profile erased.
   * @param {Partial<Record<'personalization'|'aggregateMeasurement', boolean>>} partial
   */
  async set(partial) {
    const given = checkConsent(partial, 'consent');
    if (given.aggregateMeasurement === true && this.gpcBlocks) {
      throw new LocalrankError('NOT_CONSENTED',
        'consent.aggregateMeasurement cannot be switched on: the browser sends Global Privacy Control ' +
        '(the integrator may pass privacy.honorGpc: false after asking the person explicitly)',
        { field: 'consent.aggregateMeasurement' });
    }
    const withdrawn = this.#state.personalization && given.personalization === false;
    if (given.personalization !== undefined) this.#state.personalization = given.personalization;
    if (given.aggregateMeasurement !== undefined) this.#state.aggregateMeasurement = given.aggregateMeasurement;
    this.#updatedAt = this.#now();
    const record = {
      personalization: this.#state.personalization,
      aggregateMeasurement: this.#state.aggregateMeasurement,
      updatedAt: this.#updatedAt,
      policyVersion: this.#policyVersion,
      // The signal and the override as they were when this choice was recorded.
      gpc: this.#gpc,
      gpcOverride: this.#gpcOverride,
    };
    const erase = withdrawn ? this.#onWithdrawPersonalization() : Promise.resolve();
    // Other tabs hear of it at once: a withdrawal must not wait for the write.
    this.#broadcast(record);
    await Promise.all([this.#storage.set(this.#key, JSON.stringify(record)), erase]);
    return this.get();
  }

  /** Back to nothing granted (after forget()), here and in the other tabs; nothing is stored. */
  reset() {
    this.#state.personalization = false;
    this.#state.aggregateMeasurement = false;
    this.#updatedAt = null;
    this.#broadcast(null);
  }

  /**
   * Listens for consent changes made by other tabs on the same storage.
   * `onChange` runs after the remote record has been applied here;
   * `withdrawn` says personalization went from on to off.
   * @param {string} name  channel name, one per storage namespace
   * @param {(change: {withdrawn: boolean}) => void} onChange
   */
  listen(name, onChange) {
    if (this.#channel || typeof BroadcastChannel !== 'function') return;
    const channel = new BroadcastChannel(name);
    /** @type {any} */ (channel).unref?.();
    channel.onmessage = (ev) => {
      const m = ev.data;
      if (!m || m.type !== 'consent' || m.writer === this.#writer) return;
      const before = this.#state.personalization;
      if (!this.#applyRemote(m.record)) return;
      onChange({ withdrawn: before && !this.#state.personalization });
    };
    this.#channel = channel;
  }

  /** Stops listening to other tabs. */
  dispose() {
    this.#channel?.close();
    this.#channel = null;
  }

  /**
   * Applies another tab's record (null: everything was forgotten). A record
   * under another policy version is not trusted, as on load.
   * @param {unknown} record
   * @returns {boolean} whether anything was applied
   */
  #applyRemote(record) {
    if (record === null) {
      this.#state.personalization = false;
      this.#state.aggregateMeasurement = false;
      this.#updatedAt = null;
      return true;
    }
    const r = /** @type {Record<string, unknown>} */ (record);
    if (!r || typeof r !== 'object' || r.policyVersion !== this.#policyVersion || typeof r.updatedAt !== 'number') return false;
    this.#state.personalization = r.personalization === true;
    this.#state.aggregateMeasurement = r.aggregateMeasurement === true && !this.gpcBlocks;
    this.#updatedAt = r.updatedAt;
    return true;
  }

  /** @param {object|null} record */
  #broadcast(record) {
    try {
      this.#channel?.postMessage({ type: 'consent', writer: this.#writer, record });
    } catch {
      // A closed channel only means nobody else is listening.
    }
  }
}
