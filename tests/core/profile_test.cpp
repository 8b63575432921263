// SPDX-License-Identifier: MIT
#include "localrank/profile.h"

#include <gtest/gtest.h>

namespace localrank {
namespace {

constexpr double kT0 = 1700000000000.0;

TEST(Decayed, HalvesAfterOneHalfLife) {
  Decayed d;
  d.Add(8.0, kT0, 1000.0);
  EXPECT_DOUBLE_EQ(d.At(kT0, 1000.0), 8.0);
  EXPECT_DOUBLE_EQ(d.At(kT0 + 1000.0, 1000.0), 4.0);
  EXPECT_DOUBLE_EQ(d.At(kT0 + 3000.0, 1000.0), 1.0);
}

TEST(Decayed, OutOfOrderEventsGiveTheSameValueAsInOrder) {
  Decayed in_order, reversed;
  in_order.Add(1.0, kT0, 500.0);
  in_order.Add(2.0, kT0 + 700.0, 500.0);
  reversed.Add(2.0, kT0 + 700.0, 500.0);
  reversed.Add(1.0, kT0, 500.0);
  EXPECT_NEAR(in_order.At(kT0 + 2000.0, 500.0), reversed.At(kT0 + 2000.0, 500.0), 1e-12);
}

TEST(Profile, OlderClickCountsLessByTheHalfLife) {
  Config c;
  c.short_term_share = 0.0;  // long-term horizon only
  Profile p;
  const std::int32_t old_topic = 0, new_topic = 1;
  const float w = 1.0f;
  p.Apply(c, EventType::kClick, kT0 - c.long_half_life_ms, NAN, NAN, -1, &old_topic, &w, 1);
  p.Apply(c, EventType::kClick, kT0, NAN, NAN, -1, &new_topic, &w, 1);
  EXPECT_NEAR(p.TopicAffinity(c, 0, kT0) * 2.0, p.TopicAffinity(c, 1, kT0), 1e-9);
}

TEST(Profile, ShortTermHorizonFadesFasterThanLongTerm) {
  Config c;
  Profile p;
  const std::int32_t t = 0;
  const float w = 1.0f;
  p.Apply(c, EventType::kLike, kT0, NAN, NAN, -1, &t, &w, 1);
  const Affinity& a = p.topics.at(0);
  const double later = kT0 + 4 * c.short_half_life_ms;
  EXPECT_LT(a.short_term.At(later, c.short_half_life_ms), 0.1 * a.short_term.value);
  EXPECT_GT(a.long_term.At(later, c.long_half_life_ms), 0.9 * a.long_term.value);
}

TEST(Profile, DwellBounceCountsAgainstAndFullReadCountsFor) {
  Config c;
  EXPECT_LT(EventDelta(c, EventType::kDwell, 2000, 60000), 0.0);
  EXPECT_GT(EventDelta(c, EventType::kDwell, 60000, 60000), 0.0);
  EXPECT_GT(EventDelta(c, EventType::kDwell, 60000, 60000), EventDelta(c, EventType::kDwell, 30000, 60000));
}

TEST(Profile, NegativeSignalsLowerAffinity) {
  Config c;
  Profile p;
  const std::int32_t t = 3;
  const float w = 1.0f;
  p.Apply(c, EventType::kHide, kT0, NAN, NAN, 5, &t, &w, 1);
  EXPECT_LT(p.TopicAffinity(c, 3, kT0), 0.0);
  EXPECT_LT(p.CreatorAffinity(c, 5, kT0), 0.0);
}

TEST(Profile, StoredEventsAreCapped) {
  Config c;
  c.max_events = 10;
  Profile p;
  for (int i = 0; i < 100; ++i) p.Apply(c, EventType::kClick, kT0 + i, NAN, NAN, -1, nullptr, nullptr, 0);
  EXPECT_EQ(p.events.size(), 10u);
  EXPECT_EQ(p.total_events, 100u);
}

}  // namespace
}  // namespace localrank
