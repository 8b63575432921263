// SPDX-License-Identifier: MIT
// The directories the device module's batch calls return (byte addresses of
// the buffers in wasm memory, or counts), one list each, in directory order.
// bindings.cpp fills them by these names; src/core-constants.js (LAYOUT) is
// generated from the same lists (tests/core/js_constants_main.cpp). Plain
// C++: the native build includes it too.
#ifndef LOCALRANK_WASM_LAYOUT_H_
#define LOCALRANK_WASM_LAYOUT_H_

// layoutCandidates: key, server, published, creator, flags, topic offsets,
// topic ids, topic weights, embeddings, context ids.
#define LOCALRANK_CANDIDATE_ENTRIES(X) \
  X(C_KEY) X(C_SERVER) X(C_PUBLISHED) X(C_CREATOR) X(C_FLAGS) X(C_TOPIC_OFFSETS) X(C_TOPIC_IDS) \
  X(C_TOPIC_WEIGHTS) X(C_EMBEDDINGS) X(C_CONTEXT)
// layoutEvents.
#define LOCALRANK_EVENT_ENTRIES(X) \
  X(E_TYPE) X(E_AT) X(E_KEY) X(E_CREATOR) X(E_DWELL) X(E_EXPECTED) X(E_TOPIC_OFFSETS) X(E_TOPIC_IDS) \
  X(E_TOPIC_WEIGHTS) X(E_CONTEXT_OFFSETS) X(E_CONTEXT_IDS) X(E_EMBEDDINGS)
// rerankRaw / rerankPackedRaw: ok, count, the two reason counts, then the
// result arrays: the reasons by item, then those added by rank (RankResult;
// each reason a 16-byte StoredReason).
#define LOCALRANK_RESULT_ENTRIES(X) \
  X(R_OK) X(R_COUNT) X(R_ITEM_REASON_COUNT) X(R_RANK_REASON_COUNT) X(R_ORDER) X(R_SCORE) X(R_PROPENSITY) \
  X(R_ITEM_REASON_OFFSETS) X(R_ITEM_REASONS) X(R_RANK_REASON_OFFSETS) X(R_RANK_REASONS)

namespace localrank::wasm {

#define LOCALRANK_ENTRY(name) k##name,
enum CandidateEntry : int { LOCALRANK_CANDIDATE_ENTRIES(LOCALRANK_ENTRY) kCandidateEntries };
enum EventEntry : int { LOCALRANK_EVENT_ENTRIES(LOCALRANK_ENTRY) kEventEntries };
enum ResultEntry : int { LOCALRANK_RESULT_ENTRIES(LOCALRANK_ENTRY) kResultEntries };
#undef LOCALRANK_ENTRY

}  // namespace localrank::wasm

#endif  // LOCALRANK_WASM_LAYOUT_H_
