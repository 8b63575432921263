// SPDX-License-Identifier: MIT
// The constants shared with the core's headers, generated from them (core-constants.js).
export * from './core-constants.js';

/**
 * Directory entries of EngineCore.layoutCandidates / layoutEvents / rerankRaw
 * (byte addresses in wasm memory); mirrors bindings.cpp by hand (the
 * directories are positional there), checked by every test that ranks.
 */
export const LAYOUT = Object.freeze({
  C_KEY: 0, C_SERVER: 1, C_PUBLISHED: 2, C_CREATOR: 3, C_FLAGS: 4,
  C_TOPIC_OFFSETS: 5, C_TOPIC_IDS: 6, C_TOPIC_WEIGHTS: 7, C_EMBEDDINGS: 8, C_CONTEXT: 9,
  E_TYPE: 0, E_AT: 1, E_KEY: 2, E_CREATOR: 3, E_DWELL: 4, E_EXPECTED: 5,
  E_TOPIC_OFFSETS: 6, E_TOPIC_IDS: 7, E_TOPIC_WEIGHTS: 8, E_CONTEXT_OFFSETS: 9, E_CONTEXT_IDS: 10, E_EMBEDDINGS: 11,
  R_OK: 0, R_COUNT: 1, R_REASON_COUNT: 2, R_ORDER: 3, R_SCORE: 4, R_PROPENSITY: 5,
  R_REASON_OFFSETS: 6, R_REASON_KIND: 7, R_REASON_LABEL: 8, R_REASON_VALUE: 9,
});
