// SPDX-License-Identifier: MIT
// Runs inside the Web Worker started by `localrank/worker`: owns one
// Personalizer and answers the page's messages. Not imported by pages.
//
// Messages in:  {kind:'create', options, events, proxyStorage}
//               {kind:'call', id, method, args, stamp, token?, relay?, sched?}   {kind:'subscribe', name}
//               {kind:'storage-result', id, ok, value?, error?}   {kind:'dispose', id}
// Messages out: {kind:'result', id, ok, value?, error?}   {kind:'event', name, detail}
//               {kind:'storage', id, op, key, value?}   (op 'token': the page's token function `key`)
// Results and events carry {sched, at}: the current report schedule and its nextAt.
import { createPersonalizer } from './index.browser.mjs';
import { WORKER_METHODS, errorToWire, errorFromWire, ownedBuffers } from './worker-protocol.js';

const scope = /** @type {any} */ (globalThis);
const CREATE_ID = 0;
const methods = new Set(WORKER_METHODS);

/** @type {import('./personalizer.js').Personalizer | null} */
let personalizer = null;
/** The page's clock at the time of the call being run (options.now in the page). */
let stamp = Date.now();
/** Resolves once the personalizer exists (or failed); calls wait for it, in order. */
let ready = Promise.resolve();
/** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
const storageWaits = new Map();
let nextStorageId = 1;
const subscribed = new Set();
/** The report schedule (scheduleAggregateReports) and its number; the page runs its timer. @type {any} */
let schedule = null;
let scheduleId = 0;
/** localrank/ohttp, imported only once a relay is used. @type {Promise<typeof import('./ohttp.mjs')> | undefined} */
let ohttp;

/** @param {any} message @param {Transferable[]} [transfer] */
function post(message, transfer = []) {
  if (schedule) Object.assign(message, { sched: scheduleId, at: schedule.nextAt });
  scope.postMessage(message, transfer);
}

/** @param {number} id @param {unknown} value */
function reply(id, value) {
  try {
    post({ kind: 'result', id, ok: true, value }, ownedBuffers(value));
  } catch (e) {
    post({ kind: 'result', id, ok: false, error: errorToWire(new TypeError(`the result could not be sent to the page: ${e instanceof Error ? e.message : String(e)}`)) });
  }
}

/** @param {number} id @param {unknown} error */
function replyError(id, error) {
  post({ kind: 'result', id, ok: false, error: errorToWire(error) });
}

/** @param {string} name @param {unknown} detail */
function forwardEvent(name, detail) {
  const wire = detail instanceof Error ? { error: errorToWire(detail) } : { value: detail };
  try {
    post({ kind: 'event', name, detail: wire });
  } catch {
    // Not cloneable (e.g. holds a function): send what JSON keeps of it.
    post({ kind: 'event', name, detail: { value: JSON.parse(JSON.stringify(detail) ?? 'null') } });
  }
}

/** A storage adapter whose calls run in the page (where localStorage and the app's adapters live). */
const pageStorage = {
  /** @param {'get'|'set'|'delete'|'token'} op @param {string|number} key @param {string|Uint8Array} [value] */
  request(op, key, value) {
    const id = nextStorageId++;
    return new Promise((resolve, reject) => {
      storageWaits.set(id, { resolve, reject });
      post({ kind: 'storage', id, op, key, value });
    });
  },
};
const storageProxy = {
  /** @param {string} key */
  get: (key) => pageStorage.request('get', key),
  /** @param {string} key @param {string|Uint8Array} value */
  set: (key, value) => pageStorage.request('set', key, value),
  /** @param {string} key */
  delete: (key) => pageStorage.request('delete', key),
};

/** The same for a page adapter that stores bytes: the profile then crosses as bytes, not base64. */
const binaryStorageProxy = { ...storageProxy, binary: true };

/** @param {any} msg */
async function create(msg) {
  const options = { ...msg.options, now: () => stamp };
  // The page's adapter decides whether the profile crosses as bytes or as base64 text.
  if (msg.proxyStorage) options.storage = msg.proxyBinary === true ? binaryStorageProxy : storageProxy;
  /** @type {Record<string, (detail: any) => void>} */
  const on = {};
  for (const name of msg.events) {
    subscribed.add(name);
    on[name] = (detail) => forwardEvent(name, detail);
  }
  options.on = on;
  personalizer = await createPersonalizer(options);
}

/** @param {any} msg */
async function invoke(msg) {
  if (!personalizer) throw new TypeError('the personalizer was not created');
  if (msg.sched) {
    // runDue() or stop() of a schedule; an earlier, replaced one is stopped: nothing is due.
    stamp = msg.stamp;
    const s = msg.sched === scheduleId ? schedule : null;
    return msg.method === 'stop' ? s?.stop() : s?.runDue();
  }
  if (!methods.has(msg.method)) throw new TypeError(`${msg.method} is not a forwarded Personalizer method`);
  const path = String(msg.method).split('.');
  /** @type {any} */
  let target = personalizer;
  for (const part of path.slice(0, -1)) target = target?.[part];
  const fn = target?.[path[path.length - 1]];
  if (typeof fn !== 'function') throw new TypeError(`${msg.method} is not available in this version of localrank`);
  // Delivery options that could not cross: the page's token function and the relay, rebuilt here.
  if (msg.token) msg.args[1].token = () => pageStorage.request('token', msg.token);
  if ('relay' in msg) msg.args[1].relay = msg.relay && (await (ohttp ??= import('./ohttp.mjs'))).createOhttpRelay(msg.relay);
  stamp = msg.stamp;
  const value = await fn.apply(target, msg.args);
  if (msg.method !== 'scheduleAggregateReports') return value;
  schedule = value;
  return { sched: ++scheduleId, nextAt: value.nextAt };
}

scope.addEventListener('message', (/** @type {MessageEvent} */ ev) => {
  const msg = ev.data;
  switch (msg?.kind) {
    case 'create':
      stamp = msg.stamp;
      ready = create(msg).then(
        () => reply(CREATE_ID, null),
        (e) => { replyError(CREATE_ID, e); scope.close(); },
      );
      break;
    case 'call':
      // Started in arrival order; an async method (flush) does not block the next call.
      ready.then(() => invoke(msg)).then((v) => reply(msg.id, v), (e) => replyError(msg.id, e));
      break;
    case 'subscribe':
      if (!subscribed.has(msg.name)) {
        subscribed.add(msg.name);
        ready.then(() => personalizer?.on(msg.name, (/** @type {unknown} */ detail) => forwardEvent(msg.name, detail)));
      }
      break;
    case 'storage-result': {
      const wait = storageWaits.get(msg.id);
      storageWaits.delete(msg.id);
      if (msg.ok) wait?.resolve(msg.value);
      else wait?.reject(errorFromWire(msg.error));
      break;
    }
    case 'dispose':
      ready.then(() => {
        personalizer?.dispose();
        personalizer = null;
        reply(msg.id, null);
        scope.close();
      });
      break;
    default:
      break;
  }
});
