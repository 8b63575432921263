// SPDX-License-Identifier: MIT
// Shared by the fuzz targets: turns fuzzer bytes into engine inputs. Most
// inputs are well-formed (so the ranking and profile code is reached), some
// carry NaN/Infinity, out-of-range ids or inconsistent batch arrays (so the
// validation is exercised), and every invariant failure aborts.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "localrank/engine.h"

namespace localrank::fuzz {

constexpr double kNow = 1700000000000.0;

/// Aborts (a libFuzzer finding) with a message when `ok` is false.
inline void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

/// Gives `e` a profile to lose: one `type` event on topic "cooking" by
/// creator "c1" (item key 1), recorded a second before kNow.
inline void SeedOneEvent(Engine& e, EventType type) {
  e.names(NameKind::kTopic).Intern("cooking");
  e.names(NameKind::kCreator).Intern("c1");
  EventBatch& b = e.events();
  b.Resize(1);
  b.type[0] = static_cast<int>(type);
  b.at[0] = kNow - 1000;
  b.key[0] = 1;
  b.creator[0] = 0;
  b.dwell_ms[0] = NAN;
  b.expected_ms[0] = NAN;
  b.topic_offsets = {0, 1};
  b.topic_ids = {0};
  b.topic_weights = {1.0f};
  b.context_offsets = {0, 0};
  Check(e.Record(kNow).ok(), "seed event");
}

/// Ranks one item per known topic against `e`'s (imported) profile: the
/// ranking must succeed and every score be finite.
inline void RankEveryKnownTopic(Engine& e) {
  CandidateBatch& c = e.candidates();
  const auto topics = e.names(NameKind::kTopic).size();
  c.Resize(topics);
  c.topic_ids.clear();
  c.topic_weights.clear();
  c.embeddings.clear();
  c.topic_offsets[0] = 0;
  for (std::size_t i = 0; i < topics; ++i) {
    c.key[i] = static_cast<double>(i);
    c.server_score[i] = NAN;
    c.published_at[i] = NAN;
    c.creator[i] = -1;
    c.flags[i] = 0;
    c.topic_ids.push_back(static_cast<std::int32_t>(i));
    c.topic_weights.push_back(1.0f);
    c.topic_offsets[i + 1] = static_cast<std::int32_t>(i + 1);
  }
  Check(e.Rerank(kNow).ok(), "ranking against an imported profile works");
  for (double score : e.result().score) Check(std::isfinite(score), "scores are finite");
}

/// A double that is sometimes NaN, infinite, huge or tiny.
inline double Number(FuzzedDataProvider& in, double lo, double hi) {
  switch (in.ConsumeIntegralInRange<int>(0, 15)) {
    case 0: return std::numeric_limits<double>::quiet_NaN();
    case 1: return std::numeric_limits<double>::infinity();
    case 2: return -std::numeric_limits<double>::infinity();
    case 3: return in.ConsumeFloatingPoint<double>();
    case 4: return std::numeric_limits<double>::max() * (in.ConsumeBool() ? 1 : -1);
    case 5: return std::numeric_limits<double>::denorm_min();
    default: return in.ConsumeFloatingPointInRange<double>(lo, hi);
  }
}

/// A float that is sometimes NaN, infinite or huge.
inline float Float(FuzzedDataProvider& in, float lo, float hi) {
  switch (in.ConsumeIntegralInRange<int>(0, 15)) {
    case 0: return std::numeric_limits<float>::quiet_NaN();
    case 1: return std::numeric_limits<float>::infinity();
    case 2: return std::numeric_limits<float>::max();
    case 3: return in.ConsumeFloatingPoint<float>();
    default: return in.ConsumeFloatingPointInRange<float>(lo, hi);
  }
}

/// A name id of `kind`, mostly valid, sometimes one past the table or negative.
inline std::int32_t NameId(FuzzedDataProvider& in, const Engine& e, NameKind kind, bool allow_none) {
  const auto n = static_cast<std::int32_t>(e.names(kind).size());
  const std::int32_t lo = allow_none ? -1 : 0;
  if (in.ConsumeIntegralInRange<int>(0, 31) == 0) return in.ConsumeIntegralInRange<std::int32_t>(-3, n + 2);
  if (n == 0) return lo;
  return in.ConsumeIntegralInRange<std::int32_t>(lo, n - 1);
}

/// Configures `e` from a few bytes and interns a handful of names.
inline void Setup(FuzzedDataProvider& in, Engine& e) {
  const int dim = in.ConsumeIntegralInRange<int>(0, 4);
  const int max_topics = in.ConsumeIntegralInRange<int>(1, 12);
  const int max_events = in.ConsumeIntegralInRange<int>(0, 40);
  const int max_contexts = in.ConsumeIntegralInRange<int>(1, 4);
  const std::string config = "{\"dim\":" + std::to_string(dim) + ",\"maxTopics\":" + std::to_string(max_topics) +
                             ",\"maxCreators\":" + std::to_string(max_topics) + ",\"maxEvents\":" +
                             std::to_string(max_events) + ",\"maxContexts\":" + std::to_string(max_contexts) +
                             ",\"maxContextTopics\":" + std::to_string(max_topics) +
                             ",\"seed\":" + std::to_string(in.ConsumeIntegral<std::uint16_t>()) + "}";
  Check(e.Configure(config).ok(), "a valid config is accepted");
  const int counts[kNameKindCount] = {in.ConsumeIntegralInRange<int>(0, 16), in.ConsumeIntegralInRange<int>(0, 8),
                                      in.ConsumeIntegralInRange<int>(0, 4)};
  const char* prefix[kNameKindCount] = {"topic", "creator", "ctx:"};
  for (int k = 0; k < kNameKindCount; ++k) {
    for (int i = 0; i < counts[k]; ++i) e.names(static_cast<NameKind>(k)).Intern(prefix[k] + std::to_string(i));
  }
}

/// Fills e.events() with up to `max_n` events. With `strict`, every event is
/// valid; otherwise values and, rarely, the array layout may be broken.
inline void FillEvents(FuzzedDataProvider& in, Engine& e, int max_n, bool strict) {
  EventBatch& b = e.events();
  const auto n = static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(0, max_n));
  b.Resize(n);
  b.topic_ids.clear();
  b.topic_weights.clear();
  b.context_ids.clear();
  b.embeddings.clear();
  b.topic_offsets[0] = 0;
  b.context_offsets[0] = 0;
  const int dim = e.config().dim;
  const bool with_embeddings = dim > 0 && in.ConsumeBool();
  const bool have_topics = e.names(NameKind::kTopic).size() > 0;
  const bool have_contexts = e.names(NameKind::kContext).size() > 0;
  for (std::size_t i = 0; i < n; ++i) {
    b.type[i] = strict ? in.ConsumeIntegralInRange<std::int32_t>(0, kEventTypeCount - 1)
                       : in.ConsumeIntegralInRange<std::int32_t>(-1, kEventTypeCount);
    b.at[i] = strict ? kNow - in.ConsumeFloatingPointInRange<double>(0, 200 * kMsPerDay) : Number(in, 0, 2 * kNow);
    b.key[i] = static_cast<double>(in.ConsumeIntegral<std::uint32_t>());
    b.creator[i] = strict ? (e.names(NameKind::kCreator).size() > 0 && in.ConsumeBool()
                                 ? in.ConsumeIntegralInRange<std::int32_t>(
                                       0, static_cast<std::int32_t>(e.names(NameKind::kCreator).size()) - 1)
                                 : -1)
                          : NameId(in, e, NameKind::kCreator, true);
    if (strict && b.type[i] == static_cast<int>(EventType::kFollow) && b.creator[i] < 0) {
      b.type[i] = static_cast<int>(EventType::kLike);
    }
    b.dwell_ms[i] = strict ? in.ConsumeFloatingPointInRange<double>(0, 600000) : Number(in, -10, 600000);
    b.expected_ms[i] = strict ? (in.ConsumeBool() ? std::nan("") : in.ConsumeFloatingPointInRange<double>(1, 600000))
                              : Number(in, -10, 600000);
    const int topics = in.ConsumeIntegralInRange<int>(0, strict ? 4 : kMaxTopicsPerItem + 1);
    for (int k = 0; k < topics && (have_topics || !strict); ++k) {
      b.topic_ids.push_back(strict ? in.ConsumeIntegralInRange<std::int32_t>(
                                         0, static_cast<std::int32_t>(e.names(NameKind::kTopic).size()) - 1)
                                   : NameId(in, e, NameKind::kTopic, false));
      b.topic_weights.push_back(strict ? in.ConsumeFloatingPointInRange<float>(0, 4) : Float(in, -1, 4));
    }
    b.topic_offsets[i + 1] = static_cast<std::int32_t>(b.topic_ids.size());
    const int contexts = in.ConsumeIntegralInRange<int>(0, 2);
    for (int k = 0; k < contexts && (have_contexts || !strict); ++k) {
      b.context_ids.push_back(strict ? in.ConsumeIntegralInRange<std::int32_t>(
                                           0, static_cast<std::int32_t>(e.names(NameKind::kContext).size()) - 1)
                                     : NameId(in, e, NameKind::kContext, false));
    }
    b.context_offsets[i + 1] = static_cast<std::int32_t>(b.context_ids.size());
    if (with_embeddings) {
      for (int k = 0; k < dim; ++k) {
        b.embeddings.push_back(strict ? in.ConsumeFloatingPointInRange<float>(-1, 1) : Float(in, -1, 1));
      }
    }
  }
  if (!strict && in.ConsumeIntegralInRange<int>(0, 15) == 0) {
    // A broken layout, as a buggy caller of the raw buffers could produce.
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
      case 0: if (n > 0) b.topic_offsets[in.ConsumeIntegralInRange<std::size_t>(0, n)] = in.ConsumeIntegral<std::int8_t>(); break;
      case 1: if (n > 0) b.context_offsets[in.ConsumeIntegralInRange<std::size_t>(0, n)] = in.ConsumeIntegral<std::int8_t>(); break;
      case 2: b.at.push_back(kNow); break;
      case 3: b.topic_weights.push_back(1.0f); break;
      case 4: b.embeddings.push_back(0.5f); break;
      case 5: b.context_offsets.pop_back(); break;
    }
  }
}

}  // namespace localrank::fuzz
