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

struct RankScratch;

/// Checks a candidate batch against the documented limits. `name_counts[k]` is
/// the size of name table k, so ids out of range are rejected.
Status ValidateBatch(const Config& c, const CandidateBatch& batch, const std::size_t* name_counts);

/// Index of the first value of values[0 .. n) that is NaN or infinite, or -1.
/// The common all-finite case is one SIMD pass in the wasm build.
std::ptrdiff_t FirstNonFinite(const float* values, std::size_t n);

/// Filters, scores and reranks a validated batch (see stages.h).
/// Deterministic for the same inputs, profile, fatigue, `now` and RNG state.
/// Fills `out` completely (previous content is discarded); `scratch` holds
/// buffers reused between calls (its content does not affect the result).
void Rank(const Config& c, const Profile& profile, const FatigueState& fatigue, const CandidateBatch& batch,
          const RerankOptions& options, double now, Rng& rng, RankScratch* scratch, RankResult* out);

}  // namespace localrank
