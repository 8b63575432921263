// SPDX-License-Identifier: MIT
// Hostile input at the core boundary: raw batch buffers that a buggy caller
// could fill inconsistently, values at the edges of double, oversized and
// deeply nested JSON, and name tables that would grow without bound.
#include <cfloat>
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "fixture.h"
#include "localrank/engine.h"

namespace localrank {
namespace {

using nlohmann::json;
using testing::FillCandidates;
using testing::FillEvents;

constexpr double kNow = 1700000000000.0;

Engine WithOneLike() {
  Engine e;
  FillEvents(e, json::parse(R"([{"type":"like","topics":{"cooking":1},"creatorId":"c1","at":1699999990000}])"));
  EXPECT_TRUE(e.Record(kNow).ok());
  return e;
}

TEST(Hardening, EventTopicOffsetsPastTheIdArrayAreRejectedBeforeAnyRead) {
  Engine e = WithOneLike();
  const std::string before = e.ExportJson(kNow);
  FillEvents(e, json::parse(R"([{"type":"click","topics":["cooking"],"at":1699999990000},
                                {"type":"click","topics":["cooking"],"at":1699999990000}])"));
  e.events().topic_offsets = {0, 30, 2};  // item 0 claims 30 topics of an array of 2
  const Status s = e.Record(kNow);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.index(), 0);
  EXPECT_EQ(e.ExportJson(kNow), before);
}

TEST(Hardening, EventContextOffsetsPastTheIdArrayAreRejectedBeforeAnyRead) {
  Engine e = WithOneLike();
  const std::string before = e.ExportJson(kNow);
  e.names(NameKind::kContext).Intern("intent:commute");
  FillEvents(e, json::parse(R"([{"type":"click","at":1699999990000},{"type":"click","at":1699999990000}])"));
  e.events().context_ids = {0};
  e.events().context_offsets = {0, 20, 1};
  EXPECT_EQ(e.Record(kNow).code(), Code::kInvalidArgument);
  EXPECT_EQ(e.ExportJson(kNow), before);
}

TEST(Hardening, CandidateTopicOffsetsPastTheIdArrayAreRejectedBeforeAnyRead) {
  Engine e = WithOneLike();
  FillCandidates(e, json::parse(R"([{"id":"a","topics":["cooking"]},{"id":"b","topics":["cooking"]}])"));
  e.candidates().topic_offsets = {0, 25, 2};
  const Status s = e.Rerank(kNow);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "items[0].topics");
  EXPECT_TRUE(e.result().order.empty());
}

TEST(Hardening, ServerScoresAtTheEdgesOfDoubleGiveFiniteScoresInServerOrder) {
  Engine e = WithOneLike();
  FillCandidates(e, json::parse(R"([{"id":"a"},{"id":"b"},{"id":"c"}])"));
  e.candidates().server_score = {-DBL_MAX, DBL_MAX, 0.0};
  ASSERT_TRUE(e.Rerank(kNow).ok());
  EXPECT_EQ(e.result().order, (std::vector<std::int32_t>{1, 2, 0}));
  for (double score : e.result().score) EXPECT_TRUE(std::isfinite(score)) << score;
}

// Four items with 2-dimension embeddings, each with one topic (the packed
// rules' tests add a second).
Engine WithEmbeddedFeed() {
  Engine e;
  EXPECT_TRUE(e.Configure(R"({"dim":2})").ok());
  FillCandidates(e, json::parse(R"([{"id":"a","topics":["x"],"creatorId":"c1","embedding":[1,0]},
                                    {"id":"b","topics":["y"],"creatorId":"c1","embedding":[0,1]},
                                    {"id":"c","topics":["x"],"creatorId":"c2","embedding":[1,1]},
                                    {"id":"d","topics":["y"],"creatorId":"c2","embedding":[0.5,0.5]}])"));
  return e;
}

TEST(Hardening, EmbeddingErrorsNameTheFirstBadItemAfterEveryOtherItemCheck) {
  Engine e = WithEmbeddedFeed();
  e.candidates().embeddings[5] = NAN;  // items[2]
  e.candidates().embeddings[7] = INFINITY;  // items[3]
  Status s = e.Rerank(kNow);
  EXPECT_EQ(s.code(), Code::kInvalidItem);
  EXPECT_EQ(s.field(), "items[2].embedding");
  EXPECT_EQ(s.index(), 2);
  // Any other bad value of any item is reported first, even of a later item.
  e.candidates().creator[3] = 99;
  s = e.Rerank(kNow);
  EXPECT_EQ(s.field(), "items[3].creatorId");
  EXPECT_TRUE(e.result().order.empty());
}

TEST(Hardening, FiniteEmbeddingsWhoseSquaresOverflowAreAccepted) {
  Engine e = WithEmbeddedFeed();
  e.candidates().embeddings[0] = 3e38f;  // its squared norm is infinite, every value finite
  EXPECT_TRUE(e.Rerank(kNow).ok());
  e.candidates().embeddings[1] = -INFINITY;
  EXPECT_EQ(e.Rerank(kNow).field(), "items[0].embedding");
}

TEST(Hardening, PackedRulesAreCheckedBeforeAnythingElseAndOnlyForPackedBatches) {
  Engine e = WithEmbeddedFeed();
  ASSERT_TRUE(e.Rerank(kNow).ok());
  const std::vector<std::int32_t> order = e.result().order;
  ASSERT_TRUE(e.RerankPacked(kNow).ok());
  EXPECT_EQ(e.result().order, order);
  auto packed_rules_error = [](const Status& s) {
    return s.code() == Code::kInvalidItem && s.field() == "items" && s.index() == -1 &&
           s.message() == "items: a topic repeats within an item, or pinned is not 0 or 1";
  };
  // A topic twice in items[3]: the object path ranks it, the packed path refuses it.
  CandidateBatch& b = e.candidates();
  b.topic_ids.push_back(b.topic_ids.back());
  b.topic_weights.push_back(1.0f);
  b.topic_offsets.back() += 1;
  EXPECT_TRUE(e.Rerank(kNow).ok());
  EXPECT_TRUE(packed_rules_error(e.RerankPacked(kNow)));
  EXPECT_TRUE(e.result().order.empty());
  // ... whatever else is wrong: an earlier bad item, a bad embedding, a bad time, bad options.
  b.creator[1] = -5;
  EXPECT_EQ(e.Rerank(kNow).field(), "items[1].creatorId");
  EXPECT_TRUE(packed_rules_error(e.RerankPacked(kNow)));
  b.creator[1] = -1;
  b.embeddings[0] = NAN;
  EXPECT_TRUE(packed_rules_error(e.RerankPacked(kNow)));
  b.embeddings[0] = 1.0f;
  EXPECT_TRUE(packed_rules_error(e.RerankPacked(NAN)));
  e.options().strength = 2.0;
  EXPECT_TRUE(packed_rules_error(e.RerankPacked(kNow)));
  e.options().strength = 1.0;
  // Pinned flags other than 0 or 1 break them too; with the rules kept, the other errors are as before.
  b.topic_ids.pop_back();
  b.topic_weights.pop_back();
  b.topic_offsets.back() -= 1;
  b.flags[2] = 2;
  EXPECT_TRUE(e.Rerank(kNow).ok());
  EXPECT_TRUE(packed_rules_error(e.RerankPacked(kNow)));
  b.flags[2] = kFlagPinned;
  b.creator[1] = -5;
  EXPECT_EQ(e.RerankPacked(kNow).field(), "items[1].creatorId");
  EXPECT_EQ(e.RerankPacked(NAN).field(), "now");
}

TEST(Hardening, ProfileLargerThanTheLimitIsRefusedWithoutParsing) {
  Engine e = WithOneLike();
  const std::string before = e.ExportJson(kNow);
  std::string huge = R"({"schema":"localrank.profile","version":2,"topics":[],"creators":[],"pad":")";
  huge.append(kMaxProfileBytes, 'x');
  huge += "\"}";
  const Status s = e.ImportJson(huge);
  EXPECT_EQ(s.code(), Code::kLimitExceeded);
  EXPECT_EQ(s.field(), "profile");
  EXPECT_EQ(e.ExportJson(kNow), before);
}

TEST(Hardening, DeeplyNestedJsonIsRefusedBeforeParsing) {
  Engine e = WithOneLike();
  const std::string before = e.ExportJson(kNow);
  const std::string nested = std::string(1000000, '[') + std::string(1000000, ']');
  EXPECT_EQ(e.ImportJson(nested).code(), Code::kCorruptProfile);
  EXPECT_EQ(e.ExportJson(kNow), before);
  const std::string nested_config = std::string(10000, '[') + std::string(10000, ']');  // under the size limit
  EXPECT_EQ(e.Configure(R"({"pad":)" + nested_config + "}").code(), Code::kInvalidArgument);
  EXPECT_EQ(e.Configure(R"({"pad":)" + nested + "}").code(), Code::kLimitExceeded);
  // Brackets inside strings are text, not nesting.
  const std::string brackets(100, '[');
  EXPECT_TRUE(e.ImportJson(R"({"schema":"localrank.profile","version":2,"topics":[],"creators":[],"note":")" +
                           brackets + "\"}")
                  .ok());
}

TEST(Hardening, TotalEventsBeyondTwoToThe53IsCorrupt) {
  Engine e = WithOneLike();
  const Status s =
      e.ImportJson(R"({"schema":"localrank.profile","version":2,"topics":[],"creators":[],"totalEvents":1e300})");
  EXPECT_EQ(s.code(), Code::kCorruptProfile);
  EXPECT_EQ(s.field(), "profile.totalEvents");
}

TEST(Hardening, CompactNamesDropsUnreferencedNamesAndKeepsExportAndRanking) {
  Engine e;
  // 200 one-off topics and creators seen only in candidate batches, plus a profile on two of them.
  for (int i = 0; i < 200; ++i) {
    e.names(NameKind::kTopic).Intern("seen-once-" + std::to_string(i));
    e.names(NameKind::kCreator).Intern("creator-" + std::to_string(i));
  }
  FillEvents(e, json::parse(R"([{"type":"like","topics":{"cooking":1},"creatorId":"c1","at":1699999990000},
                                {"type":"hide","topics":{"sports":1},"at":1699999991000},
                                {"type":"impression","topics":{"politics":1},"creatorId":"c9","at":1699999992000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  ASSERT_TRUE(e.Adjust(NameKind::kTopic, static_cast<std::int32_t>(e.names(NameKind::kTopic).Intern("travel")),
                       Preference::kMore)
                  .ok());
  const json items = json::parse(R"([{"id":"a","topics":["sports"]},{"id":"b","topics":["travel"]},
                                     {"id":"c","topics":["cooking"],"creatorId":"c1"},{"id":"d"}])");
  FillCandidates(e, items);
  ASSERT_TRUE(e.Rerank(kNow).ok());
  const auto order = e.result().order;
  const auto scores = e.result().score;
  const std::string exported = e.ExportJson(kNow);
  ASSERT_NE(exported.find("\"c9\""), std::string::npos) << "fatigue is exported by name";
  const std::string summary = e.SummaryJson(kNow, 10);

  EXPECT_GT(e.NameCount(), 400u);
  EXPECT_TRUE(e.CompactNames());
  // cooking, sports, travel, c1, and politics, c9 (kept by fatigue: shown without engagement).
  EXPECT_EQ(e.NameCount(), 6u);
  EXPECT_FALSE(e.CompactNames());
  EXPECT_EQ(e.ExportJson(kNow), exported);
  EXPECT_EQ(e.SummaryJson(kNow, 10), summary);
  FillCandidates(e, items);
  ASSERT_TRUE(e.Rerank(kNow).ok());
  EXPECT_EQ(e.result().order, order);
  for (std::size_t r = 0; r < scores.size(); ++r) EXPECT_NEAR(e.result().score[r], scores[r], 1e-12);
}

}  // namespace
}  // namespace localrank
