// SPDX-License-Identifier: MIT
// Public types of `localrank/worker`: the Personalizer in a Web Worker.
// Checked by tests/types (tsc --strict, nodenext and bundler resolution).
import type { Personalizer, PersonalizerOptions, PersonalizerEventName, SendOptions, ScheduleOptions } from './index.js';
import type { OhttpRelay } from './ohttp.js';

export { LocalrankError, ErrorCode, LIMITS, EVENT_TYPES, DEFAULT_MODEL } from './index.js';
export type {
  ErrorCodeName, Item, InteractionEvent, RankedItem, Reason, ReasonKind, RerankOptions, ProfileView,
  ExportedProfile, Context, Consent, Topics, StorageAdapter, PersonalizerEventName, ModelPrior, ModelView, Signal,
  PackedItems, PackedRanking, Explanation,
} from './index.js';

/** Names of the Personalizer methods that a {@link WorkerPersonalizer} forwards to its worker. */
export type ForwardedMethod = 'record' | 'rerank' | 'rerankPacked' | 'explain' | 'topicId' | 'creatorId' | 'adjust'
  | 'profile' | 'exportProfile' | 'importProfile' | 'flush' | 'consent.get' | 'consent.set' | 'forget'
  | 'buildAggregateReport' | 'sendAggregateReport' | 'privacyBudget' | 'scheduleAggregateReports';

/** The forwarded method names, as sent over postMessage. */
export declare const WORKER_METHODS: readonly ForwardedMethod[];

/** Each method of `T`, returning a promise of what it returned. */
export type Promisified<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** What `localrank/worker` needs of a Worker (a DOM `Worker` fits). */
export interface WorkerLike {
  postMessage(message: any, transfer: any[]): void;
  addEventListener(type: string, listener: (event: any) => void): void;
  terminate(): void;
}

/** Options of {@link createWorkerPersonalizer}: those of `createPersonalizer`, plus `worker`. */
export interface WorkerPersonalizerOptions extends PersonalizerOptions {
  /**
   * The worker to run in, instead of the one bundled with the package: a Worker
   * you started on localrank's `dist/worker-thread.mjs` (e.g. from a bundler's
   * worker import), or that script's URL (started as a module worker).
   */
  worker?: WorkerLike | string | URL;
}

/**
 * A relay for a worker's reports: the one `createOhttpRelay` made in the page, or its `{url, keyConfig}`; either way
 * the worker builds it again from these (a relay object cannot cross postMessage).
 */
export type WorkerRelay = OhttpRelay | { url: string | URL; keyConfig: Uint8Array | ArrayBuffer | string };

/**
 * A Personalizer running in a Web Worker. The same methods as {@link Personalizer},
 * each returning a promise; arguments are copied to the worker (your arrays stay
 * usable), errors arrive as the same `LocalrankError` (code, field, index).
 * `now()`, event handlers, a custom storage adapter, a `token` function and the
 * report schedule's timer run in the page.
 */
export interface WorkerPersonalizer extends Promisified<Pick<Personalizer, Exclude<ForwardedMethod, `consent.${string}` | 'sendAggregateReport' | 'scheduleAggregateReports'>>> {
  /** Consent per purpose of the worker's personalizer; both methods return promises. */
  readonly consent: Promisified<Personalizer['consent']>;
  /** As `Personalizer.sendAggregateReport`; a `token` function is called in the page when the worker needs a token. */
  sendAggregateReport(url: string | URL, options?: Omit<SendOptions, 'relay'> & { relay?: WorkerRelay }): ReturnType<Personalizer['sendAggregateReport']>;
  /**
   * As `Personalizer.scheduleAggregateReports`: the schedule runs in the worker, its timer on the page's clock;
   * the handle's `nextAt` follows the worker's, `runDue()` and `stop()` are forwarded, `report` and `error` events
   * reach the page's handlers.
   */
  scheduleAggregateReports(url: string | URL, options?: Omit<ScheduleOptions, 'relay'> & { relay?: WorkerRelay }): ReturnType<Personalizer['scheduleAggregateReports']>;
}
export declare class WorkerPersonalizer {
  private constructor();
  /** Subscribes to an event of the worker's personalizer; the handler runs in the page. Returns an unsubscribe function. */
  on(name: PersonalizerEventName, handler: (detail: any) => void): () => void;
  /**
   * Releases the core and stops the worker. Calls sent before finish first; later
   * calls reject with `DISPOSED`. Does not save: `await flush()` first if needed.
   */
  dispose(): Promise<void>;
  /** `await using p = await createWorkerPersonalizer()` disposes at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a Web Worker with the WebAssembly core and creates a personalizer in it.
 * Rejects with the same errors as `createPersonalizer`, or an `Error` if the worker
 * script cannot load.
 */
export declare function createWorkerPersonalizer(options?: WorkerPersonalizerOptions): Promise<WorkerPersonalizer>;
