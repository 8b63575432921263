// SPDX-License-Identifier: MIT
#include "localrank/ranker.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_map>

#include "localrank/stages.h"

#include "util/int_pow.h"
#include "rank/kernels.h"

namespace localrank {

namespace {

std::string ItemField(int i, const char* field) {
  return "items[" + std::to_string(i) + "]." + field;
}

}  // namespace

namespace {

// The first error of item u, checked in the order ValidateBatch reports them
// (id, serverScore, publishedAt, creatorId, topic offsets, topic count, topic
// ids and weights). Only called for an item the fast checks found bad, so it
// always returns an error.
Status ItemError(const CandidateBatch& b, std::size_t u, const std::size_t* name_counts) {
  const int i = static_cast<int>(u);
  if (!std::isfinite(b.key[u])) {
    return Status::Error(Code::kInvalidItem, ItemField(i, "id"), i, ItemField(i, "id") + " is missing");
  }
  if (std::isinf(b.server_score[u])) {
    return Status::Error(Code::kInvalidItem, ItemField(i, "serverScore"), i,
                         ItemField(i, "serverScore") + " must be a finite number");
  }
  if (std::isinf(b.published_at[u])) {
    return Status::Error(Code::kInvalidItem, ItemField(i, "publishedAt"), i,
                         ItemField(i, "publishedAt") + " must be a finite time in ms");
  }
  if (b.creator[u] < -1 || (b.creator[u] >= 0 && static_cast<std::size_t>(b.creator[u]) >=
                                                     name_counts[static_cast<int>(NameKind::kCreator)])) {
    return Status::Error(Code::kInvalidItem, ItemField(i, "creatorId"), i,
                         ItemField(i, "creatorId") + " is not a known creator id");
  }
  const int lo = b.topic_offsets[u], hi = b.topic_offsets[u + 1];
  if (hi < lo || lo < 0 || static_cast<std::size_t>(hi) > b.topic_ids.size()) {
    return Status::Error(Code::kInvalidArgument, ItemField(i, "topics"), i, "items: topic offsets decrease");
  }
  if (hi - lo > kMaxTopicsPerItem) {
    return Status::Error(Code::kLimitExceeded, ItemField(i, "topics"), i,
                         ItemField(i, "topics") + " has more than " + std::to_string(kMaxTopicsPerItem) + " topics");
  }
  const std::size_t topic_names = name_counts[static_cast<int>(NameKind::kTopic)];
  for (int k = lo; k < hi; ++k) {
    const auto t = b.topic_ids[static_cast<std::size_t>(k)];
    const float w = b.topic_weights[static_cast<std::size_t>(k)];
    if (t < 0 || static_cast<std::size_t>(t) >= topic_names) {
      return Status::Error(Code::kInvalidItem, ItemField(i, "topics"), i,
                           ItemField(i, "topics") + " names an unknown topic id");
    }
    if (!std::isfinite(w) || w < 0.0f) {
      return Status::Error(Code::kInvalidItem, ItemField(i, "topics"), i,
                           ItemField(i, "topics") + " weights must be finite and >= 0");
    }
  }
  return Status::Error(Code::kInvalidArgument, "items", i, "items: the batch checks disagree");
}

}  // namespace

Status PackedRulesError() {
  return Status::Error(Code::kInvalidItem, "items", -1,
                       "items: a topic repeats within an item, or pinned is not 0 or 1");
}

bool PackedRulesHold(const CandidateBatch& c, std::size_t topics) {
  const std::size_t n = c.size();
  if (c.topic_offsets.size() != n + 1 || c.flags.size() != n) return false;
  // The failure path only (see Engine::RerankPacked): a fresh table is fine.
  std::vector<std::uint32_t> seen(topics, 0u);
  for (std::size_t i = 0; i < n; ++i) {
    if (c.flags[i] != 0 && c.flags[i] != kFlagPinned) return false;
    const std::int32_t lo = c.topic_offsets[i], hi = c.topic_offsets[i + 1];
    // Offsets and ids out of range are the other checks' to refuse; only the rule is checked here.
    if (lo < 0 || hi < lo || static_cast<std::size_t>(hi) > c.topic_ids.size()) continue;
    const auto generation = static_cast<std::uint32_t>(i + 1);
    for (std::int32_t k = lo; k < hi; ++k) {
      const auto t = static_cast<std::uint32_t>(c.topic_ids[static_cast<std::size_t>(k)]);
      if (t >= topics) continue;
      if (seen[t] == generation) return false;
      seen[t] = generation;
    }
  }
  return true;
}

// One pass over the batch checks every value and computes what both stages
// read (BatchShape): these used to be four passes (the checks, the
// embeddings' finiteness, PrepareBatch and the packed API's rules), each
// reading the whole batch again. Errors are those of the separate checks: an
// item's first bad value, items in order, then the embeddings, then the
// packed rules.
Status ValidateBatch(const Config& c, const CandidateBatch& b, const std::size_t* name_counts, bool packed_rules,
                     BatchShape* out) {
  const std::size_t n = b.size();
  if (n > static_cast<std::size_t>(kMaxItemsPerCall)) {
    return Status::Error(Code::kLimitExceeded, "items", -1,
                         "items: " + std::to_string(n) + " items exceed the limit of " +
                             std::to_string(kMaxItemsPerCall) + " per call");
  }
  if (b.server_score.size() != n || b.published_at.size() != n || b.creator.size() != n ||
      b.flags.size() != n || b.topic_offsets.size() != n + 1) {
    return Status::Error(Code::kInvalidArgument, "items", -1, "items: inconsistent batch arrays");
  }
  if (b.topic_offsets[0] != 0 || static_cast<std::size_t>(b.topic_offsets[n]) != b.topic_ids.size() ||
      b.topic_ids.size() != b.topic_weights.size()) {
    return Status::Error(Code::kInvalidArgument, "items", -1, "items: inconsistent topic arrays");
  }
  if (c.dim > 0 && !b.embeddings.empty() && b.embeddings.size() != n * static_cast<std::size_t>(c.dim)) {
    return Status::Error(Code::kDimensionMismatch, "items", -1,
                         "items: embeddings must hold n * dim = " + std::to_string(n * c.dim) + " floats");
  }
  const std::size_t topic_names = name_counts[static_cast<int>(NameKind::kTopic)];
  // creator + 1 as unsigned is below creator_names + 1 exactly for -1 and the known ids.
  const std::uint64_t creator_limit = static_cast<std::uint64_t>(name_counts[static_cast<int>(NameKind::kCreator)]) + 1;
  const std::size_t topic_total = b.topic_ids.size();
  out->wsum.resize(n);
  out->share.resize(b.topic_weights.size());
  out->unique_topics.resize(n);
  out->topic_mask.resize(n);
  const int dim = c.dim > 0 && b.embeddings.size() == n * static_cast<std::size_t>(c.dim) ? c.dim : 0;
  out->dim = dim;
  out->sq_norm.resize(dim > 0 ? n : 0);
  // Ids are checked against the name table before they index this table.
  if (out->seen_stamp.size() < topic_names) {
    out->seen_stamp.assign(topic_names, 0u);
    out->seen_generation = 0;
  }
  std::uint32_t* seen = out->seen_stamp.data();
  const std::int32_t* ids = b.topic_ids.data();
  const float* weights = b.topic_weights.data();
  const std::int32_t* offsets = b.topic_offsets.data();
  const float* embeddings = b.embeddings.data();
  double* share = out->share.data();
  double* wsum_out = out->wsum.data();
  std::uint64_t* mask_out = out->topic_mask.data();
  std::uint8_t* unique_out = out->unique_topics.data();
  double* sq_norm_out = out->sq_norm.data();
  // Every topic entry at once, in loops the compiler vectorizes: once the
  // item loop has checked the offsets, each entry belongs to exactly one
  // item, so when all entries are valid no item's topics can be bad. Only
  // when some entry is bad does the item loop check its items' topics, in
  // order, to report the first. Weights are tested by their bits (integer
  // compares vectorize): a weight is valid (finite and >= 0, -0 included)
  // when its bits are those of +0 .. FLT_MAX, or of -0.
  std::int32_t max_topic = -1;
  std::uint32_t topics_bad = 0;
  const auto topic_limit = static_cast<std::uint32_t>(std::min<std::size_t>(topic_names, UINT32_MAX));
  for (std::size_t k = 0; k < topic_total; ++k) {
    topics_bad |= static_cast<std::uint32_t>(static_cast<std::uint32_t>(ids[k]) >= topic_limit);
    max_topic = std::max(max_topic, ids[k]);
  }
  for (std::size_t k = 0; k < topic_total; ++k) {
    std::uint32_t bits;
    std::memcpy(&bits, weights + k, sizeof bits);
    topics_bad |= static_cast<std::uint32_t>(bits > 0x7f7fffffu) & static_cast<std::uint32_t>(bits != 0x80000000u);
  }
  std::int32_t max_creator = -1, odd_flags = 0;
  std::ptrdiff_t bad_float = -1;  // flat index of the first non-finite embedding float
  bool all_unique = true;
  for (std::size_t u = 0; u < n; ++u) {
    // Branch-free checks of the item; the error, in order, only when one fails.
    const std::int32_t cr = b.creator[u];
    const int lo = offsets[u], hi = offsets[u + 1];
    bool bad = !std::isfinite(b.key[u]);
    bad |= std::isinf(b.server_score[u]);
    bad |= std::isinf(b.published_at[u]);
    bad |= static_cast<std::uint64_t>(static_cast<std::int64_t>(cr) + 1) >= creator_limit;
    bad |= hi < lo || lo < 0 || static_cast<std::size_t>(hi) > topic_total || hi - lo > kMaxTopicsPerItem;
    if (bad) return ItemError(b, u, name_counts);
    if (topics_bad) {
      for (int k = lo; k < hi; ++k) {
        const float w = weights[k];
        bad |= static_cast<std::size_t>(static_cast<std::uint32_t>(ids[k])) >= topic_names;
        bad |= !(w >= 0.0f && w <= std::numeric_limits<float>::max());
      }
      if (bad) return ItemError(b, u, name_counts);
    }
    double wsum = 0.0;
    for (int k = lo; k < hi; ++k) wsum += weights[k];
    max_creator = std::max(max_creator, cr);
    odd_flags |= b.flags[u] & ~kFlagPinned;
    wsum_out[u] = wsum;
    if (++out->seen_generation == 0) {
      std::fill(out->seen_stamp.begin(), out->seen_stamp.end(), 0u);
      out->seen_generation = 1;
    }
    const std::uint32_t g = out->seen_generation;
    std::uint64_t mask = 0;
    bool unique = true;
    for (int k = lo; k < hi; ++k) {
      const auto id = static_cast<std::uint32_t>(ids[k]);
      share[k] = wsum > 0.0 ? weights[k] / wsum : 0.0;
      mask |= std::uint64_t{1} << (id & 63u);
      if (seen[id] == g) unique = false;
      seen[id] = g;
    }
    mask_out[u] = mask;
    unique_out[u] = unique ? 1 : 0;
    all_unique = all_unique && unique;
    if (dim > 0) {
      // A sum of squares is finite only when every term is (no term is
      // negative, so infinities cannot cancel, and NaN stays NaN): the norm
      // both stages need is the finiteness check. Only a non-finite norm
      // (also: finite values whose squares overflow) looks at the floats.
      const float* e = embeddings + u * static_cast<std::size_t>(dim);
      const float sq = kernels::SquaredNorm(e, dim);
      sq_norm_out[u] = static_cast<double>(sq);
      if (!std::isfinite(sq) && bad_float < 0) {
        if (const std::ptrdiff_t k = FirstNonFinite(e, static_cast<std::size_t>(dim)); k >= 0) {
          bad_float = static_cast<std::ptrdiff_t>(u * static_cast<std::size_t>(dim)) + k;
        }
      }
    }
  }
  out->max_topic = max_topic;
  out->max_creator = max_creator;
  out->all_unique = all_unique;
  // Embeddings without a dimension to split them by (dim 0) are checked as one array.
  if (dim == 0) bad_float = FirstNonFinite(embeddings, b.embeddings.size());
  if (bad_float >= 0) {
    const int i = static_cast<int>(static_cast<std::size_t>(bad_float) / static_cast<std::size_t>(std::max(c.dim, 1)));
    return Status::Error(Code::kInvalidItem, ItemField(i, "embedding"), i,
                         ItemField(i, "embedding") + " must contain finite numbers");
  }
  if (packed_rules && (!all_unique || odd_flags != 0)) return PackedRulesError();
  return Status::Ok();
}

std::ptrdiff_t FirstNonFinite(const float* values, std::size_t n) {
  if (n == 0 || kernels::AllFinite(values, n)) return -1;
  for (std::size_t k = 0; k < n; ++k) {
    if (!std::isfinite(values[k])) return static_cast<std::ptrdiff_t>(k);
  }
  return -1;
}

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

// One pass over a profile table: its scale (ScaleOf in profile.cpp: the
// strongest positive blended affinity, at least affinity_scale) and the
// affinity of every id below `limit`, stamped. With `mix`, also the person's
// interest mix (positive affinities normalised, sorted by id), summed in the
// map's iteration order as InterestMix always did.
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
  const double* server = out->server.data();
  // The person's weights (model.h): the prior's until choices moved them.
  const std::array<double, kSignalCount> weight = ModelWeights(c, profile.model);
  const auto W = [&](Signal k) { return weight[static_cast<std::size_t>(k)]; };
  const double server_w = (1.0 - s) + s * W(Signal::kServer);
  const auto* ctx = o.context_ids.data();
  const int ctx_n = static_cast<int>(o.context_ids.size());
  const Profile::ContextLens lens = profile.MakeContextLens(c, ctx, ctx_n, now);
  // The reason names the context the profile trusts most.
  std::int32_t ctx_label = -1;
  double best_lambda = -1.0;
  for (const auto& e : lens.entries) {
    if (e.lambda > best_lambda) {
      best_lambda = e.lambda;
      ctx_label = static_cast<std::int32_t>(e.id);
    }
  }
  const FatigueTuning& ft = t.fatigue;

  // Per-id terms, each computed once per call with the same expressions the
  // per-item loop used to evaluate (so values are bit-identical).
  ScoreScratch& sc = *scratch;
  if (++sc.generation == 0) {
    for (auto* v :
         {&sc.topic_affinity_stamp, &sc.creator_affinity_stamp, &sc.topic_stamp, &sc.creator_stamp, &sc.key_stamp}) {
      std::fill(v->begin(), v->end(), 0u);
    }
    sc.generation = 1;
  }
  const std::uint32_t gen = sc.generation;
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
  const double topic_scale = AffinityPass(c, profile.topics, now, topic_n, gen, sc.topic_affinity.data(),
                                          sc.topic_affinity_stamp.data(), o.calibration ? &out->interest_mix : nullptr);
  if (!o.calibration) out->interest_mix.clear();
  const double creator_scale = AffinityPass(c, profile.creators, now, creator_n, gen, sc.creator_affinity.data(),
                                            sc.creator_affinity_stamp.data(), nullptr);
  // Learning needs every signal's value, weighted or not.
  const bool use_rate = W(Signal::kRate) != 0.0 || c.learning;
  const Profile::RateLens rate_lens = use_rate ? profile.MakeRateLens(c, ctx, ctx_n, now) : Profile::RateLens{};
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
    tt.lift_excess = use_rate ? IntPow(profile.TopicLift(c, rate_lens, u, now), t.rate_power) - 1.0 : 0.0;
  }
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

  // Item keys: one open-addressing table over the call's keys finds repeated
  // keys (duplicates) and takes each key's fatigue once.
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

  const bool use_embeddings = c.dim > 0 && !b.embeddings.empty() && !profile.user_vector.empty();
  // Profile::EmbeddingSimilarity, with the user vector's norm taken once.
  const bool user_fits = use_embeddings && shape.dim > 0 && profile.user_vector.size() == static_cast<std::size_t>(c.dim);
  const double user_sq = user_fits ? static_cast<double>(kernels::SquaredNorm(profile.user_vector.data(), c.dim)) : 0.0;
  const double s_topic = s * W(Signal::kTopic), s_context = s * W(Signal::kContext), s_adjust = s * kAdjustStep;
  const double s_creator = s * W(Signal::kCreator), s_fresh = s * W(Signal::kFreshness);
  const double s_embedding = s * W(Signal::kEmbedding), s_rate = s * W(Signal::kRate);
  out->signals.resize(n * kSignalCount);
  out->fixed.resize(n);
  float* const signals_out = out->signals.data();
  float* const fixed_out = out->fixed.data();

  out->total.resize(n);
  out->reason_sum.resize(n);
  out->tier.resize(n);
  out->known.resize(n);
  out->main_topic.resize(n);
  out->offsets.resize(n + 1);
  // At most 3 reasons per topic and 10 others per item; never shrunk.
  const std::size_t bound = 3 * b.topic_ids.size() + 10 * n;
  if (out->reasons.size() < bound) out->reasons.resize(bound);
  ScoredReason* w = out->reasons.data();
  ScoredReason* const w0 = w;
  out->offsets[0] = 0;
  const std::int32_t* topic_ids = b.topic_ids.data();
  const float* topic_weights = b.topic_weights.data();
  const double* share_of = shape.share.data();
  const double known_interest = t.known_interest;
  std::int32_t* const main_topic_out = out->main_topic.data();
  out->main_tied.resize(n);
  std::uint8_t* const main_tied_out = out->main_tied.data();
  Tier* const tier_out = out->tier.data();
  std::uint8_t* const known_out = out->known.data();
  double* const total_out = out->total.data();
  double* const reason_sum_out = out->reason_sum.data();
  std::int32_t* const offsets_out = out->offsets.data();
  for (std::size_t i = 0; i < n; ++i) {
    double rsum = 0.0;
    auto add = [&](ReasonKind k, std::int32_t l, double v) {
      *w++ = ScoredReason{static_cast<std::int32_t>(k), l, v};
      rsum += v;
    };
    const double server_part = server_w * server[i];
    const double s_rate_server = s_rate * server[i];
    double total = server_part;
    // Signal values (model.h), unweighted.
    double f_topic = 0.0, f_rate = 0.0, f_context = 0.0, f_creator = 0.0, f_fresh = 0.0, f_embedding = 0.0;
    add(ReasonKind::kServer, -1, total);
    const int t0 = b.topic_offsets[i], t1 = b.topic_offsets[i + 1];
    const double wsum = shape.wsum[i];
    double main_w = -1.0;
    std::int32_t main_topic = -1;
    bool tied = false;  // the heaviest weight is shared: no one topic is the item's own
    double context_part = 0.0, adjust_part = 0.0, topic_fatigue = 0.0, worst_topic_fatigue = 0.0;
    std::int32_t never_label = -1, fatigue_topic = -1;
    bool known = false;
    if (wsum > 0.0) {
      for (int k = t0; k < t1; ++k) {
        const std::int32_t id = topic_ids[k];
        const float wk = topic_weights[k];
        if (wk > main_w) {
          main_w = wk;
          main_topic = id;
          tied = false;
        } else if (wk == main_w) {
          tied = true;
        }
        // The fields this loop reads, before the reasons' stores (which the
        // compiler must assume may write them).
        const TopicTerms& terms = topic_terms[static_cast<std::uint32_t>(id)];
        const double global_tanh = terms.global_tanh, lift_excess = terms.lift_excess;
        const double context_diff = terms.context_diff, preference_sign = terms.preference_sign;
        const double fatigue_term = terms.fatigue;
        if (terms.preference == Preference::kNever) never_label = id;
        const double share = share_of[k];
        f_topic += share * global_tanh;
        f_rate += share * lift_excess;
        f_context += share * context_diff;
        const double v = s_topic * share * global_tanh;
        if (v != 0.0) add(ReasonKind::kTopic, id, v);
        known |= std::fabs(v) > known_interest;
        total += v;
        if (lift_excess != 0.0) {
          // Engagement rate: the server part scaled by how much more (or
          // less) often than average the person engages with the topic when
          // shown (the lift to RankTuning::rate_power).
          const double r = s_rate_server * share * lift_excess;
          if (r != 0.0) add(ReasonKind::kRate, id, r);
          total += r;
        }
        if (ctx_label >= 0) context_part += s_context * share * context_diff;
        if (preference_sign != 0.0) {
          const double a = s_adjust * share * preference_sign;
          add(ReasonKind::kAdjustment, id, a);
          adjust_part += a;
          known = true;
        }
        const double tf = share * fatigue_term;
        topic_fatigue += tf;
        if (tf > worst_topic_fatigue) {
          worst_topic_fatigue = tf;
          fatigue_topic = id;
        }
      }
    } else {
      // Weightless topics only name the main topic and `never`.
      for (int k = t0; k < t1; ++k) {
        const std::int32_t id = topic_ids[k];
        const float wk = topic_weights[k];
        if (wk > main_w) {
          main_w = wk;
          main_topic = id;
        }
        if (topic_terms[static_cast<std::uint32_t>(id)].preference == Preference::kNever) never_label = id;
      }
    }
    main_topic_out[i] = main_topic;
    main_tied_out[i] = tied ? 1 : 0;
    if (context_part != 0.0) add(ReasonKind::kContext, ctx_label, context_part);
    total += context_part + adjust_part;
    // The part of the score no learnt weight multiplies: more/less and fatigue.
    double controls = adjust_part;
    const std::int32_t cr = b.creator[i];
    const CreatorTerms* ct = cr >= 0 ? &creator_terms[static_cast<std::uint32_t>(cr)] : nullptr;
    if (ct) {
      f_creator = ct->affinity_tanh;
      const double v = s_creator * ct->affinity_tanh;
      if (v != 0.0) add(ReasonKind::kCreator, cr, v);
      known |= std::fabs(v) > known_interest;
      total += v;
      if (ct->preference == Preference::kNever) never_label = kCreatorLabelBase - cr;
      const double sign = ct->preference_sign;
      if (sign != 0.0) {
        const double a = s_adjust * sign;
        add(ReasonKind::kAdjustment, kCreatorLabelBase - cr, a);
        total += a;
        controls += a;
        known = true;
      }
    }
    if (!std::isnan(b.published_at[i])) {
      const double age = std::max(0.0, now - b.published_at[i]);
      f_fresh = std::exp2(-age / c.freshness_half_life_ms);
      const double v = s_fresh * f_fresh;
      if (v != 0.0) add(ReasonKind::kFreshness, -1, v);
      total += v;
    }
    if (use_embeddings) {
      double similarity = 0.0;
      if (user_fits) {
        const double dot = kernels::Dot(profile.user_vector.data(), b.embeddings.data() + i * static_cast<std::size_t>(c.dim), c.dim);
        const double ne = shape.sq_norm[i];
        if (user_sq > 0.0 && ne > 0.0) similarity = dot / std::sqrt(user_sq * ne);
      }
      f_embedding = similarity;
      const double v = s_embedding * similarity;
      if (v != 0.0) add(ReasonKind::kEmbedding, -1, v);
      known |= std::fabs(v) > known_interest;
      total += v;
    }
    float* const f = signals_out + i * kSignalCount;
    f[static_cast<int>(Signal::kServer)] = static_cast<float>(server[i]);
    f[static_cast<int>(Signal::kTopic)] = static_cast<float>(f_topic);
    f[static_cast<int>(Signal::kCreator)] = static_cast<float>(f_creator);
    f[static_cast<int>(Signal::kEmbedding)] = static_cast<float>(f_embedding);
    f[static_cast<int>(Signal::kRate)] = static_cast<float>(f_rate * server[i]);
    f[static_cast<int>(Signal::kContext)] = static_cast<float>(ctx_label >= 0 ? f_context : 0.0);
    f[static_cast<int>(Signal::kFreshness)] = static_cast<float>(f_fresh);
    // Fatigue: what was shown without engagement counts against it for a while.
    const auto slot = static_cast<std::size_t>(sc.item_slot[i]);
    const double seen = sc.key_shown[slot];
    if (seen > 0.0) {
      const double v = -s * std::min(ft.item_max, ft.item_step * seen);
      add(ReasonKind::kFatigue, -1, v);
      total += v;
      controls += v;
    }
    if (ct && ct->shown > 0.0) {
      const double v = -s * std::min(ft.creator_max, ft.creator_step * ct->shown);
      add(ReasonKind::kFatigue, kCreatorLabelBase - cr, v);
      total += v;
      controls += v;
    }
    if (topic_fatigue > 0.0) {
      const double v = -s * topic_fatigue;
      add(ReasonKind::kFatigue, fatigue_topic, v);
      total += v;
      controls += v;
    }
    // Filter tiers (the strongest reason wins).
    const bool repeated = sc.item_repeated[i] != 0;
    const bool pinned = (b.flags[i] & kFlagPinned) != 0;
    Tier tier = Tier::kEligible;
    if (never_label != -1) {
      tier = Tier::kNever;
      add(ReasonKind::kNever, never_label, 0.0);
    } else if (repeated && !pinned) {
      tier = Tier::kDuplicate;
      add(ReasonKind::kDuplicate, -1, 0.0);
    } else if (!pinned && sc.key_opened[slot]) {
      tier = Tier::kSeen;
      add(ReasonKind::kSeen, kSeenLabelOpened, 0.0);
    } else if (seen >= ft.item_seen_limit && !pinned) {
      tier = Tier::kSeen;
      add(ReasonKind::kSeen, -1, 0.0);
    }
    tier_out[i] = tier;
    fixed_out[i] = static_cast<float>(controls / s);
    known_out[i] = known ? 1 : 0;
    total_out[i] = total;
    reason_sum_out[i] = rsum;
    offsets_out[i + 1] = static_cast<std::int32_t>(w - w0);
  }
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
    out->reason_offsets.resize(n + 1);
    out->reason_kind.resize(n);
    out->reason_label.resize(n);
    out->reason_value.resize(n);
    out->reason_offsets[0] = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double base = n > 1 ? 1.0 - static_cast<double>(i) / static_cast<double>(n) : 1.0;
      out->order[i] = static_cast<std::int32_t>(i);
      out->score[i] = base;
      out->propensity[i] = 1.0;
      out->reason_kind[i] = static_cast<std::int32_t>(ReasonKind::kNotPersonalized);
      out->reason_label[i] = -1;
      out->reason_value[i] = base;
      out->reason_offsets[i + 1] = static_cast<std::int32_t>(i + 1);
    }
    return;
  }
  const RankTuning& t = DefaultRankTuning();
  ScoreStage(c, t, profile, fatigue, b, scratch->shape, o, now, s, &scratch->score, &scratch->scored);
  RerankStage(c, t, b, scratch->shape, scratch->scored, o, s, rng, &scratch->rerank, out);
}

}  // namespace localrank
