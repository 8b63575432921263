// SPDX-License-Identifier: MIT
// Public types of localrank. Hand-written (Emscripten 3.1.6 has no --emit-tsd);
// checked by tests/types (tsc --strict, nodenext and bundler resolution).

declare global {
  // Lets these types compile with lib es2022 too (no esnext.disposable needed);
  // identical to the declarations in TypeScript's own lib, so the two merge.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
    readonly asyncDispose: unique symbol;
  }
}

/** Topics of an item or event: `{ name: weight }` or a list of names (weight 1 each). */
export type Topics = Record<string, number> | readonly string[];

/** What the person is doing right now. Context is a first-class input. */
export interface Context {
  /** Local hour 0..23 (pooled into night / morning / afternoon / evening). */
  hour?: number;
  /** 0 = Sunday .. 6 = Saturday (pooled into weekday / weekend). */
  weekday?: number;
  /** App-defined device class, e.g. `"mobile"`. */
  device?: string;
  /** App-defined intent, e.g. `"commute"`, `"workout"`, `"wind-down"`. */
  intent?: string;
}

/** A candidate the server sent. */
export interface Item {
  /** Unique within one rerank call; at most 256 characters. */
  id: string;
  topics?: Topics;
  creatorId?: string;
  /** Publication time, ms since epoch. */
  publishedAt?: number;
  /** The server's own relevance score (any finite scale). */
  serverScore?: number;
  /** Keeps its input position (e.g. a sponsored slot). */
  pinned?: boolean;
  /** Length `dim` (set at creation). */
  embedding?: readonly number[] | Float32Array;
}

/** Interaction kinds. */
export type EventType =
  | 'impression' | 'click' | 'dwell' | 'like' | 'share' | 'comment'
  | 'save' | 'follow' | 'hide' | 'notInterested' | 'report';

/** One interaction. */
export interface InteractionEvent {
  type: EventType;
  itemId?: string;
  topics?: Topics;
  creatorId?: string;
  /** ms since epoch; defaults to `now()`. */
  at?: number;
  /** Required for `dwell`. */
  dwellMs?: number;
  /** Expected read time of the item; a dwell is judged against it. */
  expectedMs?: number;
  context?: Context;
  embedding?: readonly number[] | Float32Array;
}

/** Consent per purpose; everything is off until granted (opt-in). */
export interface Consent {
  personalization?: boolean;
  aggregateMeasurement?: boolean;
}

/**
 * A storage adapter: values under string keys; methods may return plain values
 * or promises. `get` returns null/undefined for a missing key. A `set` that
 * throws or rejects is reported as an `error` event. Every adapter stores
 * strings; one with `binary: true` also stores bytes and then gets the profile
 * as a `Uint8Array` instead of base64 text. See docs/storage.md.
 */
export interface StorageAdapter {
  /** A stored string; for a `binary` adapter also the stored bytes (any view of them, or an ArrayBuffer). */
  get(key: string): StoredValue | ArrayBuffer | null | undefined | Promise<StoredValue | ArrayBuffer | null | undefined>;
  /** `value` is a string, or for a `binary` adapter possibly a Uint8Array (store its bytes). */
  set(key: string, value: StoredValue): void | Promise<void>;
  delete(key: string): void | Promise<void>;
  /** Optional: every stored key, so that erasing can find all of them. */
  keys?(): Iterable<string> | Promise<Iterable<string>>;
  /** Optional: `set` also takes bytes (IndexedDB and `memoryStorage()` do); without it the profile is base64 text. */
  binary?: boolean;
  /** Optional: false for a store that does not outlive the page (`memoryStorage()`): no aggregate report is built over it. */
  persistent?: boolean;
  /**
   * Optional: where Web Locks are missing, also exclude other realms with a short lease written through this
   * adapter (docs/storage.md). Default: true in browsers; in Node only when set, for a store several processes share.
   */
  lease?: boolean;
}

/** What an adapter stores: strings, and bytes for a `binary` adapter. */
export type StoredValue = string | Uint8Array;

/** Built-in storage: `'indexedDB'` (browser default), `'localStorage'`, `'memory'` (Node default, private). */
export type StorageKind = 'indexedDB' | 'localStorage' | 'memory';

/** Why a stored profile was not used (carried by `profile-reset`). */
export type ProfileResetReason =
  /** Not in localrank's storage format (garbage, another app's data). */
  | 'unreadable'
  /** Does not match its checksum: cut short or edited. */
  | 'checksum'
  /** Written by a newer localrank; it is kept in storage, never overwritten. */
  | 'future-version'
  /** Intact but rejected by the core (malformed profile). */
  | 'invalid-profile';

/** Detail of the `profile-reset` event: the personalizer started with an empty profile. */
export interface ProfileResetDetail {
  reason: ProfileResetReason;
  code: 'CORRUPT_PROFILE';
  message: string;
}

/** Detail of the `sync` event: the profile now includes what another tab saved. */
export interface SyncDetail {
  /** Save counter of the stored profile now merged in (0 = it was deleted). */
  seq: number;
}

/** Tunables of the profile and scoring (all optional). */
export interface PersonalizerConfig {
  longHalfLifeMs?: number;
  shortHalfLifeMs?: number;
  shortTermShare?: number;
  freshnessHalfLifeMs?: number;
  serverWeight?: number;
  topicWeight?: number;
  creatorWeight?: number;
  freshnessWeight?: number;
  contextWeight?: number;
  embeddingWeight?: number;
  /**
   * Engagement rate (default 1, 0 = off): weight of the `rate` term, the server part scaled by how much more (or
   * less) often than the person's average they engage with an item's topics when shown.
   */
  rateWeight?: number;
  /** Prior strength of a topic's engagement-rate lift, in engagement units (default 6; larger = slower to move). */
  ratePrior?: number;
  /** Prior that shrinks a context's own lift towards the global one (default 4). */
  rateContextPrior?: number;
  affinityScale?: number;
  /** Events a context needs before it counts half (shrinkage prior, default 8). */
  contextPrior?: number;
  maxTopics?: number;
  maxCreators?: number;
  maxContexts?: number;
  maxContextTopics?: number;
  maxEvents?: number;
  retentionMs?: number;
  eventWeights?: Partial<Record<EventType, number>>;
}

/** Options of {@link createPersonalizer}. */
export interface PersonalizerOptions {
  /**
   * Where the profile is saved: `'indexedDB'` (default in browsers that have it),
   * `'localStorage'`, `'memory'` (default in Node; private to this personalizer)
   * or a custom adapter. Unavailable kinds throw `INVALID_ARGUMENT`.
   */
  storage?: StorageKind | StorageAdapter;
  /** Injectable clock in ms; replays and tests pass their own. */
  now?: () => number;
  /** Makes every random choice reproducible. */
  seed?: number;
  /** Embedding dimension (0..512); 0 = no embeddings. */
  dim?: number;
  consent?: Consent;
  /** Prefix of storage keys (default `"localrank"`). */
  namespace?: string;
  /**
   * Debounce of automatic saves in ms (default 1000; 0 = only `flush()`): a save
   * runs this long after the last change, and at the latest 5 × this after the
   * first unsaved change. Browsers also save when the page is hidden.
   */
  autosaveMs?: number;
  /**
   * Deadline of every storage call in ms (default 5000, 1..600000): a call still pending then counts as
   * failed (`STORAGE_FAILED`, an `error` event) and is retried later; `flush()` settles within it (docs/storage.md).
   */
  storageTimeoutMs?: number;
  config?: PersonalizerConfig;
  /**
   * The prior of the person's model (docs/model.md): how much each signal counts before the person's own
   * choices move it, e.g. one fitted offline on your own logs. Any part left out keeps {@link DEFAULT_MODEL}'s.
   */
  model?: ModelPrior;
  /** Event handlers registered before the stored profile is loaded (they see resets during creation). */
  on?: { [K in PersonalizerEventName]?: (detail: PersonalizerEventDetail[K]) => void };
  /**
   * Where the .wasm is, instead of next to the module. Browsers: a URL (relative
   * to the page). Node: a URL, a `file:` URL string or a file path.
   */
  wasmUrl?: string | URL;
  /** The .wasm bytes, instead of loading them (e.g. from your own cache). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /**
   * Where the device module with the report encoder (`localrank_core_reports.wasm`, loaded
   * instead of `localrank_core.wasm` when `taxonomy` or a pinned `privacy.config` is given: such a
   * page loads only this .wasm) is, instead of next to `wasmUrl` (when given) or next to the module.
   */
  reportWasmUrl?: string | URL;
  /** The bytes of `localrank_core_reports.wasm`, instead of loading them (with a taxonomy, `wasmBinary` is not used). */
  reportWasmBinary?: ArrayBuffer | Uint8Array;
  /** Fixed topic list shared with the server; needed for aggregate reports (or `privacy.config`). */
  taxonomy?: readonly string[];
  /** Taxonomy topics of special categories (GDPR art. 9: health, politics, religion, ...): never in a report or a segment. */
  sensitiveTopics?: readonly string[];
  /** Server-published motivation segments: at most 32, each over >= 3 topics, no topic holding more than half its weight. */
  segments?: readonly Segment[];
  privacy?: PrivacyOptions;
}

/** The signals a score blends; `position` is the model's position term (never moves a score). */
export type Signal = 'server' | 'topic' | 'creator' | 'embedding' | 'rate' | 'context' | 'freshness';

/**
 * A model prior (`createPersonalizer({ model })`, docs/model.md): the weight of each signal before any
 * evidence, how firmly the prior holds, how sharply a choice follows score differences, and whether
 * the device learns from choices at all.
 */
export interface ModelPrior {
  schema?: 'localrank.model';
  version?: 1;
  /** Prior weight per signal, each in [0, 100] (`position`: [0, 8], log-odds per halving of the rank). */
  weights?: Partial<Record<Signal | 'position', number>>;
  /** Prior precision per weight (1 / variance), default 3: larger = more choices needed to move a weight. */
  precision?: number;
  /** How sharply a choice follows score differences (default 1). */
  choiceScale?: number;
  /** Learn from choices (default true); false keeps every person at the prior. */
  learning?: boolean;
}

/** What the person's model holds, in {@link ProfileView.model}. */
export interface ModelView {
  /** The weights scores use now, by signal. */
  weights: Record<Signal, number>;
  /** The prior's weights. */
  prior: Record<Signal, number>;
  /** Precision each weight gained from choices (0: no choice was ever about this signal). */
  evidence: Record<Signal, number>;
  /** Choices learnt from. */
  choices: number;
  learning: boolean;
  /** In plain words, e.g. "For you (learnt from 12 choices), similar items counts most, then the site's order; topics little." (or that nothing was learnt yet). */
  summary: string;
}

/** A server-published motivation segment, e.g. `{ id: 'home-cooks', topics: { cooking: 1, baking: 0.5 } }`. */
export interface Segment {
  id: string;
  /** Taxonomy topics with weights > 0. */
  topics: Record<string, number>;
}

/** Privacy settings of aggregate reports (docs/privacy.md). */
export interface PrivacyOptions {
  /** Epsilon of the memoized answer of one value, 0.01..2 (default 1): what all reports of an unchanged value reveal together. */
  epsilonPerReport?: number;
  /** Fresh instantaneous noise on every report's memoized answer (0 = none, the default; else 0.01..10). Must match the server. */
  instantEpsilon?: number;
  /** Total epsilon allowed in any window (default 4, at most 8). */
  epsilonCap?: number;
  /** Length of the rolling window in days (default 30, at least 7). */
  windowDays?: number;
  /**
   * The report configuration pinned in your bundle (`{taxonomy, segments?, sensitiveTopics?, epsilonPerReport?, ...}`,
   * as the collector's config) or its 14-hex-digit fingerprint. A configuration given at run time that differs builds
   * no report (`CONFIG_MISMATCH`, also an `error` event); without `taxonomy`, the pinned configuration is used.
   */
  config?: string | ReportConfig;
  /** The page's Global Privacy Control signal (`localrank/worker` passes it to the worker itself). */
  gpc?: boolean;
  /** Interests engaged with within this many days count for the top topic (default 30). */
  recentDays?: number;
  /** Default true: with Global Privacy Control on, aggregateMeasurement cannot be switched on. `false` is an explicit integrator override. */
  honorGpc?: boolean;
  /** Version of the privacy policy consent is given under (default `"1"`); a record from another version is not used. */
  policyVersion?: string;
  /** Default 'auto': OUE up to 64 values, OLH above. Must match the server. */
  mechanism?: 'auto' | 'oue' | 'olh';
  /** Cosine similarity needed to match a segment (default 0.5). Must match the server. */
  segmentThreshold?: number;
  /** Tests only: build reports over memory storage, whose privacy ledger is lost with the page (default false: no report). */
  testOnlyMemoryLedger?: boolean;
}

/** The report configuration devices and server share (as the collector publishes it, `GET /v1/config`). */
export interface ReportConfig {
  /** Topic names; the same list, in the same order, as the devices'. */
  taxonomy: readonly string[];
  /** Taxonomy topics that never enter a report or a segment (special categories); no estimate is published for them. */
  sensitiveTopics?: readonly string[];
  /** Published motivation segments: at most 32, each over >= 3 topics, no topic holding more than half its weight. */
  segments?: readonly Segment[];
  /** Epsilon of the memoized answer of one value (default 1, at most 2). */
  epsilonPerReport?: number;
  /** Instantaneous noise on every report's memoized answer (default 0: none). */
  instantEpsilon?: number;
  /** Default 'auto': OUE up to 64 values, OLH above. */
  mechanism?: 'auto' | 'oue' | 'olh';
  /** Cosine similarity a device needs to match a segment (default 0.5). */
  segmentThreshold?: number;
}

/** The stored consent record. */
export interface ConsentState {
  personalization: boolean;
  /** False while Global Privacy Control blocks it. */
  aggregateMeasurement: boolean;
  /** When consent was last set (ms), null when never. */
  updatedAt: number | null;
  policyVersion: string;
  /** Whether the browser sends Global Privacy Control (or the page passed `privacy.gpc: true`). */
  gpc: boolean;
  /** True when GPC is on and the integrator's explicit override (`privacy.honorGpc: false`) applies; stored in the record. */
  gpcOverride: boolean;
}

/** A locally differentially private aggregate report: no identifier of the person, no item ids, a day-granular date, constant size. */
export interface AggregateReport {
  schema: 'localrank.report';
  version: 1;
  /** Fingerprint of the shared configuration. */
  config: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  epsilon: number;
  mechanism: 'oue' | 'olh';
  /** 0 = top topic, 1 = segment. */
  kind: 0 | 1;
  /** Perturbed payload, lowercase hex. */
  data: string;
  /**
   * 128 random bits, 32 lowercase hex digits, fresh for every report (crypto.getRandomValues): links nothing; lets a
   * collector count a re-send of this report once and refuse another report under the same id.
   */
  id: string;
}

/** Delivery options of `sendAggregateReport`. */
export interface SendOptions {
  /** Re-sends within this call after a network error, 429 or 5xx (default 2, at most 10; then kept for the next call). */
  retries?: number;
  /**
   * A Privacy Pass token for a collector that counts only reports carrying one: the `Authorization` header value
   * (`PrivateToken token=...`), or a function returning it, called only when a new report is built (before it is, so
   * failing to get a token spends no epsilon). A kept report is re-sent with its own token.
   */
  token?: string | (() => string | Promise<string>);
  /**
   * Send through an Oblivious HTTP relay (RFC 9458): `createOhttpRelay({url, keyConfig})` from `localrank/ohttp`. The
   * collector then sees neither the device's address nor its headers; the relay sees only ciphertext.
   */
  relay?: import('./ohttp.js').OhttpRelay;
}

/** Options of `scheduleAggregateReports`. */
export interface ScheduleOptions extends SendOptions {
  /** false: no timer; only `runDue()` sends (tests drive it with `options.now`). Default true. */
  auto?: boolean;
}

/** The schedule of a device's reports. */
export interface ReportScheduleHandle {
  /** When the next report is due (ms, by the personalizer's clock). */
  readonly nextAt: number | null;
  /** Sends one report if it is due; undefined when nothing was due. */
  runDue(): Promise<{ report: AggregateReport; status: number } | null | undefined>;
  stop(): void;
}

/** The privacy budget of this device. */
export interface PrivacyBudget {
  epsilonPerReport: number;
  epsilonCap: number;
  windowDays: number;
  /** Epsilon spent in the window ending now. */
  spent: number;
  remaining: number;
  reportsLeft: number;
  /** When the next report fits (ms), null when never. */
  nextReportAt: number | null;
}

/** What each event passes to its handlers. */
export interface PersonalizerEventDetail {
  /** Stored data was unreadable, tampered or from a newer version: starting clean. */
  'profile-reset': ProfileResetDetail;
  /**
   * A non-fatal problem; ranking goes on from memory. `STORAGE_FAILED` (a save
   * or read failed; the last good save stays), `CORRUPT_PROFILE` (the newest save
   * was unusable and the previous one was restored), `LIMIT_EXCEEDED` (too many
   * unsaved events to merge them one by one with other tabs).
   */
  error: LocalrankError;
  /** Another tab's save was merged into this personalizer. */
  sync: SyncDetail;
  /**
   * Another tab on the same storage changed consent (or forgot everything);
   * it applies here at once. When personalization was withdrawn, this tab's
   * profile has been erased too. Update any consent UI from `detail`.
   */
  consent: ConsentState;
  /** A scheduled send (`scheduleAggregateReports`) happened: what was sent, or null when no report could be. */
  report: { report: AggregateReport; status: number } | null;
}

export type PersonalizerEventName = keyof PersonalizerEventDetail;

/** Options of {@link Personalizer.rerank}. */
export interface RerankOptions {
  /** 0 = the server's order (no profiling) .. 1 = fully personal. Default 1. */
  strength?: number;
  /**
   * 0..1, default 0.3: the MMR trade-off against items similar to those just
   * above. Any value > 0 also turns on the creator decay (the 2nd post of a
   * creator keeps 0.6 of its score, later ones never less than 0.25), never
   * three posts of one creator in a row, and at most 4 posts of one main
   * topic in the top 10. 0 turns all of that off.
   */
  diversity?: number;
  /**
   * Share of slots given to items outside the person's known interests,
   * 0..1 (default 0; `true` = 0.1). Never the first position. Explored
   * items carry a `propensity` and an `explore` reason.
   */
  exploration?: number | boolean;
  /** Keep the topic mix of the top 10 close (in KL) to the person's interest mix (Steck 2018). Default false. */
  calibration?: boolean;
  context?: Context;
  /**
   * How many slots are arranged one by one (diversity, creator decay, topic
   * cap, calibration, exploration), an integer >= 1, default 100; the rest of
   * a longer list follows by score. Lower is faster: the arranging costs up
   * to topK x items similarity checks.
   */
  topK?: number;
}

export type ReasonKind =
  | 'server' | 'topic' | 'creator' | 'freshness' | 'context' | 'embedding' | 'diversity'
  | 'explore' | 'fatigue' | 'adjustment' | 'notPersonalized' | 'never' | 'pinned'
  | 'duplicate' | 'seen' | 'rate';

/** One contribution to a score; an item's contributions add up to its score. */
export interface Reason {
  kind: ReasonKind;
  /** Topic or creator name, or a short phrase. */
  label: string;
  contribution: number;
}

/** One ranked item, best first. */
export interface RankedItem {
  id: string;
  score: number;
  /** Index in the input array. */
  originalIndex: number;
  /**
   * What the score is made of; the contributions add up to `score`. Built on
   * first read (an own enumerable accessor that then becomes a plain data
   * property), so reading only the top items' reasons costs only those; JSON,
   * structuredClone, spread and Object.keys see it like any property.
   */
  reasons: Reason[];
  /**
   * Only on explored items: the probability with which the exploration policy
   * picked this item for its slot (its main topic's draw among the topics of
   * candidates outside known interests, weighted by each topic's best adjusted
   * score to the 4th power), for off-policy evaluation and replays.
   */
  propensity?: number;
}

/** One reason of {@link Explanation}, in plain words. */
export interface ExplainedReason extends Reason {
  /** One sentence, e.g. "You often engage with cooking (+0.412)." */
  text: string;
}

/** Why an item got its place in the last {@link Personalizer.rerank}. */
export interface Explanation {
  id: string;
  /** 0-based position in the last ranking. */
  rank: number;
  /** The item's score; the reasons' contributions add up to it. */
  score: number;
  propensity?: number;
  /** All sentences, joined. */
  summary: string;
  reasons: ExplainedReason[];
}

export interface InterestEntry {
  name: string;
  weight: number;
  longTerm: number;
  shortTerm: number;
  events: number;
  lastAt: number;
}

/** What the feed learnt from the posts on one topic it showed (see `ProfileView.engagement`). */
export interface EngagementEntry {
  name: string;
  /** Engagement-rate lift outside any context: > 1 engaged with more often than average when shown, < 1 less. */
  lift: number;
  /** Impressions (decayed, by topic share). */
  shown: number;
  /** Engagement (decayed, by topic share). */
  engaged: number;
}

/** An explicit "show me more / less / never" choice. */
export type Preference = 'more' | 'less' | 'never';

/** What the profile learnt in one context key, e.g. `intent:commute` or `daypart:morning`. */
export interface ContextEntry {
  name: string;
  /** Decayed number of events seen in this context. */
  events: number;
  topics: InterestEntry[];
}

/**
 * A batch of items as typed arrays, for {@link Personalizer.rerankPacked}.
 * `n` is `topicOffsets.length - 1`; item i's topics are
 * `topicIds[topicOffsets[i] .. topicOffsets[i + 1])`. Ids come from
 * {@link Personalizer.topicId} / {@link Personalizer.creatorId}.
 */
export interface PackedItems {
  /** Item ids (unique, as in {@link Item.id}). Without them items have no identity: per-item history (e.g. fatigue) cannot apply. */
  ids?: readonly string[];
  /** The server's score per item; NaN = none. */
  serverScore?: Float64Array;
  /** Publication time per item, ms since epoch; NaN = unknown. */
  publishedAt?: Float64Array;
  /** Creator id per item; -1 = none. */
  creator?: Int32Array;
  /** n + 1 offsets into topicIds, starting at 0, ending at topicIds.length. */
  topicOffsets: Int32Array;
  topicIds: Int32Array;
  /** One weight per topicIds entry (finite, >= 0); default 1 each. */
  topicWeights?: Float32Array;
  /** n * dim floats, row-major; all items or none. */
  embeddings?: Float32Array;
  /** 1 = keep the input position. */
  pinned?: Uint8Array;
}

/** Result of {@link Personalizer.rerankPacked}: copies the caller owns, indexed by rank. */
export interface PackedRanking {
  /** `order[r]` is the input index of the item at rank r. */
  order: Int32Array;
  score: Float64Array;
  /** 1 except for explored slots. */
  propensity: Float64Array;
}

/** What the profile holds, in plain terms. */
export interface ProfileView {
  topics: InterestEntry[];
  creators: InterestEntry[];
  contexts: ContextEntry[];
  /** Topics shown, most shown first, with their engagement-rate lift (at most `top`). */
  engagement: EngagementEntry[];
  preferences: { topics: Record<string, Preference>; creators: Record<string, Preference> };
  /** The person's learnt blend of the signals. */
  model: ModelView;
  totalEvents: number;
  storedEvents: number;
  lastEventAt: number;
  consent: Required<Consent>;
}

/** Portable export of a profile. */
export interface ExportedProfile {
  schema: 'localrank.profile';
  version: number;
  [key: string]: unknown;
}

/** The on-device personalizer. Everything it returns is plain data. */
export declare class Personalizer {
  private constructor();
  /** Records one interaction or several; returns how many were stored (0 without consent). */
  record(events: InteractionEvent | readonly InteractionEvent[]): number;
  /** Reorders `items`, best first, with reasons. */
  rerank(items: readonly Item[], options?: RerankOptions): RankedItem[];
  /** The reasons of `itemId` in the last rerank, in plain words; null when it was not ranked. */
  explain(itemId: string): Explanation | null;
  /**
   * The fast path: the same ranking as {@link rerank} for the same input, from
   * typed arrays (one crossing into WebAssembly, no per-item objects), without
   * reasons. Validation, error codes and fields match `rerank`.
   */
  rerankPacked(items: PackedItems, options?: RerankOptions): PackedRanking;
  /** The id of a topic name for {@link rerankPacked} (interned on first use). */
  topicId(name: string): number;
  /** The id of a creator for {@link rerankPacked} (interned on first use). */
  creatorId(name: string): number;
  /**
   * "Show me more / less / never" for a topic or a creator, from the next rerank;
   * `'none'` clears it. Returns false (and stores nothing) without personalization consent.
   */
  adjust(adjustment: ({ topic: string; creatorId?: never } | { creatorId: string; topic?: never }) & { preference: Preference | 'none' }): boolean;
  /** A plain, human-readable view of the profile. */
  profile(options?: { top?: number }): ProfileView;
  /** Portable JSON with a schema version. */
  exportProfile(): ExportedProfile;
  /** Replaces the profile; throws `CORRUPT_PROFILE` and changes nothing on bad data. */
  importProfile(data: ExportedProfile | string): void;
  /** Subscribes to an event; returns an unsubscribe function. */
  on<K extends PersonalizerEventName>(name: K, handler: (detail: PersonalizerEventDetail[K]) => void): () => void;
  /**
   * Saves now, after merging what other tabs saved meanwhile. Rejects with
   * `STORAGE_FAILED` (also emitted as `error`) when it could not save.
   */
  flush(): Promise<void>;
  /** Consent per purpose, opt-in; `set` applies at once and resolves when stored. Withdrawing personalization erases the profile. */
  readonly consent: {
    get(): ConsentState;
    set(partial: Consent): Promise<ConsentState>;
  };
  /** Erases everything stored under the namespace; consent returns to nothing granted. */
  forget(): Promise<void>;
  /** A report, or null without aggregateMeasurement consent or budget. Throws `INVALID_ARGUMENT` without `taxonomy`. */
  buildAggregateReport(): AggregateReport | null;
  /**
   * POSTs a report as JSON without credentials: the one kept from a failed delivery (no new epsilon), else a new
   * one. After a network error, 429 or 5xx it is re-sent (`retries`, default 2; waiting `Retry-After`, else 1 s,
   * doubling, at most 30 s) and, if still undelivered, kept for the next call until its day is too old for a
   * collector. null when none may be sent; throws `SEND_FAILED`.
   */
  sendAggregateReport(url: string | URL, options?: SendOptions): Promise<{ report: AggregateReport; status: number } | null>;
  /**
   * Sends reports by themselves at random times about `windowDays / reportsPerWindow` apart (at least half that), one
   * per send, never at a page load, click or consent change; emits `report` and `error`. Replaces an earlier schedule.
   */
  scheduleAggregateReports(url: string | URL, options?: ScheduleOptions): Promise<ReportScheduleHandle>;
  privacyBudget(): PrivacyBudget;
  /** Releases the core; later calls throw `DISPOSED`. Unsaved changes are dropped: `await flush()` first. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** Creates a personalizer (loads the WebAssembly core on first use). */
export declare function createPersonalizer(options?: PersonalizerOptions): Promise<Personalizer>;

/** Stable error codes. */
export type ErrorCodeName =
  | 'INVALID_ITEM' | 'DUPLICATE_ID' | 'DIMENSION_MISMATCH' | 'LIMIT_EXCEEDED' | 'CORRUPT_PROFILE'
  | 'NOT_CONSENTED' | 'BUDGET_EXHAUSTED' | 'INVALID_EVENT' | 'INVALID_ARGUMENT' | 'INVALID_REPORT'
  | 'DISPOSED' | 'STORAGE_FAILED' | 'SEND_FAILED' | 'WASM_LOAD_FAILED' | 'CONFIG_MISMATCH';

export declare const ErrorCode: Readonly<{ [K in ErrorCodeName]: K }>;

/** Thrown for bad input or a refused operation; names the field and index. */
export declare class LocalrankError extends Error {
  constructor(code: string, message: string, details?: { field?: string; index?: number; cause?: unknown });
  readonly code: ErrorCodeName | string;
  /** e.g. `items[3].serverScore`. */
  readonly field: string;
  /** Position in the batch, or -1. */
  readonly index: number;
}

/** Documented input limits. */
export declare const LIMITS: Readonly<{
  maxItemsPerCall: number;
  maxEventsPerCall: number;
  maxTopicsPerItem: number;
  maxIdLength: number;
  maxNameLength: number;
  maxEmbeddingDim: number;
  /** Largest profile `importProfile()` accepts, in UTF-8 bytes. */
  maxProfileBytes: number;
}>;

export declare const EVENT_TYPES: readonly EventType[];

/** The package's own model prior: the weights every person starts from. */
export declare const DEFAULT_MODEL: Readonly<Required<ModelPrior> & { weights: Readonly<Record<Signal | 'position', number>> }>;

/** An in-memory storage adapter; pass the same one to several personalizers to share it. */
export declare function memoryStorage(): StorageAdapter;

/** An adapter over a Web Storage area (default `localStorage`). */
export declare function webStorage(area?: Storage): StorageAdapter;

/** An adapter over IndexedDB (database `name`, default `"localrank"`). */
export declare function indexedDBStorage(options?: { name?: string }): StorageAdapter;
