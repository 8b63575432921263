// SPDX-License-Identifier: MIT
#include "localrank/profile.h"

#include <gtest/gtest.h>

namespace localrank {
namespace {

constexpr double kT0 = 1700000000000.0;

EventView Ev(EventType type, double at, const std::int32_t* topic = nullptr, const float* w = nullptr, int n = 0,
             std::int32_t creator = -1) {
  EventView e;
  e.type = type;
  e.at = at;
  e.dwell_ms = NAN;
  e.expected_ms = NAN;
  e.topic_ids = topic;
  e.topic_weights = w;
  e.topic_count = n;
  e.creator = creator;
  return e;
}

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
  p.Apply(c, Ev(EventType::kClick, kT0 - c.long_half_life_ms, &old_topic, &w, 1));
  p.Apply(c, Ev(EventType::kClick, kT0, &new_topic, &w, 1));
  EXPECT_NEAR(p.TopicAffinity(c, 0, kT0) * 2.0, p.TopicAffinity(c, 1, kT0), 1e-9);
}

TEST(Profile, ShortTermHorizonFadesFasterThanLongTerm) {
  Config c;
  Profile p;
  const std::int32_t t = 0;
  const float w = 1.0f;
  p.Apply(c, Ev(EventType::kLike, kT0, &t, &w, 1));
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
  p.Apply(c, Ev(EventType::kHide, kT0, &t, &w, 1, 5));
  EXPECT_LT(p.TopicAffinity(c, 3, kT0), 0.0);
  EXPECT_LT(p.CreatorAffinity(c, 5, kT0), 0.0);
}

TEST(Profile, StoredEventsAreCapped) {
  Config c;
  c.max_events = 10;
  Profile p;
  for (int i = 0; i < 100; ++i) p.Apply(c, Ev(EventType::kClick, kT0 + i));
  EXPECT_EQ(p.events.size(), 10u);
  EXPECT_EQ(p.total_events, 100u);
}

}  // namespace
}  // namespace localrank

namespace localrank {
namespace {

TEST(ProfilePrune, CapsKeepTheStrongestAndExplicitPreferences) {
  Config c;
  c.max_topics = 3;
  Profile p;
  const float w = 1.0f;
  for (std::int32_t t = 0; t < 10; ++t) {
    for (int rep = 0; rep <= t; ++rep) p.Apply(c, Ev(EventType::kClick, kT0, &t, &w, 1));
  }
  p.topic_prefs[0] = Preference::kMore;  // weakest, but the person chose it
  p.Prune(c, kT0);
  EXPECT_EQ(p.topics.size(), 3u);
  EXPECT_TRUE(p.topics.count(0));
  EXPECT_TRUE(p.topics.count(9));
  EXPECT_TRUE(p.topics.count(8));
}

TEST(ProfilePrune, RetentionDropsOldEventsAndInterests) {
  Config c;
  Profile p;
  const std::int32_t a = 1, b = 2;
  const float w = 1.0f;
  p.Apply(c, Ev(EventType::kClick, kT0 - c.retention_ms - 1, &a, &w, 1));
  p.Apply(c, Ev(EventType::kClick, kT0, &b, &w, 1));
  p.Prune(c, kT0);
  EXPECT_EQ(p.events.size(), 1u);
  EXPECT_FALSE(p.topics.count(1));
  EXPECT_TRUE(p.topics.count(2));
}

TEST(ProfileContext, SparseContextIsShrunkTowardsGlobal) {
  Config c;
  Profile p;
  const std::int32_t fitness = 0, politics = 1, commute = 0;
  const float w = 1.0f;
  for (int i = 0; i < 20; ++i) p.Apply(c, Ev(EventType::kLike, kT0 - i * 1000.0, &fitness, &w, 1));
  EventView e = Ev(EventType::kClick, kT0, &politics, &w, 1);
  e.context_ids = &commute;
  e.context_count = 1;
  p.Apply(c, e);
  const auto lens = p.MakeContextLens(c, &commute, 1, kT0);
  ASSERT_EQ(lens.entries.size(), 1u);
  EXPECT_NEAR(lens.entries[0].lambda, 1.0 / (1.0 + c.context_prior), 1e-9);
  const double g = p.TopicAffinity(c, 0, kT0);
  const double in_ctx = p.ContextTopicAffinity(c, lens, 0, g, kT0);
  // Lowered (nothing fitness happened in this context) but not wiped out.
  EXPECT_LT(in_ctx, g);
  EXPECT_GT(in_ctx, 0.8 * g);
}

TEST(ProfileContext, UnknownContextLeavesAffinityUnchanged) {
  Config c;
  Profile p;
  const std::int32_t t = 0, unknown = 7;
  const float w = 1.0f;
  p.Apply(c, Ev(EventType::kLike, kT0, &t, &w, 1));
  const auto lens = p.MakeContextLens(c, &unknown, 1, kT0);
  EXPECT_TRUE(lens.empty());
  EXPECT_EQ(p.ContextTopicAffinity(c, lens, 0, 2.0, kT0), 2.0);
}

}  // namespace
}  // namespace localrank
