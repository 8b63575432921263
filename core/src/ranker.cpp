// SPDX-License-Identifier: MIT
#include "localrank/ranker.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace localrank {

namespace {

std::string ItemField(int i, const char* field) {
  return "items[" + std::to_string(i) + "]." + field;
}

struct Scored {
  double score;
  std::int32_t index;
};

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
    if (hi < lo) {
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
  if (!b.embeddings.empty()) {
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

// Per-item scoring output: a flat list of contributions (kind, label, value)
// per item, plus the item's total and whether the person asked never to see it.
struct Scores {
  std::vector<double> total;
  std::vector<std::uint8_t> never;
  std::vector<std::int32_t> offsets;  // n + 1
  std::vector<std::int32_t> kind;
  std::vector<std::int32_t> label;
  std::vector<double> value;

  void Add(ReasonKind k, std::int32_t l, double v) {
    kind.push_back(static_cast<std::int32_t>(k));
    label.push_back(l);
    value.push_back(v);
  }
};

double PreferenceSign(Preference p) {
  return p == Preference::kMore ? 1.0 : p == Preference::kLess ? -1.0 : 0.0;
}

// Server part: min-max normalised server scores when every item has one,
// else the position the server put it in.
std::vector<double> ServerPart(const CandidateBatch& b) {
  const std::size_t n = b.size();
  bool all_scored = n > 0;
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = 0; i < n && all_scored; ++i) {
    if (std::isnan(b.server_score[i])) all_scored = false;
    lo = std::min(lo, b.server_score[i]);
    hi = std::max(hi, b.server_score[i]);
  }
  std::vector<double> server(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (all_scored) {
      server[i] = hi > lo ? (b.server_score[i] - lo) / (hi - lo) : 1.0;
    } else {
      server[i] = n > 1 ? 1.0 - static_cast<double>(i) / static_cast<double>(n) : 1.0;
    }
  }
  return server;
}

void ScoreItems(const Config& c, const Profile& profile, const CandidateBatch& b, const RerankOptions& o,
                double now, double s, Scores* out) {
  const std::size_t n = b.size();
  const std::vector<double> server = ServerPart(b);
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
  out->total.assign(n, 0.0);
  out->never.assign(n, 0);
  out->offsets.assign(1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    double total = server_w * server[i];
    out->Add(ReasonKind::kServer, -1, total);
    const int t0 = b.topic_offsets[i], t1 = b.topic_offsets[i + 1];
    double wsum = 0.0;
    for (int k = t0; k < t1; ++k) wsum += b.topic_weights[static_cast<std::size_t>(k)];
    double context_part = 0.0, adjust_part = 0.0;
    std::int32_t never_label = -1;
    for (int k = t0; k < t1; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      const auto topic = static_cast<std::uint32_t>(b.topic_ids[ku]);
      const Preference pref = profile.TopicPreference(topic);
      if (pref == Preference::kNever) never_label = b.topic_ids[ku];
      if (wsum <= 0.0) continue;
      const double share = b.topic_weights[ku] / wsum;
      const double global = profile.TopicAffinity(c, topic, now);
      const double v = s * c.w_topic * share * std::tanh(global / topic_scale);
      if (v != 0.0) out->Add(ReasonKind::kTopic, b.topic_ids[ku], v);
      total += v;
      if (ctx_label >= 0) {
        const double local = profile.ContextTopicAffinity(c, lens, topic, global, now);
        context_part += s * c.w_context * share * (std::tanh(local / topic_scale) - std::tanh(global / topic_scale));
      }
      const double sign = PreferenceSign(pref);
      if (sign != 0.0) {
        const double a = s * kAdjustStep * share * sign;
        out->Add(ReasonKind::kAdjustment, b.topic_ids[ku], a);
        adjust_part += a;
      }
    }
    if (context_part != 0.0) out->Add(ReasonKind::kContext, ctx_label, context_part);
    total += context_part + adjust_part;
    if (b.creator[i] >= 0) {
      const auto creator = static_cast<std::uint32_t>(b.creator[i]);
      const double v = s * c.w_creator * std::tanh(profile.CreatorAffinity(c, creator, now) / creator_scale);
      if (v != 0.0) out->Add(ReasonKind::kCreator, b.creator[i], v);
      total += v;
      const Preference pref = profile.CreatorPreference(creator);
      if (pref == Preference::kNever) never_label = kCreatorLabelBase - b.creator[i];
      const double sign = PreferenceSign(pref);
      if (sign != 0.0) {
        const double a = s * kAdjustStep * sign;
        out->Add(ReasonKind::kAdjustment, kCreatorLabelBase - b.creator[i], a);
        total += a;
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
      total += v;
    }
    if (never_label != -1 && s > 0.0) {
      out->never[i] = 1;
      out->Add(ReasonKind::kNever, never_label, 0.0);
    }
    out->total[i] = total;
    out->offsets.push_back(static_cast<std::int32_t>(out->kind.size()));
  }
}

}  // namespace

void Rank(const Config& c, const Profile& profile, const CandidateBatch& b, const RerankOptions& o,
          double now, Rng& /*rng*/, RankResult* out) {
  out->Clear();
  const std::size_t n = b.size();
  out->reason_offsets.push_back(0);
  const double s = std::clamp(o.strength, 0.0, 1.0);

  if (s == 0.0) {
    // Non-profiling mode: the server's own order, untouched by the profile.
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

  Scores sc;
  ScoreItems(c, profile, b, o, now, s, &sc);

  // Pinned items keep their input position; the rest fill the other slots:
  // items the person asked never to see last, otherwise by score (ties by
  // input order, so the result is deterministic).
  std::vector<Scored> free_items;
  free_items.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!(b.flags[i] & kFlagPinned)) free_items.push_back(Scored{sc.total[i], static_cast<std::int32_t>(i)});
  }
  std::stable_sort(free_items.begin(), free_items.end(), [&](const Scored& a, const Scored& z) {
    const auto na = sc.never[static_cast<std::size_t>(a.index)], nz = sc.never[static_cast<std::size_t>(z.index)];
    if (na != nz) return na < nz;
    return a.score > z.score;
  });
  std::size_t next_free = 0;
  for (std::size_t pos = 0; pos < n; ++pos) {
    const std::int32_t idx = (b.flags[pos] & kFlagPinned) ? static_cast<std::int32_t>(pos) : free_items[next_free++].index;
    const auto i = static_cast<std::size_t>(idx);
    out->order.push_back(idx);
    out->score.push_back(sc.total[i]);
    out->propensity.push_back(1.0);
    if (b.flags[i] & kFlagPinned) AddReason(out, ReasonKind::kPinned, -1, 0.0);
    for (int k = sc.offsets[i]; k < sc.offsets[i + 1]; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      AddReason(out, static_cast<ReasonKind>(sc.kind[ku]), sc.label[ku], sc.value[ku]);
    }
    out->reason_offsets.push_back(static_cast<std::int32_t>(out->reason_kind.size()));
  }
}

}  // namespace localrank
