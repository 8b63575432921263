// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "localrank/status.h"
#include "localrank/types.h"

namespace localrank {

constexpr double kMsPerHour = 3600.0 * 1000.0;
constexpr double kMsPerDay = 24.0 * kMsPerHour;

/// Limits enforced on every input (documented in docs/limits.md).
constexpr int kMaxItemsPerCall = 10000;
constexpr int kMaxEventsPerCall = 10000;
constexpr int kMaxTopicsPerItem = 32;
constexpr int kMaxIdLength = 256;
constexpr int kMaxNameLength = 128;
/// The most UTF-8 bytes such a name takes (3 per UTF-16 code unit).
constexpr int kMaxNameBytes = 3 * kMaxNameLength;

/// True when `name` (UTF-8) is 1..kMaxNameLength UTF-16 code units long, the
/// way the facade counts, and at most kMaxNameBytes bytes.
inline bool NameLengthOk(std::string_view name) {
  if (name.empty() || name.size() > static_cast<std::size_t>(kMaxNameBytes)) return false;
  int units = 0;
  for (const char ch : name) {
    const auto b = static_cast<unsigned char>(ch);
    if ((b & 0xC0) != 0x80) units += b >= 0xF0 ? 2 : 1;  // a code point starts; 4 bytes = a surrogate pair
  }
  return units >= 1 && units <= kMaxNameLength;
}
constexpr int kMaxEmbeddingDim = 512;
/// Largest profile JSON ImportJson reads (16 MiB); a profile at the default
/// caps is well under 1 MiB.
constexpr std::size_t kMaxProfileBytes = 16u << 20;
/// How far after `now` an event may be stamped (clock skew); a far-future
/// stamp would never decay nor expire.
constexpr double kMaxEventFutureMs = 366 * kMsPerDay;
/// Largest configuration JSON Configure reads.
constexpr std::size_t kMaxConfigBytes = 64u << 10;

/// Everything tunable. Defaults are chosen to be sensible for a social feed.
struct Config {
  /// Long-term interest half-life.
  double long_half_life_ms = 14 * kMsPerDay;
  /// Short-term (session) interest half-life.
  double short_half_life_ms = 30 * 60 * 1000.0;
  /// Weight of the short-term horizon in the blend (long-term gets 1 - this).
  double short_term_share = 0.4;
  /// Freshness half-life: an item this old gets half the freshness bonus.
  double freshness_half_life_ms = 2 * kMsPerDay;

  /// Affinity delta per event type (dwell is scaled by read ratio).
  std::array<double, kEventTypeCount> event_weights{
      0.0,   // impression (used by fatigue)
      1.0,   // click
      1.0,   // dwell (full read)
      2.0,   // like
      3.0,   // share
      2.0,   // comment
      2.5,   // save
      4.0,   // follow (creator)
      -4.0,  // hide
      -6.0,  // notInterested
      -8.0,  // report
  };

  // Scoring weights (the personal part of a score).
  double w_server = 1.0;
  double w_topic = 0.5;
  double w_creator = 0.6;
  double w_freshness = 0.0;
  double w_context = 1.0;
  double w_embedding = 1.5;
  /// Engagement rate: weight of the lift on the server part (0 = off), the
  /// lift's prior strength in engagement units (larger = more evidence needed
  /// before it moves away from 1) and the prior that shrinks a context's own
  /// lift towards the global one.
  double w_rate = 1.0;
  double rate_prior = 6.0;
  double rate_context_prior = 4.0;
  /// The person's model (model.h): the weights above are its prior mean;
  /// `model_precision` is the prior's precision per weight (1 / variance:
  /// larger = more evidence needed to move a weight), `choice_scale` how
  /// sharply a choice follows score differences, and `learning` turns the
  /// learning from choices on or off.
  double model_precision = 3.0;
  /// Prior of the model's position term (model.h), in log-odds per halving of the rank.
  double w_position = 0.5;
  double choice_scale = 1.0;
  bool learning = true;
  /// Affinity that maps to tanh(1): how much evidence makes a strong interest.
  double affinity_scale = 3.0;

  /// Prior weight (in events) that pulls a context's affinities towards the
  /// global profile: a context with this many events counts half.
  double context_prior = 8.0;

  // Bounded memory and data minimisation.
  int max_topics = 500;
  int max_creators = 500;
  int max_contexts = 64;
  int max_context_topics = 100;
  int max_events = 2000;
  double retention_ms = 90 * kMsPerDay;

  /// Embedding dimension, 0 = embeddings unused.
  int dim = 0;
  std::uint64_t seed = 0;

  /// Reads the keys present in `j` (camelCase, see docs/api.md); leaves the
  /// others at their defaults. On error nothing is changed.
  Status MergeJson(const nlohmann::json& j);
};

}  // namespace localrank
