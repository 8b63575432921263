// SPDX-License-Identifier: MIT
#include <cmath>

#include <gtest/gtest.h>

#include "fixture.h"
#include "localrank/engine.h"

namespace localrank {
namespace {

using nlohmann::json;
using testing::FillCandidates;
using testing::FillEvents;

constexpr double kNow = 1700000000000.0;

json Feed() {
  return json::parse(R"([
    {"id":"a","topics":{"sports":1},"creatorId":"c1","serverScore":0.9},
    {"id":"b","topics":{"politics":1},"creatorId":"c2","serverScore":0.8},
    {"id":"c","topics":{"cooking":1},"creatorId":"c3","serverScore":0.7},
    {"id":"d","topics":["travel"],"creatorId":"c4","serverScore":0.6},
    {"id":"e","topics":{"cooking":0.5,"travel":0.5},"creatorId":"c5","serverScore":0.5}
  ])");
}

std::vector<std::string> Ids(const Engine& e, const json& items) {
  std::vector<std::string> ids;
  for (auto i : e.result().order) ids.push_back(items[static_cast<std::size_t>(i)]["id"]);
  return ids;
}

int RankOf(const Engine& e, const json& items, const std::string& id) {
  auto ids = Ids(e, items);
  return static_cast<int>(std::find(ids.begin(), ids.end(), id) - ids.begin());
}

TEST(Ranker, ColdStartKeepsTheServerOrder) {
  Engine e;
  FillCandidates(e, Feed());
  ASSERT_TRUE(e.Rerank(kNow).ok());
  EXPECT_EQ(Ids(e, Feed()), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST(Ranker, CookingClicksRaiseCookingItems) {
  Engine e;
  FillCandidates(e, Feed());
  ASSERT_TRUE(e.Rerank(kNow).ok());
  const int before = RankOf(e, Feed(), "c");
  FillEvents(e, json::parse(R"([{"type":"click","topics":{"cooking":1},"at":1699999990000},
                                {"type":"like","topics":{"cooking":1},"at":1699999995000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  FillCandidates(e, Feed());
  ASSERT_TRUE(e.Rerank(kNow).ok());
  EXPECT_LT(RankOf(e, Feed(), "c"), before);
  EXPECT_EQ(RankOf(e, Feed(), "c"), 0);
}

TEST(Ranker, HideLowersTopicInNextRerank) {
  Engine e;
  FillEvents(e, json::parse(R"([{"type":"hide","topics":{"sports":1},"creatorId":"c1","at":1699999990000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  FillCandidates(e, Feed());
  ASSERT_TRUE(e.Rerank(kNow).ok());
  EXPECT_GT(RankOf(e, Feed(), "a"), 0);
}

TEST(Ranker, StrengthZeroIsTheIdentity) {
  Engine e;
  FillEvents(e, json::parse(R"([{"type":"share","topics":{"travel":1},"at":1699999990000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  FillCandidates(e, Feed());
  e.options().strength = 0.0;
  ASSERT_TRUE(e.Rerank(kNow).ok());
  for (std::size_t i = 0; i < e.result().order.size(); ++i) EXPECT_EQ(e.result().order[i], static_cast<int>(i));
  // Reasons say the order was not personalized.
  EXPECT_EQ(e.result().ReasonsAt(0).at(0).kind, static_cast<int>(ReasonKind::kNotPersonalized));
}

TEST(Ranker, ReasonsAddUpToTheScore) {
  Engine e;
  FillEvents(e, json::parse(R"([{"type":"like","topics":{"cooking":1},"creatorId":"c5","at":1699999990000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  json items = Feed();
  items[4]["publishedAt"] = kNow - 3600000.0;
  FillCandidates(e, items);
  ASSERT_TRUE(e.Rerank(kNow).ok());
  const RankResult& r = e.result();
  for (std::size_t rank = 0; rank < r.order.size(); ++rank) {
    double sum = 0;
    for (const RankedReason& x : r.ReasonsAt(rank)) sum += x.value;
    EXPECT_NEAR(sum, r.score[rank], 1e-12) << "rank " << rank;
  }
}

TEST(Ranker, PinnedItemKeepsItsPosition) {
  Engine e;
  // A strong topic weight, so that one share moves travel to the top.
  ASSERT_TRUE(e.Configure(R"({"topicWeight":2})").ok());
  FillEvents(e, json::parse(R"([{"type":"share","topics":{"travel":1},"at":1699999990000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  json items = Feed();
  items[1]["pinned"] = true;
  FillCandidates(e, items);
  ASSERT_TRUE(e.Rerank(kNow).ok());
  EXPECT_EQ(e.result().order[1], 1);
  EXPECT_NE(e.result().order[0], 0);  // travel rose above the rest
}

TEST(Ranker, RejectsInfiniteServerScoreNamingFieldAndIndex) {
  Engine e;
  FillCandidates(e, Feed());
  e.candidates().server_score[3] = INFINITY;
  Status s = e.Rerank(kNow);
  EXPECT_EQ(s.code(), Code::kInvalidItem);
  EXPECT_EQ(s.field(), "items[3].serverScore");
  EXPECT_EQ(s.index(), 3);
}

TEST(Ranker, RejectsTooManyTopics) {
  Engine e;
  json items = Feed();
  json many = json::object();
  for (int i = 0; i < kMaxTopicsPerItem + 1; ++i) many["t" + std::to_string(i)] = 1;
  items[2]["topics"] = many;
  FillCandidates(e, items);
  EXPECT_EQ(e.Rerank(kNow).code(), Code::kLimitExceeded);
}

TEST(Ranker, SameInputsSameOutput) {
  auto run = [] {
    Engine e;
    e.Configure(R"({"seed": 42})");
    FillEvents(e, json::parse(R"([{"type":"click","topics":{"cooking":1},"at":1699999990000}])"));
    e.Record(kNow);
    FillCandidates(e, Feed());
    e.Rerank(kNow);
    return std::make_pair(e.result().order, e.result().score);
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace localrank
