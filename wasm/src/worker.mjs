// SPDX-License-Identifier: MIT
// `localrank/worker`: the Personalizer in a Web Worker, off the main thread.
// Same methods, each returning a promise. The page keeps the clock, the event
// handlers and any custom storage adapter; the worker keeps the core.
import { LocalrankError } from './errors.js';
import { resolveStorage } from './storage.js';
import { gpcSignal } from './consent.js';
import { WORKER_METHODS, errorFromWire, errorToWire, atCallSite } from './worker-protocol.js';

export { LocalrankError, ErrorCode } from './errors.js';
export { LIMITS, EVENT_TYPES } from './core-buffers.js';
export { DEFAULT_MODEL } from './model.js';
export { WORKER_METHODS } from './worker-protocol.js';

/**
 * The worker this package ships. Written as one expression on purpose: Vite,
 * webpack 5 and Parcel recognise `new Worker(new URL('…', import.meta.url), {type: 'module'})`
 * and bundle the script (and the .wasm it loads) as a worker entry.
 * @returns {Worker}
 */
function startBundledWorker() {
  return new Worker(new URL('./worker-thread.mjs', import.meta.url), { type: 'module' });
}

/**
 * @param {unknown} option
 * @returns {Worker}
 */
function startWorker(option) {
  const w = /** @type {any} */ (option);
  if (w && typeof w === 'object' && !(w instanceof URL)) {
    if (typeof w.postMessage === 'function' && typeof w.addEventListener === 'function' && typeof w.terminate === 'function') {
      return /** @type {Worker} */ (w);
    }
  } else if (option === undefined || typeof option === 'string' || option instanceof URL) {
    if (typeof Worker !== 'function') {
      throw new TypeError('localrank/worker needs Web Workers (a browser); in Node use createPersonalizer from "localrank"');
    }
    return option === undefined ? startBundledWorker() : new Worker(option, { type: 'module' });
  }
  throw new TypeError('options.worker must be a Worker running localrank\'s worker-thread.mjs, or its URL');
}

/** @param {unknown} url */
function absoluteUrl(url) {
  const base = /** @type {any} */ (globalThis).document?.baseURI ?? /** @type {any} */ (globalThis).location?.href;
  return new URL(String(url), base).href;
}

/** @type {(self: WorkerPersonalizer, method: string, args: unknown[]) => Promise<any>} */
let callMethod;
/** @type {(self: WorkerPersonalizer, options: Record<string, any>) => Promise<void>} */
let startPersonalizer;

/**
 * A Personalizer running in a Web Worker. Created by {@link createWorkerPersonalizer};
 * every forwarded method returns a promise of what the Personalizer method returns.
 */
export class WorkerPersonalizer {
  #worker;
  #now;
  /** @type {ReturnType<typeof resolveStorage> | null} */
  #storage;
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void, site: Error}>} */
  #pending = new Map();
  /** @type {Map<string, Set<(detail: any) => void>>} */
  #handlers = new Map();
  #nextId = 1;
  /** Why calls are refused (set by dispose or a worker failure), or null while usable. @type {Error | null} */
  #closed = null;
  /** @type {Promise<void> | null} */
  #disposing = null;
  #started = false;
  /** Token functions of sends and schedules, by call id: the worker asks for a token by message. @type {Map<number, Function>} */
  #tokens = new Map();
  /** The page side of the current report schedule. @type {{sched: number, token: number, update: (at: number) => void, halt: () => void} | null} */
  #schedule = null;

  /**
   * @internal Use {@link createWorkerPersonalizer}.
   * @param {Worker} worker @param {() => number} now @param {ReturnType<typeof resolveStorage> | null} storage
   */
  constructor(worker, now, storage) {
    this.#worker = worker;
    this.#now = now;
    this.#storage = storage;
    worker.addEventListener('message', (ev) => this.#onMessage(/** @type {MessageEvent} */ (ev).data));
    worker.addEventListener('error', (ev) => {
      const e = /** @type {ErrorEvent} */ (ev);
      e.preventDefault?.();
      this.#fail(new Error(`the localrank worker failed: ${e.message || 'it could not be loaded (check its URL, MIME type and the worker-src/script-src CSP)'}`));
    });
    worker.addEventListener('messageerror', () => this.#fail(new Error('the localrank worker sent a message that could not be read')));
    for (const name of WORKER_METHODS) {
      if (!name.includes('.')) continue;
      // `consent.set` becomes this.consent.set(...)
      const parts = name.split('.');
      /** @type {any} */
      let obj = this;
      for (const part of parts.slice(0, -1)) obj = obj[part] ??= {};
      obj[parts[parts.length - 1]] = (/** @type {unknown[]} */ ...args) => this.#call(name, args);
    }
  }

  static {
    callMethod = (self, method, args) => self.#call(method, args);
    startPersonalizer = (self, options) => self.#start(options);
  }

  /**
   * Sends the create message; resolves when the worker's personalizer exists.
   * Handlers registered so far are subscribed before the stored profile loads.
   * @param {Record<string, any>} options
   * @returns {Promise<void>}
   */
  #start(options) {
    this.#started = true;
    const events = [...this.#handlers.keys()];
    const message = { kind: 'create', options, events, proxyStorage: this.#storage !== null, proxyBinary: this.#storage?.binary === true, stamp: this.#now() };
    const done = this.#expect(0, new Error());
    try {
      this.#worker.postMessage(message);
    } catch (e) {
      this.#pending.delete(0);
      throw new TypeError(`options must be cloneable to reach the worker: ${e instanceof Error ? e.message : String(e)}`);
    }
    return done;
  }

  /**
   * @param {number} id
   * @param {Error} site  made where the caller called: a failure gets its stack
   */
  #expect(id, site) {
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject, site }));
  }

  /** @param {string} method @param {unknown[]} args @param {number} [sched] a schedule's runDue or stop */
  #call(method, args, sched) {
    if (this.#closed) return Promise.reject(this.#closed);
    let stamp;
    try {
      stamp = this.#now();
    } catch (e) {
      return Promise.reject(e);
    }
    const id = this.#nextId++;
    /** @type {Record<string, any>} */
    const message = { kind: 'call', id, method, args, stamp, sched };
    const scheduling = method === 'scheduleAggregateReports';
    const auto = scheduling ? /** @type {any} */ (args[1])?.auto !== false : false;
    if (scheduling || method === 'sendAggregateReport') this.#delivery(message, scheduling);
    /** @type {Promise<any>} */
    let done = this.#expect(id, new Error());
    const forget = () => { this.#tokens.delete(id); };
    try {
      // Inputs are copied, not transferred: the caller keeps its arrays intact.
      this.#worker.postMessage(message);
    } catch (e) {
      this.#pending.delete(id);
      forget();
      return Promise.reject(new TypeError(`${method}: arguments must be cloneable to reach the worker: ${e instanceof Error ? e.message : String(e)}`));
    }
    if (scheduling) done = done.then((v) => this.#scheduled(v, id, auto), (e) => { forget(); throw e; });
    else if (message.token) done.then(forget, forget);
    return done;
  }

  /**
   * The options of sendAggregateReport / scheduleAggregateReports as they can
   * cross: a token function stays here (the worker asks for a token by
   * message), a relay goes as its `{url, keyConfig}` and is built again in the
   * worker, URLs are made absolute, and the worker's schedule arms no timer
   * (the page's does, on the page's clock).
   * @param {Record<string, any>} m @param {boolean} scheduling
   */
  #delivery(m, scheduling) {
    const [url, o] = m.args;
    /** @param {unknown} u */
    const abs = (u) => {
      try {
        return typeof u === 'string' || u instanceof URL ? absoluteUrl(u) : u;
      } catch {
        return u; // refused in the worker with the main API's error
      }
    };
    const { token, relay, ...rest } = o !== null && typeof o === 'object' ? o : {};
    if (typeof token === 'function') {
      this.#tokens.set(m.id, token);
      m.token = m.id;
    } else if (token !== undefined) rest.token = token;
    if (relay !== undefined) {
      // Anything else is refused there as by the main API ("must come from createOhttpRelay()").
      m.relay = relay !== null && typeof relay === 'object' && 'url' in relay && 'keyConfig' in relay ? { url: abs(relay.url), keyConfig: relay.keyConfig } : null;
    }
    if (scheduling) rest.auto = false;
    m.args = [abs(url), rest];
  }

  /**
   * The page side of a schedule made in the worker: nextAt follows the
   * worker's (every message carries it), runDue()/stop() are forwarded, and
   * unless `auto` is false a timer here calls runDue() when due (woken at
   * most hourly), as the main API's does.
   * @param {{sched: number, nextAt: number}} v @param {number} token @param {boolean} auto
   */
  #scheduled(v, token, auto) {
    const old = this.#schedule;
    if (old) {
      old.halt();
      this.#tokens.delete(old.token);
    }
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    let stopped = false;
    const arm = () => {
      clearTimeout(timer);
      if (!stopped && auto) timer = setTimeout(() => { handle.runDue().catch(() => {}); }, Math.min(Math.max(handle.nextAt - this.#now(), 1000), 3600000));
    };
    const halt = () => {
      stopped = true;
      clearTimeout(timer);
    };
    const handle = {
      nextAt: v.nextAt,
      /** @returns {Promise<any>} */
      runDue: () => (stopped ? Promise.resolve(undefined) : this.#call('runDue', [], v.sched).finally(arm)),
      stop: () => {
        halt();
        this.#call('stop', [], v.sched).catch(() => {});
      },
    };
    this.#schedule = { sched: v.sched, token, update: (at) => { if (at !== handle.nextAt) { handle.nextAt = at; arm(); } }, halt };
    arm();
    return handle;
  }

  /** @param {any} msg */
  #onMessage(msg) {
    if (msg?.sched !== undefined && msg.sched === this.#schedule?.sched) this.#schedule.update(msg.at);
    switch (msg?.kind) {
      case 'result': {
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        if (msg.ok) p?.resolve(msg.value);
        else if (p) p.reject(atCallSite(errorFromWire(msg.error), p.site));
        break;
      }
      case 'event': {
        const detail = msg.detail.error ? errorFromWire(msg.detail.error) : msg.detail.value;
        for (const fn of this.#handlers.get(msg.name) ?? []) {
          try {
            fn(detail);
          } catch (e) {
            // A failing handler must not stop the others or the worker's replies.
            queueMicrotask(() => { throw e; });
          }
        }
        break;
      }
      case 'storage':
        this.#storageRequest(msg);
        break;
      default:
        break;
    }
  }

  /** @param {{id: number, op: 'get'|'set'|'delete', key: string, value?: string|Uint8Array}} msg */
  async #storageRequest(msg) {
    const s = this.#storage;
    try {
      /** @type {unknown} */
      let value;
      if (msg.op === 'token') {
        const token = this.#tokens.get(/** @type {any} */ (msg.key));
        if (!token) throw new TypeError('the schedule was replaced');
        value = await token();
      } else if (!s) throw new TypeError('no storage adapter in the page');
      // getSlot: the profile slots may hold bytes (a binary adapter); other keys hold strings.
      else value = msg.op === 'get' ? await s.getSlot(msg.key) : msg.op === 'set' ? await s.set(msg.key, /** @type {string|Uint8Array} */ (msg.value)) : await s.delete(msg.key);
      this.#worker.postMessage({ kind: 'storage-result', id: msg.id, ok: true, value: value ?? null });
    } catch (e) {
      if (!this.#closed) this.#worker.postMessage({ kind: 'storage-result', id: msg.id, ok: false, error: errorToWire(e) });
    }
  }

  /** @param {Error} reason */
  #fail(reason) {
    if (!this.#closed) this.#closed = reason;
    this.#schedule?.halt();
    for (const p of this.#pending.values()) p.reject(reason);
    this.#pending.clear();
    this.#worker.terminate();
  }

  /**
   * Subscribes to a Personalizer event ('profile-reset', 'error', ...); the
   * handler runs in the page. Returns an unsubscribe function.
   * @param {string} name
   * @param {(detail: any) => void} handler
   * @returns {() => void}
   */
  on(name, handler) {
    if (typeof name !== 'string') throw new TypeError('event name must be a string');
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    let set = this.#handlers.get(name);
    if (!set) {
      set = new Set();
      this.#handlers.set(name, set);
      if (this.#started && !this.#closed) this.#worker.postMessage({ kind: 'subscribe', name });
    }
    set.add(handler);
    return () => { set.delete(handler); };
  }

  /**
   * Releases the core and stops the worker. Calls already sent finish first;
   * later calls reject with `DISPOSED`. Does not save: `await flush()` first
   * if the last changes must be stored.
   * @returns {Promise<void>}
   */
  dispose() {
    if (this.#disposing) return this.#disposing;
    const disposed = new LocalrankError('DISPOSED', 'this personalizer was disposed');
    this.#schedule?.halt();
    if (this.#closed) {
      this.#closed = disposed;
      this.#disposing = Promise.resolve();
      return this.#disposing;
    }
    const id = this.#nextId++;
    const done = this.#expect(id, new Error());
    this.#worker.postMessage({ kind: 'dispose', id });
    this.#closed = disposed;
    this.#disposing = done.then(() => { this.#worker.terminate(); }, () => { this.#worker.terminate(); });
    return this.#disposing;
  }
}

if (typeof Symbol.asyncDispose === 'symbol') {
  // `await using p = await createWorkerPersonalizer()` disposes at the end of the block.
  Object.defineProperty(WorkerPersonalizer.prototype, Symbol.asyncDispose, {
    configurable: true,
    writable: true,
    value: /** @this {WorkerPersonalizer} */ function () { return this.dispose(); },
  });
}

for (const name of WORKER_METHODS) {
  if (name.includes('.')) continue;
  Object.defineProperty(WorkerPersonalizer.prototype, name, {
    configurable: true,
    writable: true,
    value: /** @this {WorkerPersonalizer} @param {unknown[]} args */ function (...args) { return callMethod(this, name, args); },
  });
}

/**
 * Creates a Personalizer in a Web Worker. Takes the options of
 * `createPersonalizer`, plus `worker` (a Worker or URL to use instead of the
 * bundled script). `now`, `on` handlers and a custom `storage` adapter stay in
 * the page: the worker asks for them by message.
 * @param {import('./worker.js').WorkerPersonalizerOptions} [options]
 * @returns {Promise<WorkerPersonalizer>}
 */
export async function createWorkerPersonalizer(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const { worker: workerOption, now, on, storage, ...rest } = /** @type {Record<string, any>} */ (options);
  if (now !== undefined && typeof now !== 'function') throw new TypeError('options.now must be a function returning ms');
  if (on !== undefined && (on === null || typeof on !== 'object')) throw new TypeError('options.on must be an object of handlers');
  for (const [name, fn] of Object.entries(on ?? {})) {
    if (typeof fn !== 'function') throw new TypeError(`options.on.${name} must be a function`);
  }
  const pageStorage = storage === undefined || typeof storage === 'string' ? null : resolveStorage(storage);
  /** @type {Record<string, any>} */
  const sent = { ...rest };
  if (typeof storage === 'string') sent.storage = storage;
  // The worker cannot see the page's Global Privacy Control: pass it along.
  if (gpcSignal() && (sent.privacy === undefined || (sent.privacy !== null && typeof sent.privacy === 'object'))) {
    sent.privacy = { ...sent.privacy, gpc: true };
  }
  const worker = startWorker(workerOption);
  // The worker resolves URLs against its own script, so make them absolute here.
  try {
    if (sent.wasmUrl !== undefined) sent.wasmUrl = absoluteUrl(sent.wasmUrl);
    if (sent.reportWasmUrl !== undefined) sent.reportWasmUrl = absoluteUrl(sent.reportWasmUrl);
  } catch (e) {
    worker.terminate();
    throw e;
  }
  const p = new WorkerPersonalizer(worker, now ?? Date.now, pageStorage);
  for (const [name, fn] of Object.entries(on ?? {})) p.on(name, fn);
  try {
    await startPersonalizer(p, sent);
  } catch (e) {
    worker.terminate();
    throw e;
  }
  return p;
}
