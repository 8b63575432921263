// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>

#include "localrank/config.h"
#include "localrank/fatigue.h"
#include "localrank/hash.h"
#include "localrank/profile.h"
#include "localrank/status.h"
#include "localrank/types.h"

namespace localrank {

struct BatchShape;
struct RankScratch;

/// Checks a candidate batch against the documented limits. `name_counts[k]` is
/// the size of name table k, so ids out of range are rejected. With
/// `packed_rules` it also refuses what the packed API forbids (PackedRulesHold)
/// with PackedRulesError(), after every other check of the batch has passed.
/// Fills `shape` for Rank in the same pass; when the batch is refused,
/// `shape` holds nothing usable.
Status ValidateBatch(const Config& c, const CandidateBatch& batch, const std::size_t* name_counts, bool packed_rules,
                     BatchShape* shape);

/// The packed API's own rules (wasm/src/packed.js), which the object API meets
/// by construction: no topic id twice within an item, flags 0 or kFlagPinned
/// (pinned 0 or 1). Ids of `topics` and above and items whose topic offsets
/// are out of range are not looked at (they are ValidateBatch's to refuse).
bool PackedRulesHold(const CandidateBatch& batch, std::size_t topics);
/// The status of a batch breaking those rules (the facade then names the entry).
Status PackedRulesError();

/// Index of the first value of values[0 .. n) that is NaN or infinite, or -1.
/// The common all-finite case is one SIMD pass in the wasm build.
std::ptrdiff_t FirstNonFinite(const float* values, std::size_t n);

/// Filters, scores and reranks a validated batch (see stages.h); `scratch->shape`
/// must hold what ValidateBatch found for this batch.
/// Deterministic for the same inputs, profile, fatigue, `now` and RNG state.
/// Fills `out` completely (previous content is discarded); `scratch` holds
/// buffers reused between calls (its content does not affect the result).
void Rank(const Config& c, const Profile& profile, const FatigueState& fatigue, const CandidateBatch& batch,
          const RerankOptions& options, double now, Rng& rng, RankScratch* scratch, RankResult* out);

}  // namespace localrank
