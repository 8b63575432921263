// SPDX-License-Identifier: MIT
#include "localrank/ranker.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_map>

#include "localrank/stages.h"

#include "kernels.h"
#include "memo.h"

namespace localrank {

namespace {

std::string ItemField(int i, const char* field) {
  return "items[" + std::to_string(i) + "]." + field;
}

void AddReason(RankResult* out, ReasonKind kind, std::int32_t label, double value) {
  out->reason_kind.push_back(static_cast<std::int32_t>(kind));
  out->reason_label.push_back(label);
  out->reason_value.push_back(value);
}

}  // namespace

Status ValidateBatch(const Config& c, const CandidateBatch& b, const std::size_t* name_counts) {
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
  for (std::size_t u = 0; u < n; ++u) {
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
    // Offsets must stay inside the topic arrays before anything is read through them.
    if (hi < lo || lo < 0 || static_cast<std::size_t>(hi) > b.topic_ids.size()) {
      return Status::Error(Code::kInvalidArgument, ItemField(i, "topics"), i, "items: topic offsets decrease");
    }
    if (hi - lo > kMaxTopicsPerItem) {
      return Status::Error(Code::kLimitExceeded, ItemField(i, "topics"), i,
                           ItemField(i, "topics") + " has more than " + std::to_string(kMaxTopicsPerItem) +
                               " topics");
    }
    for (int k = lo; k < hi; ++k) {
      const auto t = b.topic_ids[static_cast<std::size_t>(k)];
      const float w = b.topic_weights[static_cast<std::size_t>(k)];
      if (t < 0 || static_cast<std::size_t>(t) >= name_counts[static_cast<int>(NameKind::kTopic)]) {
        return Status::Error(Code::kInvalidItem, ItemField(i, "topics"), i,
                             ItemField(i, "topics") + " names an unknown topic id");
      }
      if (!std::isfinite(w) || w < 0.0f) {
        return Status::Error(Code::kInvalidItem, ItemField(i, "topics"), i,
                             ItemField(i, "topics") + " weights must be finite and >= 0");
      }
    }
  }
  if (!b.embeddings.empty() && !kernels::AllFinite(b.embeddings.data(), b.embeddings.size())) {
    for (std::size_t k = 0; k < b.embeddings.size(); ++k) {
      if (!std::isfinite(b.embeddings[k])) {
        const int i = static_cast<int>(k / static_cast<std::size_t>(c.dim));
        return Status::Error(Code::kInvalidItem, ItemField(i, "embedding"), i,
                             ItemField(i, "embedding") + " must contain finite numbers");
      }
    }
  }
  return Status::Ok();
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
  for (std::size_t i = 0; i < n; ++i) {
    if (all_scored) {
      // Halved first: hi - lo overflows for scores near +/-DBL_MAX.
      (*server)[i] = hi > lo ? (b.server_score[i] / 2 - lo / 2) / (hi / 2 - lo / 2) : 1.0;
    } else {
      (*server)[i] = n > 1 ? 1.0 - static_cast<double>(i) / static_cast<double>(n) : 1.0;
    }
  }
}

// The person's interest mix: positive global topic affinities, normalised.
void InterestMix(const Config& c, const Profile& profile, double now,
                 std::vector<std::pair<std::int32_t, double>>* mix) {
  mix->clear();
  double sum = 0.0;
  for (const auto& [id, a] : profile.topics) {
    const double v = a.Blend(c, now);
    if (v > 0.0) {
      mix->emplace_back(static_cast<std::int32_t>(id), v);
      sum += v;
    }
  }
  if (sum <= 0.0) {
    mix->clear();
    return;
  }
  // Sorted by id: hash-map order must never reach the ranking.
  std::sort(mix->begin(), mix->end());
  for (auto& e : *mix) e.second /= sum;
}

}  // namespace

const RankTuning& DefaultRankTuning() {
  static const RankTuning kTuning;
  return kTuning;
}

void ScoreStage(const Config& c, const RankTuning& t, const Profile& profile, const FatigueState& fatigue,
                const CandidateBatch& b, const RerankOptions& o, double now, double s, ScoredBatch* out) {
  const std::size_t n = b.size();
  std::vector<double> server;
  ServerPart(b, &server);
  const double server_w = (1.0 - s) + s * c.w_server;
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
  const bool use_embeddings = c.dim > 0 && !b.embeddings.empty() && !profile.user_vector.empty();
  const double topic_scale = profile.TopicScale(c, now);
  const double creator_scale = profile.CreatorScale(c, now);
  const FatigueTuning& ft = t.fatigue;
  out->total.assign(n, 0.0);
  out->tier.assign(n, Tier::kEligible);
  out->known.assign(n, 0);
  out->server = server;
  out->main_topic.assign(n, -1);
  out->offsets.assign(1, 0);
  out->kind.clear();
  out->label.clear();
  out->value.clear();
  InterestMix(c, profile, now, &out->interest_mix);
  std::unordered_map<double, std::size_t> first_of_key;
  first_of_key.reserve(n);
  // Ids were validated against the name tables; size the memos by the largest one used.
  std::int32_t max_topic = -1, max_creator = -1;
  for (const std::int32_t id : b.topic_ids) max_topic = std::max(max_topic, id);
  for (const std::int32_t cr : b.creator) max_creator = std::max(max_creator, cr);
  IdMemo topic_global, topic_tanh, topic_context_tanh, creator_tanh, topic_shown_memo, creator_shown_memo;
  topic_shown_memo.Reset(static_cast<std::size_t>(max_topic + 1));
  creator_shown_memo.Reset(static_cast<std::size_t>(max_creator + 1));
  topic_global.Reset(static_cast<std::size_t>(max_topic + 1));
  topic_context_tanh.Reset(static_cast<std::size_t>(max_topic + 1));
  topic_tanh.Reset(static_cast<std::size_t>(max_topic + 1));
  creator_tanh.Reset(static_cast<std::size_t>(max_creator + 1));
  for (std::size_t i = 0; i < n; ++i) {
    double total = server_w * server[i];
    out->Add(ReasonKind::kServer, -1, total);
    const int t0 = b.topic_offsets[i], t1 = b.topic_offsets[i + 1];
    double wsum = 0.0, main_w = -1.0;
    for (int k = t0; k < t1; ++k) {
      const float w = b.topic_weights[static_cast<std::size_t>(k)];
      wsum += w;
      if (w > main_w) {
        main_w = w;
        out->main_topic[i] = b.topic_ids[static_cast<std::size_t>(k)];
      }
    }
    double context_part = 0.0, adjust_part = 0.0, topic_fatigue = 0.0, worst_topic_fatigue = 0.0, shown = 0.0;
    std::int32_t never_label = -1, fatigue_topic = -1;
    bool known = false;
    for (int k = t0; k < t1; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      const auto topic = static_cast<std::uint32_t>(b.topic_ids[ku]);
      const Preference pref = profile.TopicPreference(topic);
      if (pref == Preference::kNever) never_label = b.topic_ids[ku];
      if (wsum <= 0.0) continue;
      const double share = b.topic_weights[ku] / wsum;
      const double global = topic_global.Get(topic, [&](std::uint32_t id) { return profile.TopicAffinity(c, id, now); });
      const double global_tanh = topic_tanh.Get(topic, [&](std::uint32_t) { return std::tanh(global / topic_scale); });
      const double v = s * c.w_topic * share * global_tanh;
      if (v != 0.0) out->Add(ReasonKind::kTopic, b.topic_ids[ku], v);
      if (std::fabs(v) > t.known_interest) known = true;
      total += v;
      if (ctx_label >= 0) {
        const double local_tanh = topic_context_tanh.Get(topic, [&](std::uint32_t id) {
          return std::tanh(profile.ContextTopicAffinity(c, lens, id, global, now) / topic_scale);
        });
        context_part += s * c.w_context * share * (local_tanh - global_tanh);
      }
      const double sign = PreferenceSign(pref);
      if (sign != 0.0) {
        const double a = s * kAdjustStep * share * sign;
        out->Add(ReasonKind::kAdjustment, b.topic_ids[ku], a);
        adjust_part += a;
        known = true;
      }
      const double topic_shown = topic_shown_memo.Get(topic, [&](std::uint32_t id) { return fatigue.TopicCount(ft, id, now); });
      shown += share * topic_shown;
      const double tf = share * std::min(ft.topic_max, ft.topic_step * topic_shown);
      topic_fatigue += tf;
      if (tf > worst_topic_fatigue) {
        worst_topic_fatigue = tf;
        fatigue_topic = b.topic_ids[ku];
      }
    }
    if (context_part != 0.0) out->Add(ReasonKind::kContext, ctx_label, context_part);
    total += context_part + adjust_part;
    if (b.creator[i] >= 0) {
      const auto creator = static_cast<std::uint32_t>(b.creator[i]);
      const double v = s * c.w_creator * creator_tanh.Get(creator, [&](std::uint32_t id) {
        return std::tanh(profile.CreatorAffinity(c, id, now) / creator_scale);
      });
      if (v != 0.0) out->Add(ReasonKind::kCreator, b.creator[i], v);
      if (std::fabs(v) > t.known_interest) known = true;
      total += v;
      const Preference pref = profile.CreatorPreference(creator);
      if (pref == Preference::kNever) never_label = kCreatorLabelBase - b.creator[i];
      const double sign = PreferenceSign(pref);
      if (sign != 0.0) {
        const double a = s * kAdjustStep * sign;
        out->Add(ReasonKind::kAdjustment, kCreatorLabelBase - b.creator[i], a);
        total += a;
        known = true;
      }
    }
    if (!std::isnan(b.published_at[i])) {
      const double age = std::max(0.0, now - b.published_at[i]);
      const double v = s * c.w_freshness * std::exp2(-age / c.freshness_half_life_ms);
      if (v != 0.0) out->Add(ReasonKind::kFreshness, -1, v);
      total += v;
    }
    if (use_embeddings) {
      const double v = s * c.w_embedding * profile.EmbeddingSimilarity(b.embeddings.data() + i * static_cast<std::size_t>(c.dim), c.dim);
      if (v != 0.0) out->Add(ReasonKind::kEmbedding, -1, v);
      if (std::fabs(v) > t.known_interest) known = true;
      total += v;
    }
    // Fatigue: what was shown without engagement counts against it for a while.
    const double seen = fatigue.ItemCount(ft, b.key[i], now);
    if (seen > 0.0) {
      const double v = -s * std::min(ft.item_max, ft.item_step * seen);
      out->Add(ReasonKind::kFatigue, -1, v);
      total += v;
    }
    if (b.creator[i] >= 0) {
      const double cf = creator_shown_memo.Get(static_cast<std::uint32_t>(b.creator[i]), [&](std::uint32_t id) {
        return fatigue.CreatorCount(ft, id, now);
      });
      if (cf > 0.0) {
        const double v = -s * std::min(ft.creator_max, ft.creator_step * cf);
        out->Add(ReasonKind::kFatigue, kCreatorLabelBase - b.creator[i], v);
        total += v;
      }
    }
    if (topic_fatigue > 0.0) {
      const double v = -s * topic_fatigue;
      out->Add(ReasonKind::kFatigue, fatigue_topic, v);
      total += v;
    }
    // Filter tiers (the strongest reason wins).
    auto first = first_of_key.emplace(b.key[i], i);
    if (never_label != -1) {
      out->tier[i] = Tier::kNever;
      out->Add(ReasonKind::kNever, never_label, 0.0);
    } else if (!first.second && !(b.flags[i] & kFlagPinned)) {
      out->tier[i] = Tier::kDuplicate;
      out->Add(ReasonKind::kDuplicate, -1, 0.0);
    } else if (!(b.flags[i] & kFlagPinned) && fatigue.Opened(ft, b.key[i], now)) {
      out->tier[i] = Tier::kSeen;
      out->Add(ReasonKind::kSeen, kSeenLabelOpened, 0.0);
    } else if (seen >= ft.item_seen_limit && !(b.flags[i] & kFlagPinned)) {
      out->tier[i] = Tier::kSeen;
      out->Add(ReasonKind::kSeen, -1, 0.0);
    }
    out->known[i] = known || shown >= t.known_shown ? 1 : 0;
    out->total[i] = total;
    out->offsets.push_back(static_cast<std::int32_t>(out->kind.size()));
  }
}

void Rank(const Config& c, const Profile& profile, const FatigueState& fatigue, const CandidateBatch& b,
          const RerankOptions& o, double now, Rng& rng, RankResult* out) {
  out->Clear();
  const std::size_t n = b.size();
  const double s = std::clamp(o.strength, 0.0, 1.0);

  if (s == 0.0) {
    // Non-profiling mode: the server's own order, untouched by the profile.
    out->reason_offsets.push_back(0);
    for (std::size_t i = 0; i < n; ++i) {
      out->order.push_back(static_cast<std::int32_t>(i));
      const double base = n > 1 ? 1.0 - static_cast<double>(i) / static_cast<double>(n) : 1.0;
      out->score.push_back(base);
      out->propensity.push_back(1.0);
      AddReason(out, ReasonKind::kNotPersonalized, -1, base);
      out->reason_offsets.push_back(static_cast<std::int32_t>(out->reason_kind.size()));
    }
    return;
  }
  const RankTuning& t = DefaultRankTuning();
  ScoredBatch scored;
  ScoreStage(c, t, profile, fatigue, b, o, now, s, &scored);
  RerankStage(c, t, b, scored, o, s, rng, out);
}

}  // namespace localrank
