// SPDX-License-Identifier: MIT
// Private: the buffers the ranking stages reuse between calls (owned by the
// Engine, so that after the first calls of a given size a rerank allocates
// nothing), and the two stages that fill them.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "localrank/config.h"
#include "localrank/fatigue.h"
#include "localrank/hash.h"
#include "localrank/model.h"
#include "localrank/profile.h"
#include "localrank/stages.h"
#include "localrank/types.h"

// On the helpers the stages are split into for reading that run per item
// or per candidate of a slot: always inlined, since a call there would slow
// the rerank.
#define LOCALRANK_INLINE [[gnu::always_inline]] inline

namespace localrank {

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

/// Output of the score stage, consumed by the rerank stage. `reasons` (by
/// item) become the result's by_item reasons (Rank swaps them in).
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
  ReasonList reasons;
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

}  // namespace localrank
