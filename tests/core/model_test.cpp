// SPDX-License-Identifier: MIT
// The person's learnt model (model.h): learning from choices among ranked
// items, its bounds, and its life as profile state.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fixture.h"
#include "localrank/engine.h"
#include "localrank/model.h"

namespace localrank {
namespace {

using nlohmann::json;
using testing::FillCandidates;
using testing::FillEvents;

constexpr double kNow = 1700000000000.0;
constexpr double kHour = 3600.0 * 1000.0;

double Weight(const Engine& e, Signal s) { return ModelWeights(e.config(), e.profile().model)[static_cast<std::size_t>(s)]; }
double Prior(const Engine& e, Signal s) { return PriorMean(e.config())[static_cast<std::size_t>(s)]; }

// A feed of `n` posts on a handful of topics with random server scores and ages.
json RandomFeed(std::mt19937& rng, int round, int n) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const char* topics[] = {"news", "sports", "cooking", "travel", "music"};
  json items = json::array();
  for (int i = 0; i < n; ++i) {
    items.push_back(json{{"id", "p" + std::to_string(round) + "-" + std::to_string(i)},
                         {"topics", json{{topics[static_cast<std::size_t>(rng() % 5)], 1}}},
                         {"serverScore", u(rng)},
                         {"publishedAt", kNow - u(rng) * 96 * kHour}});
  }
  return items;
}

// A fresh random feed of 20 posts, ranked by `e`.
json RankedFeed(Engine& e, unsigned seed) {
  std::mt19937 rng(seed);
  json items = RandomFeed(rng, 0, 20);
  FillCandidates(e, items);
  EXPECT_TRUE(e.Rerank(kNow).ok());
  return items;
}

// A person who only ever opens the newest of the first ten posts shown:
// neither the server's score nor topics predict what they choose.
void ReplayFreshnessSeeker(Engine& e, int choices) {
  std::mt19937 rng(7);
  for (int round = 0; round < choices; ++round) {
    const json items = RandomFeed(rng, round, 30);
    FillCandidates(e, items);
    ASSERT_TRUE(e.Rerank(kNow).ok());
    int best = -1;
    double newest = -INFINITY;
    for (int r = 0; r < 10; ++r) {
      const auto i = static_cast<std::size_t>(e.result().order[static_cast<std::size_t>(r)]);
      if (items[i]["publishedAt"].get<double>() > newest) {
        newest = items[i]["publishedAt"];
        best = static_cast<int>(i);
      }
    }
    const json& chosen = items[static_cast<std::size_t>(best)];
    FillEvents(e, json::array({json{{"type", "click"}, {"itemId", chosen["id"]}, {"topics", chosen["topics"]}, {"at", kNow}}}));
    ASSERT_TRUE(e.Record(kNow).ok());
  }
}

TEST(Model, WithoutChoicesTheWeightsAreThePriors) {
  Engine e;
  for (int k = 0; k < kSignalCount; ++k) {
    EXPECT_EQ(Weight(e, static_cast<Signal>(k)), Prior(e, static_cast<Signal>(k)));
  }
  EXPECT_TRUE(e.profile().model.empty());
}

TEST(Model, APersonWhoChoosesByOneSignalGetsItsWeightRaisedAndTheOthersLowered) {
  Engine e;
  ReplayFreshnessSeeker(e, 300);
  EXPECT_EQ(e.profile().model.choices, 300u);
  EXPECT_GT(Weight(e, Signal::kFreshness), Prior(e, Signal::kFreshness) + 0.5);
  EXPECT_LT(Weight(e, Signal::kServer), Prior(e, Signal::kServer));
  EXPECT_LT(Weight(e, Signal::kTopic), Prior(e, Signal::kTopic));
  // Interests may come to count for little, never against the person.
  for (const Signal s : {Signal::kTopic, Signal::kCreator, Signal::kRate, Signal::kEmbedding}) EXPECT_GE(Weight(e, s), 0.0);
  // And it shows: the newest post now leads the ranking more often than the server's favourite.
  std::mt19937 rng(99);
  int newest_first = 0;
  for (int round = 0; round < 50; ++round) {
    const json items = RandomFeed(rng, 1000 + round, 30);
    FillCandidates(e, items);
    ASSERT_TRUE(e.Rerank(kNow).ok());
    std::size_t newest = 0;
    for (std::size_t i = 1; i < items.size(); ++i) {
      if (items[i]["publishedAt"].get<double>() > items[newest]["publishedAt"].get<double>()) newest = i;
    }
    newest_first += e.result().order[0] == static_cast<std::int32_t>(newest) ? 1 : 0;
  }
  EXPECT_GE(newest_first, 25);
}

TEST(Model, AChoiceIsLearntOncePerItemAndRanking) {
  Engine e;
  const json items = RankedFeed(e, 3);
  const json& chosen = items[static_cast<std::size_t>(e.result().order[4])];
  const json base{{"itemId", chosen["id"]}, {"topics", chosen["topics"]}, {"at", kNow}};
  json click = base, like = base;
  click["type"] = "click";
  like["type"] = "like";
  FillEvents(e, json::array({click, like}));
  ASSERT_TRUE(e.Record(kNow).ok());
  EXPECT_EQ(e.profile().model.choices, 1u);
  // An item that was not in the ranking teaches nothing.
  FillEvents(e, json::parse(R"([{"type":"like","itemId":"elsewhere","topics":["news"],"at":1700000000000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  EXPECT_EQ(e.profile().model.choices, 1u);
}

TEST(Model, AChoiceOnAnEarlierPageIsLearntFromItsOwnRanking) {
  Engine e;
  std::mt19937 rng(21);
  const json first = RandomFeed(rng, 0, 20), second = RandomFeed(rng, 1, 20);
  FillCandidates(e, first);
  ASSERT_TRUE(e.Rerank(kNow).ok());
  const json& chosen = first[static_cast<std::size_t>(e.result().order[3])];
  FillCandidates(e, second);  // "show more posts": the rest ranked again
  ASSERT_TRUE(e.Rerank(kNow).ok());
  FillEvents(e, json::array({json{{"type", "like"}, {"itemId", chosen["id"]}, {"at", kNow}}}));
  ASSERT_TRUE(e.Record(kNow).ok());
  EXPECT_EQ(e.profile().model.choices, 1u);
  // Four rankings later it is forgotten.
  for (int k = 0; k < kMemoRankings; ++k) {
    FillCandidates(e, RandomFeed(rng, 10 + k, 20));
    ASSERT_TRUE(e.Rerank(kNow).ok());
  }
  const json& old = second[5];
  FillEvents(e, json::array({json{{"type", "like"}, {"itemId", old["id"]}, {"at", kNow}}}));
  ASSERT_TRUE(e.Record(kNow).ok());
  EXPECT_EQ(e.profile().model.choices, 1u);
}

TEST(Model, ARejectionLowersTheSignalsThatRankedTheItem) {
  Engine e;
  ASSERT_TRUE(e.Configure(R"({"learning":true})").ok());
  // Hides of the server's top pick, ten rankings in a row.
  std::mt19937 rng(5);
  for (int round = 0; round < 10; ++round) {
    const json items = RandomFeed(rng, round, 20);
    FillCandidates(e, items);
    ASSERT_TRUE(e.Rerank(kNow).ok());
    const json& top = items[static_cast<std::size_t>(e.result().order[0])];
    FillEvents(e, json::array({json{{"type", "hide"}, {"itemId", top["id"]}, {"at", kNow}}}));
    ASSERT_TRUE(e.Record(kNow).ok());
  }
  EXPECT_EQ(e.profile().model.choices, 10u);
  EXPECT_LT(Weight(e, Signal::kServer), Prior(e, Signal::kServer));
}

TEST(Model, NothingIsLearntAtStrengthZeroOrWithLearningOff) {
  for (const bool off : {false, true}) {
    Engine e;
    if (off) {
      ASSERT_TRUE(e.Configure(R"({"learning":false})").ok());
    }
    std::mt19937 rng(11);
    const json items = RandomFeed(rng, 0, 20);
    FillCandidates(e, items);
    if (!off) e.options().strength = 0.0;
    ASSERT_TRUE(e.Rerank(kNow).ok());
    FillEvents(e, json::array({json{{"type", "like"}, {"itemId", items[7]["id"]}, {"at", kNow}}}));
    ASSERT_TRUE(e.Record(kNow).ok());
    EXPECT_TRUE(e.profile().model.empty()) << (off ? "learning off" : "strength 0");
  }
}

TEST(Model, AFailingRecordLearnsNothing) {
  Engine e;
  const json items = RankedFeed(e, 13);
  FillEvents(e, json::array({json{{"type", "like"}, {"itemId", items[7]["id"]}, {"at", kNow}},
                             json{{"type", "like"}, {"itemId", items[8]["id"]}, {"at", kNow}}}));
  e.events().at[1] = NAN;  // the batch is refused whole
  EXPECT_FALSE(e.Record(kNow).ok());
  EXPECT_TRUE(e.profile().model.empty());
}

TEST(Model, WeightsStayBoundedWhateverTheChoices) {
  Engine e;
  ASSERT_TRUE(e.Configure(R"({"modelPrecision":0.001,"choiceScale":1000})").ok());
  ReplayFreshnessSeeker(e, 200);
  for (int k = 0; k < kSignalCount; ++k) {
    const double w = Weight(e, static_cast<Signal>(k));
    EXPECT_TRUE(std::isfinite(w));
    EXPECT_LE(std::fabs(w), kMaxModelWeight);
  }
  for (int k = 0; k < kModelParams; ++k) {
    EXPECT_TRUE(std::isfinite(e.profile().model.shift[static_cast<std::size_t>(k)]));
    EXPECT_LE(e.profile().model.evidence[static_cast<std::size_t>(k)], kMaxModelEvidence);
  }
}

TEST(Model, SurvivesExportImportAndTheSnapshotAndIsErasedWithTheProfile) {
  Engine e;
  ReplayFreshnessSeeker(e, 40);
  const PersonModel learnt = e.profile().model;
  ASSERT_FALSE(learnt.empty());
  Engine json_copy;
  ASSERT_TRUE(json_copy.ImportJson(e.ExportJson(kNow)).ok());
  EXPECT_EQ(json_copy.profile().model.choices, learnt.choices);
  EXPECT_EQ(json_copy.profile().model.shift, learnt.shift);
  EXPECT_EQ(json_copy.profile().model.evidence, learnt.evidence);
  std::vector<std::uint8_t> bytes;
  e.ExportSnapshot(&bytes);
  Engine snap_copy;
  ASSERT_TRUE(snap_copy.ImportSnapshot(bytes.data(), bytes.size()).ok());
  EXPECT_EQ(snap_copy.profile().model.shift, learnt.shift);
  EXPECT_EQ(snap_copy.profile().model.evidence, learnt.evidence);
  e.ResetProfile();
  EXPECT_TRUE(e.profile().model.empty());
}

TEST(Model, ADamagedModelSectionIsRefusedNamingTheField) {
  Engine e;
  ReplayFreshnessSeeker(e, 5);
  std::vector<std::uint8_t> bytes;
  e.ExportSnapshot(&bytes);
  const std::string tag = "modl";
  const auto at = std::search(bytes.begin(), bytes.end(), tag.begin(), tag.end());
  ASSERT_NE(at, bytes.end());
  const std::size_t body = static_cast<std::size_t>(at - bytes.begin()) + 8;
  struct Case {
    std::size_t offset;
    double value;
    const char* field;
  };
  for (const Case& c : {Case{8, NAN, "snapshot.model.signals[0].shift"}, Case{16, -1.0, "snapshot.model.signals[0].evidence"},
                        Case{8 + 16 * 3, 1e9, "snapshot.model.signals[3].shift"}}) {
    std::vector<std::uint8_t> bad = bytes;
    std::memcpy(bad.data() + body + c.offset, &c.value, sizeof c.value);
    Engine other;
    const Status s = other.ImportSnapshot(bad.data(), bad.size());
    EXPECT_EQ(s.code(), Code::kCorruptProfile);
    EXPECT_EQ(s.field(), c.field);
  }
}

TEST(Model, DamagedModelJsonIsRefusedNamingTheField) {
  Engine e;
  ReplayFreshnessSeeker(e, 5);
  const json good = json::parse(e.ExportJson(kNow));
  const std::vector<std::pair<std::function<void(json&)>, std::string>> cases = {
      {[](json& j) { j["model"]["shift"]["tpoic"] = 0.1; }, "profile.model.shift.tpoic"},
      {[](json& j) { j["model"]["shift"]["server"] = 1e9; }, "profile.model.shift.server"},
      {[](json& j) { j["model"]["evidence"]["topic"] = -1; }, "profile.model.evidence.topic"},
      {[](json& j) { j["model"]["choices"] = 0; }, "profile.model.choices"},
      {[](json& j) { j["model"]["choices"] = 1.5; }, "profile.model.choices"},
      {[](json& j) { j["model"]["shift"] = 3; }, "profile.model.shift"},
      {[](json& j) { j["model"] = "learnt"; }, "profile.model"},
  };
  for (const auto& [damage, field] : cases) {
    json bad = good;
    damage(bad);
    const Status s = e.ImportJson(bad.dump());
    EXPECT_EQ(s.code(), Code::kCorruptProfile) << field;
    EXPECT_EQ(s.field(), field);
    EXPECT_EQ(e.profile().model.choices, 5u) << "a refused import changes nothing";
  }
  // A profile written before the model existed imports with the prior.
  json v3 = good;
  v3["version"] = 3;
  ASSERT_TRUE(e.ImportJson(v3.dump()).ok());
  EXPECT_TRUE(e.profile().model.empty());
}

TEST(Model, AUserVectorValueBeyondTheFloatRangeIsRefused) {
  // Found by fuzz_import: 2.3e72 is a finite double, but it was stored as an
  // infinite float, so the export of the imported profile did not import.
  Engine e;
  ASSERT_TRUE(e.Configure(R"({"dim":3})").ok());
  const Status s = e.ImportJson(R"({"schema":"localrank.profile","version":4,"topics":[],"creators":[],
    "userVector":{"dim":3,"at":1700000000000,"values":[2.3e72,1,1]}})");
  EXPECT_EQ(s.code(), Code::kCorruptProfile);
  EXPECT_EQ(s.field(), "profile.userVector.values");
  ASSERT_TRUE(e.ImportJson(R"({"schema":"localrank.profile","version":4,"topics":[],"creators":[],
    "userVector":{"dim":3,"at":1700000000000,"values":[3.0e38,1,1]}})").ok());
  Engine copy;
  ASSERT_TRUE(copy.Configure(R"({"dim":3})").ok());
  EXPECT_TRUE(copy.ImportJson(e.ExportJson(kNow)).ok());
}

TEST(Model, ZeroEventsKeepTheServerOrderWithEmbeddingsAndTopics) {
  Engine e;
  ASSERT_TRUE(e.Configure(R"({"dim":4})").ok());
  std::mt19937 rng(17);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  json items = RandomFeed(rng, 0, 40);
  for (auto& it : items) it["embedding"] = json::array({u(rng), u(rng), u(rng), u(rng)});
  FillCandidates(e, items);
  e.options().diversity = 0.0;
  ASSERT_TRUE(e.Rerank(kNow).ok());
  for (std::size_t r = 1; r < items.size(); ++r) {
    const auto a = static_cast<std::size_t>(e.result().order[r - 1]), b = static_cast<std::size_t>(e.result().order[r]);
    EXPECT_GE(items[a]["serverScore"].get<double>(), items[b]["serverScore"].get<double>()) << "rank " << r;
  }
}

}  // namespace
}  // namespace localrank
