// SPDX-License-Identifier: MIT
// The ranking pipeline, stage by stage:
//   filter  — duplicates, `never` items and items seen too often leave the
//             ranked part of the feed (they sink to its end, marked);
//   score   — server, engagement rate (a lift on the server part), topic,
//             context, creator, freshness, embedding, more/less adjustments
//             and fatigue, each an explicit reason;
//   rerank  — greedy filling of the first top_k slots: MMR over topic (and
//             embedding) similarity, creator and main-topic decay with
//             floors, a per-topic cap in the top N,
//             calibration to the person's interest mix (Steck 2018) and
//             exploration slots with propensities. Pinned items keep their
//             input position.
// Every adjustment a stage makes is a reason, so an item's reasons always
// add up to its final score. Rank (ranker.h) runs the stages; their tuning
// is RankTuning (tuning.h); their buffers are private to the core
// (core/src/rank/scratch.h). What is declared here are the stages' pure
// parts, public so that tests can check them alone.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "localrank/hash.h"
#include "localrank/tuning.h"

namespace localrank {

/// Where the filter stage puts an item. Anything but kEligible sinks below
/// the ranked items, in this order.
enum class Tier : std::uint8_t { kEligible = 0, kSeen = 1, kDuplicate = 2, kNever = 3 };

/// Exploration slots: `count` distinct positions among `free_positions`
/// (ascending, excluding position 0), one drawn uniformly per stratum so
/// they spread over the list. Deterministic for the RNG state.
std::vector<std::int32_t> ChooseExploreSlots(const std::vector<std::int32_t>& free_positions, int count, Rng& rng);
/// The same into `slots` (cleared first), with `allowed` as scratch.
void ChooseExploreSlots(const std::vector<std::int32_t>& free_positions, int count, Rng& rng,
                        std::vector<std::int32_t>* allowed, std::vector<std::int32_t>* slots);

/// How many exploration slots `share` buys among `eligible` ranked slots
/// (position 0 is never one, so at most eligible - 1).
int ExploreSlotCount(double share, int eligible);

/// KL(p || q~) of a topic mix p against a list's topic mass (Steck 2018):
/// q~ = (1 - alpha) * mass / items + alpha * p. `mass[k]` belongs to p[k].
double CalibrationKl(const std::vector<std::pair<std::int32_t, double>>& p, const double* mass, double items,
                     double alpha);

}  // namespace localrank
