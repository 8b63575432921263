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
// add up to its final score.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "localrank/config.h"
#include "localrank/fatigue.h"
#include "localrank/hash.h"
#include "localrank/model.h"
#include "localrank/profile.h"
#include "localrank/types.h"

namespace localrank {

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

/// Where the filter stage puts an item. Anything but kEligible sinks below
/// the ranked items, in this order.
enum class Tier : std::uint8_t { kEligible = 0, kSeen = 1, kDuplicate = 2, kNever = 3 };

/// Per-call facts about a validated batch that both stages read, computed
/// once per rerank by ValidateBatch (ranker.h) while it checks the batch.
struct BatchShape {
  std::vector<double> wsum;                ///< topic weight sum per item
  std::vector<double> share;               ///< topic_weights[k] / wsum of its item (0 when wsum <= 0)
  std::vector<std::uint8_t> unique_topics; ///< 1 when no topic id repeats within the item
  std::vector<std::uint64_t> topic_mask;   ///< bit (id % 64) set for each topic of the item
  std::vector<double> sq_norm;             ///< squared embedding norm per item (kernels::SquaredNorm); empty when dim == 0
  int dim = 0;                             ///< embedding dimension when the batch has embeddings, else 0
  std::int32_t max_topic = -1;             ///< largest topic id in the batch
  std::int32_t max_creator = -1;           ///< largest creator id in the batch
  bool all_unique = true;                  ///< no item repeats a topic id
  std::vector<std::uint32_t> seen_stamp;   ///< scratch of the unique-topic check
  std::uint32_t seen_generation = 0;
};

/// One reason of the score stage.
struct ScoredReason {
  std::int32_t kind;
  std::int32_t label;
  double value;
};

/// Output of the score stage, consumed by the rerank stage. Reasons of item i
/// are reasons[offsets[i] .. offsets[i+1]) (`reasons` is only ever grown:
/// entries from offsets[n] on are scratch).
struct ScoredBatch {
  std::vector<double> total;
  std::vector<double> reason_sum;          ///< the item's reason values added up in order
  std::vector<Tier> tier;
  std::vector<std::uint8_t> known;         ///< 1 when within known interests
  std::vector<double> server;              ///< normalised server part 0..1 (exploration prior)
  std::vector<std::int32_t> main_topic;    ///< heaviest topic (the first of equals), -1 when none
  /// 1 when several topics share the heaviest weight (e.g. a film tagged with
  /// three genres alike): the item belongs to none of them more than to the
  /// others, so the main-topic decay and cap leave it alone (MMR's topic
  /// overlap still spreads such items).
  std::vector<std::uint8_t> main_tied;
  std::vector<std::int32_t> offsets;       ///< size n + 1
  std::vector<ScoredReason> reasons;
  /// The signal values of item i (model.h), signals[i * kSignalCount + k],
  /// and the part of its score no learnt weight multiplies (more/less,
  /// fatigue): what the learner needs of the ranking.
  std::vector<float> signals;
  std::vector<float> fixed;
  /// The person's interest mix (topic id, share), for calibration; filled
  /// only when the call asks for calibration.
  std::vector<std::pair<std::int32_t, double>> interest_mix;
};

/// What the score stage needs per topic id, computed once per call.
struct TopicTerms {
  double global_tanh = 0.0;   ///< tanh(affinity / topic scale)
  double context_diff = 0.0;  ///< tanh(affinity in the active contexts / scale) - global_tanh
  double shown = 0.0;         ///< topic fatigue count
  double fatigue = 0.0;       ///< min(topic_max, topic_step * shown)
  double preference_sign = 0.0;  ///< +1 more, -1 less, else 0
  Preference preference = Preference::kNone;
  double lift_excess = 0.0;   ///< engagement-rate lift (Profile::TopicLift, to rate_power) - 1
};

/// What the score stage needs per creator id, computed once per call.
struct CreatorTerms {
  double affinity_tanh = 0.0;  ///< tanh(affinity / creator scale)
  double shown = 0.0;          ///< creator fatigue count
  double preference_sign = 0.0;  ///< +1 more, -1 less, else 0
  Preference preference = Preference::kNone;
};

/// Reusable tables of the score stage (indexed by name id; an entry is valid
/// for this call where its stamp equals `generation`).
struct ScoreScratch {
  std::vector<double> topic_affinity, creator_affinity;
  std::vector<std::uint32_t> topic_affinity_stamp, creator_affinity_stamp;
  std::vector<TopicTerms> topics;
  std::vector<CreatorTerms> creators;
  std::vector<std::uint32_t> topic_stamp, creator_stamp;
  std::uint32_t generation = 0;
  /// Open-addressing table of the call's item keys (a slot per distinct
  /// key): duplicates, and per-key fatigue looked up once.
  std::vector<double> key_slots;
  std::vector<std::uint32_t> key_stamp;
  std::vector<double> key_shown;           ///< per slot: item fatigue count
  std::vector<std::uint8_t> key_opened;    ///< per slot: engaged with, within the opened half-life
  std::vector<std::int32_t> item_slot;     ///< per item: its key's slot
  std::vector<std::uint8_t> item_repeated; ///< per item: an earlier item has the same key
};

/// What choosing an item for the current slot would add to its score.
struct Choice {
  std::int32_t index = -1;
  double adjusted = -INFINITY;
  double similar = 0.0;
  double creator = 0.0;
  double topic = 0.0;
  double calibration = 0.0;
};

/// One ranked slot as the rerank stage decided it (reasons come later).
struct PlacedSlot {
  std::int32_t index = -1;
  bool explored = false;
  double similar = 0.0;
  double creator = 0.0;
  double topic = 0.0;
  double calibration = 0.0;
  double explore = 0.0;
  double propensity = 1.0;
};

/// Reusable state of the rerank stage.
struct RerankScratch {
  /// Eligible items by (score desc, input index asc), and a doubly linked
  /// list over it of those not placed yet.
  std::vector<std::int32_t> by_total;
  /// Scratch of the radix sort that orders by_total.
  std::vector<std::uint64_t> radix_keys, radix_keys_swap;
  std::vector<std::int32_t> radix_items_swap;
  std::vector<std::int32_t> next, prev, node;  ///< node: item -> list position, -1 once placed or when not eligible
  std::vector<std::int32_t> eligible, tail, free_positions, explore_positions, explore_slots, pool;
  std::vector<std::uint8_t> explore_at;
  /// MMR memory per item, brought up to date lazily (see diversity.cpp).
  std::vector<double> memory;
  std::vector<std::uint32_t> memory_upto;
  std::vector<std::int32_t> updates;
  std::vector<double> sims, norm;
  /// Grown on demand, recomputed when their base changes: mmr_memory^k by
  /// repeated multiplication, pow(creator_factor, k - 1), and the largest
  /// memory a similarity can leave after k more placements.
  std::vector<double> decay_power, creator_power, topic_power, memory_cap;
  double decay_base = -1.0, creator_base = -1.0, topic_base = -1.0, cap_base = -1.0, cap_similarity = -1.0;
  /// Items placed per creator and per main topic; per main topic in the capped top N.
  std::vector<int> creator_count, topic_placed, topic_count;
  std::vector<std::int32_t> mix_slot;
  std::vector<double> mass, trial;
  /// Topic -> share of the item placed last.
  std::vector<double> focus_share;
  std::vector<std::uint32_t> focus_stamp;
  std::uint32_t focus = 0;
  std::vector<PlacedSlot> slots;
  /// Exploration: the best item of each main topic of the pool, and its draw weight.
  std::vector<Choice> group_best;
  std::vector<double> group_weight;
};

/// Everything a rerank reuses between calls, owned by the Engine: after the
/// first calls of a given size a rerank allocates nothing.
struct RankScratch {
  BatchShape shape;
  ScoreScratch score;
  ScoredBatch scored;
  RerankScratch rerank;
};

/// Stage 1 + 2: scores every item of a validated batch at strength `s` > 0
/// and assigns filter tiers (duplicates by key, `never`, seen too often).
void ScoreStage(const Config& c, const RankTuning& t, const Profile& profile, const FatigueState& fatigue,
                const CandidateBatch& b, const BatchShape& shape, const RerankOptions& o, double now, double s,
                ScoreScratch* scratch, ScoredBatch* out);

/// Stage 3: orders the batch into `out` (every array rewritten) with
/// diversity, calibration and exploration over the first `o.top_k` slots,
/// at strength `s` > 0.
void RerankStage(const Config& c, const RankTuning& t, const CandidateBatch& b, const BatchShape& shape,
                 const ScoredBatch& scored, const RerankOptions& o, double s, Rng& rng, RerankScratch* scratch,
                 RankResult* out);

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
