// SPDX-License-Identifier: MIT
// Generated from the core's headers by tests/core/js_constants_main.cpp: do not
// edit. Regenerate with build/native/tests/localrank_js_constants > wasm/src/core-constants.js
// (ctest's js_constants_current fails while this file differs from the headers).

/** Name tables (NameKind in types.h). */
export const KIND = Object.freeze({ TOPIC: 0, CREATOR: 1, CONTEXT: 2 });

/** Event types in wire order (EventType in types.h). */
export const EVENT_TYPES = Object.freeze([
  'impression', 'click', 'dwell', 'like', 'share', 'comment',
  'save', 'follow', 'hide', 'notInterested', 'report',
]);

/** Reason kinds in wire order (ReasonKind in types.h). */
export const REASON_KINDS = Object.freeze([
  'server', 'topic', 'creator', 'freshness', 'context', 'embedding', 'diversity',
  'explore', 'fatigue', 'adjustment', 'notPersonalized', 'never', 'pinned', 'duplicate',
  'seen', 'rate',
]);

/** What a reason's label id names (LabelKind in types.h). */
export const LABEL_KIND = Object.freeze({ NONE: 0, TOPIC: 1, CREATOR: 2, CONTEXT: 3, PART: 4 });

/** Label ids of LABEL_KIND.PART: parts of the ranking (ReasonPart in types.h). */
export const REASON_PARTS = Object.freeze({ SIMILAR: 0, CREATOR_SHOWN: 1, CALIBRATION: 2, TOPIC_SHOWN: 3, OPENED: 4 });

/** Preferences of adjust() in wire order (Preference in profile.h). */
export const PREFERENCES = Object.freeze([
  'none', 'more', 'less', 'never',
]);

/** Default `topK` rerank option: slots arranged greedily (types.h kDefaultTopK). */
export const DEFAULT_TOP_K = 100;

/** Limits enforced on every input (config.h). */
export const LIMITS = Object.freeze({
  maxItemsPerCall: 10000,
  maxEventsPerCall: 10000,
  maxTopicsPerItem: 32,
  maxIdLength: 256,
  maxNameLength: 128,
  maxEmbeddingDim: 512,
  /** importProfile() input, in UTF-8 bytes (kMaxProfileBytes). */
  maxProfileBytes: 16777216,
});

/**
 * Entries of the directories layoutCandidates (C_), layoutEvents (E_) and rerankRaw (R_)
 * return (wasm/layout.h).
 */
export const LAYOUT = Object.freeze({
  C_KEY: 0, C_SERVER: 1, C_PUBLISHED: 2, C_CREATOR: 3, C_FLAGS: 4, C_TOPIC_OFFSETS: 5,
  C_TOPIC_IDS: 6, C_TOPIC_WEIGHTS: 7, C_EMBEDDINGS: 8, C_CONTEXT: 9,
  E_TYPE: 0, E_AT: 1, E_KEY: 2, E_CREATOR: 3, E_DWELL: 4, E_EXPECTED: 5,
  E_TOPIC_OFFSETS: 6, E_TOPIC_IDS: 7, E_TOPIC_WEIGHTS: 8, E_CONTEXT_OFFSETS: 9, E_CONTEXT_IDS: 10, E_EMBEDDINGS: 11,
  R_OK: 0, R_COUNT: 1, R_ITEM_REASON_COUNT: 2, R_RANK_REASON_COUNT: 3, R_ORDER: 4, R_SCORE: 5,
  R_PROPENSITY: 6, R_ITEM_REASON_OFFSETS: 7, R_ITEM_REASONS: 8, R_RANK_REASON_OFFSETS: 9, R_RANK_REASONS: 10,
});
