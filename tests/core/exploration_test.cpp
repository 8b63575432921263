// SPDX-License-Identifier: MIT
// Exploration: a bounded share of slots, never the first, for items outside
// known interests, each with its propensity.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "stage_helpers.h"

namespace localrank {
namespace {

using nlohmann::json;
using namespace localrank::testing;

Engine CookingFan() {
  Engine e;
  FillEvents(e, json::parse(R"([{"type":"like","topics":{"cooking":1},"at":1699999990000},
                                {"type":"like","topics":{"travel":1},"at":1699999991000}])"));
  EXPECT_TRUE(e.Record(kNow).ok());
  return e;
}

json Mixed(int n) {
  return MakeFeed(n, {"cooking", "travel", "music", "news", "sports", "gaming", "art", "science"}, n);
}

TEST(Exploration, TakesThePromisedShareAndNeverPositionOne) {
  for (std::uint64_t seed : {1u, 2u, 3u, 42u}) {
    Engine e = CookingFan();
    ASSERT_TRUE(e.Configure("{\"seed\":" + std::to_string(seed) + "}").ok());
    e.options().exploration = 0.1;
    const json items = Mixed(40);
    FillCandidates(e, items);
    ASSERT_TRUE(e.Rerank(kNow).ok());
    const RankResult& r = e.result();
    int explored = 0;
    for (std::size_t rank = 0; rank < r.order.size(); ++rank) {
      if (!HasKind(r, rank, ReasonKind::kExplore)) {
        EXPECT_EQ(r.propensity[rank], 1.0);
        continue;
      }
      ++explored;
      EXPECT_NE(rank, 0u) << "seed " << seed;
      EXPECT_GT(r.propensity[rank], 0.0);
      EXPECT_LE(r.propensity[rank], 1.0);
      // Outside known interests: neither cooking nor travel.
      const auto& topics = items[static_cast<std::size_t>(r.order[rank])]["topics"];
      EXPECT_FALSE(topics.contains("cooking") || topics.contains("travel"));
      EXPECT_GE(KindSum(r, rank, ReasonKind::kExplore), 0.0);
    }
    EXPECT_EQ(explored, 4) << "seed " << seed;  // 10% of 40 slots
  }
}

TEST(Exploration, PropensityIsTheProbabilityOfTheDrawnTopic) {
  // The first explored slot at a given rank always sees the same pool (the
  // slots above it are not explored), so over many seeds each drawn topic
  // must come up as often as its propensity says, with the same propensity.
  const json items = Mixed(40);
  std::map<std::size_t, std::map<std::string, std::pair<int, double>>> by_rank;  // rank -> topic -> (draws, propensity)
  std::map<std::size_t, int> draws;
  for (std::uint64_t seed = 1; seed <= 800; ++seed) {
    Engine e = CookingFan();
    ASSERT_TRUE(e.Configure("{\"seed\":" + std::to_string(seed) + "}").ok());
    e.options().exploration = 0.1;
    FillCandidates(e, items);
    ASSERT_TRUE(e.Rerank(kNow).ok());
    for (std::size_t rank = 0; rank < e.result().order.size(); ++rank) {
      if (!HasKind(e.result(), rank, ReasonKind::kExplore)) continue;
      const std::string topic = items[static_cast<std::size_t>(e.result().order[rank])]["topics"].begin().key();
      auto& entry = by_rank[rank][topic];
      if (entry.first > 0) {
        EXPECT_DOUBLE_EQ(entry.second, e.result().propensity[rank]) << topic;
      }
      entry.first += 1;
      entry.second = e.result().propensity[rank];
      ++draws[rank];
      break;
    }
  }
  std::size_t rank = 0;
  for (const auto& [r, n] : draws) {
    if (n > draws[rank]) rank = r;
  }
  ASSERT_GE(draws[rank], 60);
  double covered = 0.0;
  for (const auto& [topic, entry] : by_rank[rank]) {
    const double share = static_cast<double>(entry.first) / draws[rank];
    EXPECT_NEAR(share, entry.second, 4.0 * std::sqrt(entry.second * (1.0 - entry.second) / draws[rank]) + 0.01) << topic;
    covered += entry.second;
  }
  // The topics seen carry (nearly) all the probability; more than one is drawn.
  EXPECT_GT(covered, 0.95);
  EXPECT_LE(covered, 1.0 + 1e-9 * static_cast<double>(by_rank[rank].size()));
  EXPECT_GT(by_rank[rank].size(), 1u);
}

TEST(Exploration, SameSeedSameChoicesOtherSeedOtherChoices) {
  auto explored = [](std::uint64_t seed) {
    Engine e = CookingFan();
    EXPECT_TRUE(e.Configure("{\"seed\":" + std::to_string(seed) + "}").ok());
    e.options().exploration = 0.2;
    FillCandidates(e, Mixed(60));
    EXPECT_TRUE(e.Rerank(kNow).ok());
    std::vector<std::int32_t> v;
    for (std::size_t rank = 0; rank < e.result().order.size(); ++rank) {
      if (HasKind(e.result(), rank, ReasonKind::kExplore)) v.push_back(e.result().order[rank]);
    }
    return v;
  };
  EXPECT_EQ(explored(5), explored(5));
  EXPECT_NE(explored(5), explored(6));
}

TEST(Exploration, ZeroShareExploresNothing) {
  Engine e = CookingFan();
  FillCandidates(e, Mixed(40));
  ASSERT_TRUE(e.Rerank(kNow).ok());
  for (std::size_t rank = 0; rank < e.result().order.size(); ++rank) EXPECT_FALSE(HasKind(e.result(), rank, ReasonKind::kExplore));
}

TEST(Exploration, SlotCountIsAFloorOfTheShareAndLeavesTheFirstSlot) {
  EXPECT_EQ(ExploreSlotCount(0.1, 40), 4);
  EXPECT_EQ(ExploreSlotCount(0.1, 19), 1);
  EXPECT_EQ(ExploreSlotCount(0.1, 9), 0);
  EXPECT_EQ(ExploreSlotCount(1.0, 5), 4);
  EXPECT_EQ(ExploreSlotCount(0.5, 1), 0);
  Rng rng(9);
  std::vector<std::int32_t> free = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  auto slots = ChooseExploreSlots(free, 3, rng);
  std::set<std::int32_t> unique(slots.begin(), slots.end());
  EXPECT_EQ(unique.size(), 3u);
  EXPECT_EQ(unique.count(0), 0u);
}

}  // namespace
}  // namespace localrank
