// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "localrank/config.h"
#include "localrank/types.h"

namespace localrank {

/// A value that decays exponentially with a half-life. Updates that arrive out
/// of order (an event older than the last one) are decayed to the newer time,
/// so replays of historical data give the same result as live use.
struct Decayed {
  double value = 0.0;
  double t = 0.0;  ///< ms timestamp `value` refers to

  double At(double now, double half_life_ms) const {
    if (now <= t || value == 0.0) return value;
    return value * std::exp2(-(now - t) / half_life_ms);
  }
  void Add(double delta, double at, double half_life_ms) {
    if (at >= t) {
      value = At(at, half_life_ms) + delta;
      t = at;
    } else {
      value += delta * std::exp2(-(t - at) / half_life_ms);
    }
  }
};

/// Interest in one topic or creator, on two time horizons.
struct Affinity {
  Decayed long_term;
  Decayed short_term;
  std::uint32_t events = 0;
  double last_at = 0.0;

  /// Blended affinity at `now` (unbounded; positive = interest).
  double Blend(const Config& c, double now) const {
    return (1.0 - c.short_term_share) * long_term.At(now, c.long_half_life_ms) +
           c.short_term_share * short_term.At(now, c.short_half_life_ms);
  }
  void Add(const Config& c, double delta, double at) {
    long_term.Add(delta, at, c.long_half_life_ms);
    short_term.Add(delta, at, c.short_half_life_ms);
    ++events;
    if (at > last_at) last_at = at;
  }
};

/// A stored interaction, kept (bounded, within the retention period) so the
/// person can see what the profile learnt from.
struct StoredEvent {
  EventType type = EventType::kClick;
  double at = 0.0;
  double weight = 0.0;  ///< affinity delta actually applied
};

/// The on-device interest profile. Names are ids of the engine's interners.
class Profile {
 public:
  std::unordered_map<std::uint32_t, Affinity> topics;
  std::unordered_map<std::uint32_t, Affinity> creators;
  std::deque<StoredEvent> events;
  double last_event_at = 0.0;
  std::uint64_t total_events = 0;

  /// Applies one event (already validated). `topic_*` point at the event's topics.
  void Apply(const Config& c, EventType type, double at, double dwell_ms, double expected_ms,
             std::int32_t creator, const std::int32_t* topic_ids, const float* topic_weights,
             int topic_count);

  /// Affinity of a topic (blended, unbounded), 0 when unknown.
  double TopicAffinity(const Config& c, std::uint32_t topic, double now) const;
  double CreatorAffinity(const Config& c, std::uint32_t creator, double now) const;

  bool empty() const { return topics.empty() && creators.empty(); }
  void Clear();
};

/// Affinity delta of an event before topic weighting. Dwell is scaled by read
/// ratio: a read of under a quarter of the expected time counts against.
double EventDelta(const Config& c, EventType type, double dwell_ms, double expected_ms);

}  // namespace localrank
