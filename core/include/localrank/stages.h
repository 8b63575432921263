// SPDX-License-Identifier: MIT
// The ranking pipeline, stage by stage:
//   filter  — duplicates, `never` items and items seen too often leave the
//             ranked part of the feed (they sink to its end, marked);
//   score   — server, topic, context, creator, freshness, embedding,
//             more/less adjustments and fatigue, each an explicit reason;
//   rerank  — greedy slot filling: MMR over topic (and embedding) similarity,
//             creator decay with a floor, a per-topic cap in the top N,
//             calibration to the person's interest mix (Steck 2018) and
//             exploration slots with propensities. Pinned items keep their
//             input position.
// Every adjustment a stage makes is a reason, so an item's reasons always
// add up to its final score.
#pragma once

#include <cstdint>
#include <vector>

#include "localrank/config.h"
#include "localrank/fatigue.h"
#include "localrank/hash.h"
#include "localrank/profile.h"
#include "localrank/types.h"

namespace localrank {

/// Tuning of the rerank stage. Defaults keep a feed varied at the default
/// `diversity` option (0.3) without hiding what the person likes.
struct RankTuning {
  /// MMR: penalty of an item identical to the one right above it, at
  /// diversity 1 (scaled by the option and by strength).
  double mmr_weight = 1.5;
  /// MMR memory: similarity to items placed earlier fades by this factor per
  /// slot, so the feed is varied locally rather than against its whole head.
  double mmr_memory = 0.7;
  /// Creator decay: the k-th item of one creator keeps factor^(k-1) of its
  /// (positive) score, never less than `creator_floor`.
  double creator_factor = 0.6;
  double creator_floor = 0.25;
  /// At most ceil(topic_cap_share * topic_cap_top_n) items whose main topic
  /// is the same among the first topic_cap_top_n slots.
  int topic_cap_top_n = 10;
  double topic_cap_share = 0.4;
  /// Greedy slot filling covers this many slots; the rest of a long list is
  /// ordered by score (keeps the stage O(depth x n)).
  int greedy_depth = 100;
  /// Calibration: slots covered, weight of the KL improvement, and the
  /// smoothing of the list distribution (Steck's alpha).
  int calibration_top_n = 10;
  double calibration_weight = 2.0;
  double calibration_alpha = 0.01;
  /// An item is "outside known interests" (an exploration candidate) when
  /// no topic or creator of it contributes more than this, and its topics
  /// were not recently shown without engagement (topic fatigue count, by
  /// topic share, below `known_shown`): those are known not to interest.
  double known_interest = 0.05;
  double known_shown = 0.5;
  FatigueTuning fatigue;
};

/// The defaults used by Engine.
const RankTuning& DefaultRankTuning();

/// Where the filter stage puts an item. Anything but kEligible sinks below
/// the ranked items, in this order.
enum class Tier : std::uint8_t { kEligible = 0, kSeen = 1, kDuplicate = 2, kNever = 3 };

/// Output of the score stage, consumed by the rerank stage. Reasons of item i
/// are kind/label/value[offsets[i] .. offsets[i+1]).
struct ScoredBatch {
  std::vector<double> total;
  std::vector<Tier> tier;
  std::vector<std::uint8_t> known;         ///< 1 when within known interests
  std::vector<double> server;              ///< normalised server part 0..1 (exploration prior)
  std::vector<std::int32_t> main_topic;    ///< heaviest topic, -1 when none
  std::vector<std::int32_t> offsets;
  std::vector<std::int32_t> kind;
  std::vector<std::int32_t> label;
  std::vector<double> value;
  /// The person's interest mix (topic id, share), for calibration.
  std::vector<std::pair<std::int32_t, double>> interest_mix;

  void Add(ReasonKind k, std::int32_t l, double v) {
    kind.push_back(static_cast<std::int32_t>(k));
    label.push_back(l);
    value.push_back(v);
  }
};

/// Stage 1 + 2: scores every item of a validated batch at strength `s` > 0
/// and assigns filter tiers (duplicates by key, `never`, seen too often).
void ScoreStage(const Config& c, const RankTuning& t, const Profile& profile, const FatigueState& fatigue,
                const CandidateBatch& b, const RerankOptions& o, double now, double s, ScoredBatch* out);

/// Stage 3: orders the batch into `out` (cleared first) with diversity,
/// calibration and exploration, at strength `s` > 0.
void RerankStage(const Config& c, const RankTuning& t, const CandidateBatch& b, const ScoredBatch& scored,
                 const RerankOptions& o, double s, Rng& rng, RankResult* out);

/// Exploration slots: `count` distinct positions among `free_positions`
/// (ascending, excluding position 0), one drawn uniformly per stratum so
/// they spread over the list. Deterministic for the RNG state.
std::vector<std::int32_t> ChooseExploreSlots(const std::vector<std::int32_t>& free_positions, int count, Rng& rng);

/// How many exploration slots `share` buys among `eligible` ranked slots
/// (position 0 is never one, so at most eligible - 1).
int ExploreSlotCount(double share, int eligible);

/// KL(p || q~) of a topic mix p against a list's topic mass (Steck 2018):
/// q~ = (1 - alpha) * mass / items + alpha * p. `mass[k]` belongs to p[k].
double CalibrationKl(const std::vector<std::pair<std::int32_t, double>>& p, const double* mass, double items,
                     double alpha);

}  // namespace localrank
