// SPDX-License-Identifier: MIT
// Rank and its score stage: per-id terms once per call, item keys once per
// call, then each item's score as a sum of reasons (ItemScorer, in the private
// rank/item_scorer.h). The batch checks are in validate_batch.cpp, the rerank
// stage in diversity.cpp.
#include "localrank/ranker.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <unordered_map>

#include "localrank/stages.h"

#include "rank/item_scorer.h"
#include "rank/kernels.h"
#include "rank/scratch.h"
#include "util/int_pow.h"

namespace localrank {

namespace {

double PreferenceSign(Preference p) {
  return p == Preference::kMore ? 1.0 : p == Preference::kLess ? -1.0 : 0.0;
}

// Server part: min-max normalised server scores when every item has one,
// else the position the server put it in.
void ServerPart(const CandidateBatch& b, std::vector<double>* server) {
  const std::size_t n = b.size();
  bool all_scored = n > 0;
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = 0; i < n && all_scored; ++i) {
    if (std::isnan(b.server_score[i])) all_scored = false;
    lo = std::min(lo, b.server_score[i]);
    hi = std::max(hi, b.server_score[i]);
  }
  server->resize(n);
  double* out = server->data();
  if (all_scored) {
    // Halved first: hi - lo overflows for scores near +/-DBL_MAX.
    for (std::size_t i = 0; i < n; ++i) out[i] = hi > lo ? (b.server_score[i] / 2 - lo / 2) / (hi / 2 - lo / 2) : 1.0;
  } else {
    for (std::size_t i = 0; i < n; ++i) out[i] = n > 1 ? 1.0 - static_cast<double>(i) / static_cast<double>(n) : 1.0;
  }
}

// Grows a per-id table to at least `size` entries (never shrinks: stamps
// keep stale entries from being read).
template <typename T>
void Reserve(std::vector<T>* v, std::size_t size) {
  if (v->size() < size) v->resize(size);
}

// One pass over a profile table: its scale (the strongest positive blended
// affinity, at least affinity_scale: the affinity that maps to tanh(1), so a
// heavy user's interests keep their relative strengths instead of all
// saturating) and the affinity of every id below `limit`, stamped. With
// `mix`, also the person's interest mix (positive affinities normalised,
// sorted by id), summed in the map's iteration order.
double AffinityPass(const Config& c, const std::unordered_map<std::uint32_t, Affinity>& m, double now,
                    std::size_t limit, std::uint32_t generation, double* affinity, std::uint32_t* stamp,
                    std::vector<std::pair<std::int32_t, double>>* mix) {
  double top = 0.0, sum = 0.0;
  if (mix) mix->clear();
  for (const auto& [id, a] : m) {
    const double v = a.Blend(c, now);
    top = std::max(top, v);
    if (id < limit) {
      affinity[id] = v;
      stamp[id] = generation;
    }
    if (mix && v > 0.0) {
      mix->emplace_back(static_cast<std::int32_t>(id), v);
      sum += v;
    }
  }
  if (mix) {
    if (sum <= 0.0) {
      mix->clear();
    } else {
      // Sorted by id: hash-map order must never reach the ranking.
      std::sort(mix->begin(), mix->end());
      for (auto& e : *mix) e.second /= sum;
    }
  }
  return std::max(c.affinity_scale, top);
}

// Item keys compare as doubles (so 0.0 == -0.0); the hash is over the bits.
std::uint64_t KeyBits(double key) {
  const double k = key == 0.0 ? 0.0 : key;
  std::uint64_t bits;
  std::memcpy(&bits, &k, sizeof bits);
  return bits;
}

// The context reasons name the active context the profile trusts most (-1: none).
std::int32_t ContextLabel(const Profile::ContextLens& lens) {
  std::int32_t label = -1;
  double best_lambda = -1.0;
  for (const auto& e : lens.entries) {
    if (e.lambda > best_lambda) {
      best_lambda = e.lambda;
      label = static_cast<std::int32_t>(e.id);
    }
  }
  return label;
}

// Starts a call: a new stamp generation and per-id tables large enough for
// the batch's ids. Returns the generation.
std::uint32_t BeginCall(const BatchShape& shape, ScoreScratch* scratch) {
  ScoreScratch& sc = *scratch;
  if (++sc.generation == 0) {
    for (auto* v :
         {&sc.topic_affinity_stamp, &sc.creator_affinity_stamp, &sc.topic_stamp, &sc.creator_stamp, &sc.key_stamp}) {
      std::fill(v->begin(), v->end(), 0u);
    }
    sc.generation = 1;
  }
  const auto topic_n = static_cast<std::size_t>(shape.max_topic + 1);
  const auto creator_n = static_cast<std::size_t>(shape.max_creator + 1);
  Reserve(&sc.topic_affinity, topic_n);
  Reserve(&sc.topic_affinity_stamp, topic_n);
  Reserve(&sc.topics, topic_n);
  Reserve(&sc.topic_stamp, topic_n);
  Reserve(&sc.creator_affinity, creator_n);
  Reserve(&sc.creator_affinity_stamp, creator_n);
  Reserve(&sc.creators, creator_n);
  Reserve(&sc.creator_stamp, creator_n);
  return sc.generation;
}

// What scoring needs of each topic id of the batch, once per call.
void PrepareTopicTerms(const Config& c, const RankTuning& t, const Profile& profile, const FatigueState& fatigue,
                       const CandidateBatch& b, const Profile::ContextLens& lens, std::int32_t ctx_label,
                       const Profile::RateLens* rate_lens, double topic_scale, double now, ScoreScratch* scratch) {
  ScoreScratch& sc = *scratch;
  const std::uint32_t gen = sc.generation;
  const FatigueTuning& ft = t.fatigue;
  TopicTerms* topic_terms = sc.topics.data();
  for (const std::int32_t id : b.topic_ids) {
    const auto u = static_cast<std::uint32_t>(id);
    if (sc.topic_stamp[u] == gen) continue;
    sc.topic_stamp[u] = gen;
    TopicTerms& tt = topic_terms[u];
    const double global = sc.topic_affinity_stamp[u] == gen ? sc.topic_affinity[u] : 0.0;
    tt.global_tanh = std::tanh(global / topic_scale);
    tt.context_diff =
        ctx_label >= 0 ? std::tanh(profile.ContextTopicAffinity(c, lens, u, global, now) / topic_scale) - tt.global_tanh
                       : 0.0;
    tt.shown = fatigue.TopicCount(ft, u, now);
    tt.fatigue = std::min(ft.topic_max, ft.topic_step * tt.shown);
    tt.preference = profile.TopicPreference(u);
    tt.preference_sign = PreferenceSign(tt.preference);
    tt.lift_excess = rate_lens ? IntPow(profile.TopicLift(c, *rate_lens, u, now), t.rate_power) - 1.0 : 0.0;
  }
}

// What scoring needs of each creator id of the batch, once per call.
void PrepareCreatorTerms(const FatigueTuning& ft, const Profile& profile, const FatigueState& fatigue,
                         const CandidateBatch& b, double creator_scale, double now, ScoreScratch* scratch) {
  ScoreScratch& sc = *scratch;
  const std::uint32_t gen = sc.generation;
  CreatorTerms* creator_terms = sc.creators.data();
  for (const std::int32_t id : b.creator) {
    if (id < 0) continue;
    const auto u = static_cast<std::uint32_t>(id);
    if (sc.creator_stamp[u] == gen) continue;
    sc.creator_stamp[u] = gen;
    CreatorTerms& ct = creator_terms[u];
    const double affinity = sc.creator_affinity_stamp[u] == gen ? sc.creator_affinity[u] : 0.0;
    ct.affinity_tanh = std::tanh(affinity / creator_scale);
    ct.shown = fatigue.CreatorCount(ft, u, now);
    ct.preference = profile.CreatorPreference(u);
    ct.preference_sign = PreferenceSign(ct.preference);
  }
}

// Item keys: one open-addressing table over the call's keys finds repeated
// keys (duplicates) and takes each key's fatigue once.
void PrepareItemKeys(const FatigueTuning& ft, const FatigueState& fatigue, const CandidateBatch& b, double now,
                     ScoreScratch* scratch) {
  ScoreScratch& sc = *scratch;
  const std::uint32_t gen = sc.generation;
  const std::size_t n = b.size();
  std::size_t slots = 16;
  while (slots < 2 * n) slots <<= 1;
  if (sc.key_slots.size() < slots) {
    sc.key_slots.assign(slots, 0.0);
    sc.key_stamp.assign(slots, 0u);
    sc.key_shown.assign(slots, 0.0);
    sc.key_opened.assign(slots, 0);
  }
  slots = sc.key_slots.size();  // a power of two
  const int shift = 64 - __builtin_ctzll(static_cast<unsigned long long>(slots));
  double* key_slots = sc.key_slots.data();
  std::uint32_t* key_stamp = sc.key_stamp.data();
  auto slot_of = [&](double key) {
    std::size_t h = static_cast<std::size_t>((KeyBits(key) * 0x9E3779B97F4A7C15ull) >> shift);
    while (key_stamp[h] == gen && !(key_slots[h] == key)) h = (h + 1) & (slots - 1);
    return h;
  };
  sc.item_slot.resize(n);
  sc.item_repeated.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t h = slot_of(b.key[i]);
    sc.item_slot[i] = static_cast<std::int32_t>(h);
    sc.item_repeated[i] = key_stamp[h] == gen ? 1 : 0;
    if (!sc.item_repeated[i]) {
      key_stamp[h] = gen;
      key_slots[h] = b.key[i];
      sc.key_shown[h] = 0.0;
      sc.key_opened[h] = 0;
    }
  }
  // FatigueState::ItemCount / Opened per distinct key: walking a table no
  // larger than the batch costs less than looking every key up in it.
  if (fatigue.items.size() <= 2 * n) {
    for (const auto& [key, counter] : fatigue.items) {
      const std::size_t h = slot_of(key);
      if (key_stamp[h] == gen) sc.key_shown[h] = counter.At(now, ft.item_half_life_ms);
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      if (!sc.item_repeated[i]) sc.key_shown[static_cast<std::size_t>(sc.item_slot[i])] = fatigue.ItemCount(ft, b.key[i], now);
    }
  }
  if (fatigue.opened.size() <= 2 * n) {
    for (const auto& [key, counter] : fatigue.opened) {
      const std::size_t h = slot_of(key);
      if (key_stamp[h] == gen) sc.key_opened[h] = counter.At(now, ft.opened_half_life_ms) >= 0.5 ? 1 : 0;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      if (!sc.item_repeated[i]) sc.key_opened[static_cast<std::size_t>(sc.item_slot[i])] = fatigue.Opened(ft, b.key[i], now) ? 1 : 0;
    }
  }
}

// Sizes the score stage's outputs for n items.
void SizeOutput(const CandidateBatch& b, ScoredBatch* out) {
  const std::size_t n = b.size();
  out->signals.resize(n * kSignalCount);
  out->fixed.resize(n);
  out->total.resize(n);
  out->reason_sum.resize(n);
  out->tier.resize(n);
  out->known.resize(n);
  out->main_topic.resize(n);
  out->main_tied.resize(n);
  out->reasons.offsets.resize(n + 1);
  // At most 3 reasons per topic and 10 others per item; never shrunk.
  Reserve(&out->reasons.reasons, 3 * b.topic_ids.size() + 10 * n);
  out->reasons.offsets[0] = 0;
}


}  // namespace

const RankTuning& DefaultRankTuning() {
  static const RankTuning kTuning;
  return kTuning;
}

void ScoreStage(const Config& c, const RankTuning& t, const Profile& profile, const FatigueState& fatigue,
                const CandidateBatch& b, const BatchShape& shape, const RerankOptions& o, double now, double s,
                ScoreScratch* scratch, ScoredBatch* out) {
  const std::size_t n = b.size();
  ServerPart(b, &out->server);
  // The person's weights (model.h): the prior's until choices moved them.
  const std::array<double, kSignalCount> weight = ModelWeights(c, profile.model);
  const auto* ctx = o.context_ids.data();
  const int ctx_n = static_cast<int>(o.context_ids.size());
  const Profile::ContextLens lens = profile.MakeContextLens(c, ctx, ctx_n, now);
  const std::int32_t ctx_label = ContextLabel(lens);

  // Per-id terms, each computed once per call.
  const std::uint32_t gen = BeginCall(shape, scratch);
  ScoreScratch& sc = *scratch;
  const auto topic_n = static_cast<std::size_t>(shape.max_topic + 1);
  const auto creator_n = static_cast<std::size_t>(shape.max_creator + 1);
  const double topic_scale = AffinityPass(c, profile.topics, now, topic_n, gen, sc.topic_affinity.data(),
                                          sc.topic_affinity_stamp.data(), o.calibration ? &out->interest_mix : nullptr);
  if (!o.calibration) out->interest_mix.clear();
  const double creator_scale = AffinityPass(c, profile.creators, now, creator_n, gen, sc.creator_affinity.data(),
                                            sc.creator_affinity_stamp.data(), nullptr);
  // Learning needs every signal's value, weighted or not.
  const bool use_rate = weight[static_cast<std::size_t>(Signal::kRate)] != 0.0 || c.learning;
  const Profile::RateLens rate_lens = use_rate ? profile.MakeRateLens(c, ctx, ctx_n, now) : Profile::RateLens{};
  PrepareTopicTerms(c, t, profile, fatigue, b, lens, ctx_label, use_rate ? &rate_lens : nullptr, topic_scale, now,
                    scratch);
  PrepareCreatorTerms(t.fatigue, profile, fatigue, b, creator_scale, now, scratch);
  PrepareItemKeys(t.fatigue, fatigue, b, now, scratch);

  SizeOutput(b, out);
  ItemScorer scorer(c, t, profile, b, shape, sc, weight, ctx_label, now, s, out->server.data(), out);
  StoredReason* const w0 = out->reasons.reasons.data();
  StoredReason* w = w0;
  for (std::size_t i = 0; i < n; ++i) w = scorer.Score(i, w, w0);
}

void Rank(const Config& c, const Profile& profile, const FatigueState& fatigue, const CandidateBatch& b,
          const RerankOptions& o, double now, Rng& rng, RankScratch* scratch, RankResult* out) {
  const std::size_t n = b.size();
  const double s = std::clamp(o.strength, 0.0, 1.0);

  if (s == 0.0) {
    // Non-profiling mode: the server's own order, untouched by the profile.
    out->order.resize(n);
    out->score.resize(n);
    out->propensity.resize(n);
    ReasonList& r = out->by_item;
    r.offsets.resize(n + 1);
    Reserve(&r.reasons, n);
    r.offsets[0] = 0;
    out->by_rank.offsets.assign(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const double base = n > 1 ? 1.0 - static_cast<double>(i) / static_cast<double>(n) : 1.0;
      out->order[i] = static_cast<std::int32_t>(i);
      out->score[i] = base;
      out->propensity[i] = 1.0;
      r.reasons[i] = StoredReason(ReasonKind::kNotPersonalized, ReasonLabel{}, base);
      r.offsets[i + 1] = static_cast<std::int32_t>(i + 1);
    }
    return;
  }
  const RankTuning& t = DefaultRankTuning();
  ScoreStage(c, t, profile, fatigue, b, scratch->shape, o, now, s, &scratch->score, &scratch->scored);
  RerankStage(c, t, b, scratch->shape, scratch->scored, o, s, rng, &scratch->rerank, out);
  // The score stage's reasons are the result's, as they are: no copy.
  std::swap(out->by_item, scratch->scored.reasons);
}

}  // namespace localrank
