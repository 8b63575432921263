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

  // Server part: min-max normalised server scores when every item has one,
  // else the position the server put it in.
  bool all_scored = n > 0;
  double lo = INFINITY, hi = -INFINITY;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(b.server_score[i])) {
      all_scored = false;
      break;
    }
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

  // Per-item contributions, kept so reasons can be emitted in rank order.
  struct Parts {
    double server, creator, freshness;
  };
  std::vector<Parts> parts(n);
  std::vector<double> topic_contrib(b.topic_ids.size(), 0.0);
  std::vector<Scored> scored(n);
  const double server_w = (1.0 - s) + s * c.w_server;
  for (std::size_t i = 0; i < n; ++i) {
    Parts p{server_w * server[i], 0.0, 0.0};
    double total = p.server;
    const int t0 = b.topic_offsets[i], t1 = b.topic_offsets[i + 1];
    double wsum = 0.0;
    for (int k = t0; k < t1; ++k) wsum += b.topic_weights[static_cast<std::size_t>(k)];
    if (wsum > 0.0) {
      for (int k = t0; k < t1; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        const double aff = profile.TopicAffinity(c, static_cast<std::uint32_t>(b.topic_ids[ku]), now);
        const double v = s * c.w_topic * (b.topic_weights[ku] / wsum) * std::tanh(aff / c.affinity_scale);
        topic_contrib[ku] = v;
        total += v;
      }
    }
    if (b.creator[i] >= 0) {
      const double aff = profile.CreatorAffinity(c, static_cast<std::uint32_t>(b.creator[i]), now);
      p.creator = s * c.w_creator * std::tanh(aff / c.affinity_scale);
      total += p.creator;
    }
    if (!std::isnan(b.published_at[i])) {
      const double age = std::max(0.0, now - b.published_at[i]);
      p.freshness = s * c.w_freshness * std::exp2(-age / c.freshness_half_life_ms);
      total += p.freshness;
    }
    parts[i] = p;
    scored[i] = Scored{total, static_cast<std::int32_t>(i)};
  }

  // Pinned items keep their input position; the rest fill the other slots in
  // score order (ties broken by input order, so the result is deterministic).
  std::vector<Scored> free_items;
  free_items.reserve(n);
  for (const auto& x : scored) {
    if (!(b.flags[static_cast<std::size_t>(x.index)] & kFlagPinned)) free_items.push_back(x);
  }
  std::stable_sort(free_items.begin(), free_items.end(),
                   [](const Scored& a, const Scored& z) { return a.score > z.score; });
  std::size_t next_free = 0;
  for (std::size_t pos = 0; pos < n; ++pos) {
    const Scored* pick;
    if (b.flags[pos] & kFlagPinned) {
      pick = &scored[pos];
    } else {
      pick = &free_items[next_free++];
    }
    const auto i = static_cast<std::size_t>(pick->index);
    out->order.push_back(pick->index);
    out->score.push_back(pick->score);
    out->propensity.push_back(1.0);
    if (b.flags[i] & kFlagPinned) AddReason(out, ReasonKind::kPinned, -1, 0.0);
    AddReason(out, ReasonKind::kServer, -1, parts[i].server);
    for (int k = b.topic_offsets[i]; k < b.topic_offsets[i + 1]; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      if (topic_contrib[ku] != 0.0) AddReason(out, ReasonKind::kTopic, b.topic_ids[ku], topic_contrib[ku]);
    }
    if (parts[i].creator != 0.0) AddReason(out, ReasonKind::kCreator, b.creator[i], parts[i].creator);
    if (parts[i].freshness != 0.0) AddReason(out, ReasonKind::kFreshness, -1, parts[i].freshness);
    out->reason_offsets.push_back(static_cast<std::int32_t>(out->reason_kind.size()));
  }
}

}  // namespace localrank
