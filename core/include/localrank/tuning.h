// SPDX-License-Identifier: MIT
// The ranking's fixed tuning, in one place: what the algorithm's authors
// chose and evaluation confirmed (EVALUATION.md). What an integrator sets per
// engine is Config (config.h); the priors of the learnt weights are Config's
// w_* (model.h).
#pragma once

#include "localrank/config.h"

namespace localrank {

/// The person's base engagement rate (engagement per impression over all
/// topics) is shrunk towards kRateBasePrior with the weight of
/// kRateBasePriorShown impressions, so the first click does not make every
/// other topic look bad.
constexpr double kRateBasePrior = 0.2;
constexpr double kRateBasePriorShown = 10.0;

/// Score shift of "more" / "less" for a topic (times its share in the item) or
/// a creator: half the contribution of a saturated interest.
constexpr double kAdjustStep = 0.5;

/// Expected reading time of a post whose `expectedMs` is unknown (a typical
/// short post): the dwell of an event is scaled by its read ratio.
constexpr double kDefaultExpectedMs = 15000.0;

/// Fatigue tuning. Impressions without engagement accumulate as decayed
/// counts; the penalty saturates, and half-lives let it recover over time.
struct FatigueTuning {
  double item_half_life_ms = 24 * kMsPerHour;
  double creator_half_life_ms = 24 * kMsPerHour;
  double topic_half_life_ms = 24 * kMsPerHour;
  /// Score penalty per unengaged impression, and its ceiling.
  double item_step = 0.15;
  double item_max = 0.6;
  double creator_step = 0.04;
  double creator_max = 0.25;
  double topic_step = 0.03;
  double topic_max = 0.3;
  /// An item shown this many times (decayed) without engagement is filtered
  /// out of the ranked part of the feed (it sinks to the end, marked `seen`).
  double item_seen_limit = 5.0;
  /// An item the person engaged with (opened, liked, ...) is not served again
  /// at the top: it sinks (marked `seen`, "already opened") while its decayed
  /// mark is >= 0.5, i.e. for one half-life.
  double opened_half_life_ms = 3 * 24 * kMsPerHour;
  /// Bounded memory: entries kept per table, and a count below this is forgotten.
  int max_items = 2000;
  int max_creators = 500;
  int max_topics = 500;
  double forget_below = 0.05;
};

/// Tuning of the rerank stage. Defaults keep a feed varied at the default
/// `diversity` option (0.3) without hiding what the person likes.
struct RankTuning {
  /// MMR: penalty of an item identical to the one right above it, at
  /// diversity 1 (scaled by the option and by strength). The topic decay
  /// below shares the work, so MMR is the lighter touch.
  double mmr_weight = 0.5;
  /// MMR memory: similarity to items placed earlier fades by this factor per
  /// slot, so the feed is varied locally rather than against its whole head.
  double mmr_memory = 0.7;
  /// Creator decay: the k-th item of one creator keeps factor^(k-1) of its
  /// (positive) score, never less than `creator_floor`.
  double creator_factor = 0.6;
  double creator_floor = 0.25;
  /// Topic decay, the same for main topics: the k-th item whose main topic
  /// was already placed keeps topic_factor^(k-1) of what the creator decay
  /// left of its (positive) score, never less than `topic_floor`.
  double topic_factor = 0.7;
  double topic_floor = 0.25;
  /// At most ceil(topic_cap_share * topic_cap_top_n) items whose main topic
  /// is the same among the first topic_cap_top_n slots.
  int topic_cap_top_n = 10;
  double topic_cap_share = 0.4;
  /// Calibration: slots covered, weight of the KL improvement, and the
  /// smoothing of the list distribution (Steck's alpha).
  int calibration_top_n = 10;
  double calibration_weight = 1.0;
  double calibration_alpha = 0.01;
  /// An item is "outside known interests" (an exploration candidate) when
  /// no topic, creator or embedding term of it contributes more than this
  /// either way and no more/less choice applies. Topics shown without
  /// engagement stay candidates: their lowered (engagement-rate) score makes
  /// them unlikely to be drawn (explore_power).
  double known_interest = 0.05;
  /// Exploration draws one main topic among the candidates outside known
  /// interests with probability proportional to its best item's positive
  /// adjusted score to this power (0 = uniformly): promising unexplored
  /// items are tried far more often than weak ones, none is excluded. An
  /// integer, as every power the ranking takes (core/src/util/int_pow.h).
  int explore_power = 4;
  /// The score uses the engagement-rate lift to this power (Profile::TopicLift):
  /// the server part times lift^2 is closer to the person's own engagement
  /// rate than times the lift, whose estimate is shrunk towards 1. An integer.
  int rate_power = 2;
  FatigueTuning fatigue;
};

/// The defaults used by Engine.
const RankTuning& DefaultRankTuning();

/// The defaults used by Engine.
const RankTuning& DefaultRankTuning();

}  // namespace localrank
