// SPDX-License-Identifier: MIT
// Retention still holds with Prune's shortcut (Profile::oldest_at): events and
// interests older than the retention period go, however they arrived.
#include <gtest/gtest.h>

#include "localrank/profile.h"

namespace localrank {
namespace {

constexpr double kT0 = 1700000000000.0;

EventView Click(double at, const std::int32_t* topic, const float* weight) {
  EventView e;
  e.type = EventType::kClick;
  e.at = at;
  e.dwell_ms = NAN;
  e.expected_ms = NAN;
  e.topic_ids = topic;
  e.topic_weights = weight;
  e.topic_count = 1;
  return e;
}

TEST(Prune, DropsEventsAndTopicsOnceTheyPassTheRetentionPeriod) {
  Config c;
  Profile p;
  const std::int32_t old_topic = 1, new_topic = 2;
  const float w = 1.0f;
  p.Apply(c, Click(kT0, &old_topic, &w));
  p.Prune(c, kT0);
  EXPECT_EQ(p.events.size(), 1u);
  // Many prunes while nothing is old enough: nothing changes.
  for (int i = 1; i <= 10; ++i) p.Prune(c, kT0 + i * 1000.0);
  EXPECT_EQ(p.events.size(), 1u);
  p.Apply(c, Click(kT0 + c.retention_ms, &new_topic, &w));
  p.Prune(c, kT0 + c.retention_ms + 1.0);
  EXPECT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.topics.count(1u), 0u);
  EXPECT_EQ(p.topics.count(2u), 1u);
}

TEST(Prune, DropsALateArrivingEventOlderThanTheRetentionPeriod) {
  Config c;
  Profile p;
  const std::int32_t topic = 3, stale_topic = 4;
  const float w = 1.0f;
  const double now = kT0 + 2 * c.retention_ms;
  p.Apply(c, Click(now, &topic, &w));
  p.Prune(c, now);  // the cutoff is now - retention: nothing older remains
  p.Apply(c, Click(now - c.retention_ms - 5000.0, &stale_topic, &w));
  p.Prune(c, now);
  EXPECT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.topics.count(4u), 0u);
  EXPECT_EQ(p.topics.count(3u), 1u);
}

}  // namespace
}  // namespace localrank
