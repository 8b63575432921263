// SPDX-License-Identifier: MIT
#include "localrank/profile.h"

#include <algorithm>

namespace localrank {

namespace {
constexpr double kDefaultExpectedMs = 15000.0;  // a typical short post
}

double EventDelta(const Config& c, EventType type, double dwell_ms, double expected_ms) {
  const double w = c.event_weights[static_cast<int>(type)];
  if (type != EventType::kDwell) return w;
  const double expected = std::isfinite(expected_ms) && expected_ms > 0 ? expected_ms : kDefaultExpectedMs;
  const double ratio = std::isfinite(dwell_ms) ? std::max(0.0, dwell_ms) / expected : 0.0;
  // Below 25% of the expected time is a bounce (negative), a full read is +w,
  // longer reads saturate at 1.5w.
  if (ratio < 0.25) return -0.5 * w * (1.0 - ratio / 0.25);
  return w * std::min(1.5, (ratio - 0.25) / 0.75);
}

void Profile::Apply(const Config& c, EventType type, double at, double dwell_ms, double expected_ms,
                    std::int32_t creator, const std::int32_t* topic_ids, const float* topic_weights,
                    int topic_count) {
  const double delta = EventDelta(c, type, dwell_ms, expected_ms);
  if (delta != 0.0) {
    double wsum = 0.0;
    for (int i = 0; i < topic_count; ++i) wsum += topic_weights[i];
    if (wsum > 0.0 && type != EventType::kFollow) {
      for (int i = 0; i < topic_count; ++i) {
        const double share = topic_weights[i] / wsum;
        topics[static_cast<std::uint32_t>(topic_ids[i])].Add(c, delta * share, at);
      }
    }
    if (creator >= 0) {
      // Creators get the full delta: follow is about the creator alone.
      creators[static_cast<std::uint32_t>(creator)].Add(c, delta, at);
    }
  }
  events.push_back(StoredEvent{type, at, delta});
  while (static_cast<int>(events.size()) > c.max_events) events.pop_front();
  last_event_at = std::max(last_event_at, at);
  ++total_events;
}

double Profile::TopicAffinity(const Config& c, std::uint32_t topic, double now) const {
  auto it = topics.find(topic);
  return it == topics.end() ? 0.0 : it->second.Blend(c, now);
}

double Profile::CreatorAffinity(const Config& c, std::uint32_t creator, double now) const {
  auto it = creators.find(creator);
  return it == creators.end() ? 0.0 : it->second.Blend(c, now);
}

void Profile::Clear() {
  topics.clear();
  creators.clear();
  events.clear();
  last_event_at = 0.0;
  total_events = 0;
}

}  // namespace localrank
