// SPDX-License-Identifier: MIT
// The rerank stage's diversity: creator decay and no three in a row, MMR,
// the topic cap, and reasons that still add up to the score.
#include <gtest/gtest.h>

#include "stage_helpers.h"

namespace localrank {
namespace {

using nlohmann::json;
using namespace localrank::testing;

// A person who loves creator "star" and cooking; star posts the best half of the feed.
Engine Fan() {
  Engine e;
  json ev = json::array();
  for (int i = 0; i < 6; ++i) {
    ev.push_back({{"type", "like"}, {"topics", {{"cooking", 1}}}, {"creatorId", "star"}, {"at", kNow - 1000.0 * i}});
  }
  FillEvents(e, ev);
  EXPECT_TRUE(e.Record(kNow).ok());
  return e;
}

json StarFeed() {
  json items = MakeFeed(30, {"cooking", "travel", "music", "sports", "news"}, 6);
  for (int i = 0; i < 15; ++i) items[static_cast<std::size_t>(i)]["creatorId"] = "star";
  return items;
}

TEST(Diversity, NoThreeConsecutiveItemsByOneCreatorAtDefaultSettings) {
  Engine e = Fan();
  auto ranked = Ranked(e, StarFeed());
  ASSERT_EQ(ranked.size(), 30u);
  // Other creators remain, so a run of three is always avoidable.
  for (std::size_t r = 2; r < ranked.size(); ++r) {
    const bool run = ranked[r]["creatorId"] == ranked[r - 1]["creatorId"] && ranked[r]["creatorId"] == ranked[r - 2]["creatorId"];
    if (run) {
      // Only allowed once no other creator is left below.
      for (std::size_t q = r + 1; q < ranked.size(); ++q) EXPECT_EQ(ranked[q]["creatorId"], ranked[r]["creatorId"]) << "rank " << r;
    }
  }
  EXPECT_NE(ranked[0]["creatorId"].get<std::string>() + ranked[1]["creatorId"].get<std::string>() +
                ranked[2]["creatorId"].get<std::string>(),
            "starstarstar");
}

TEST(Diversity, DiversityZeroAllowsCreatorRunsTheDefaultPrevents) {
  Engine e = Fan();
  e.options().diversity = 0.0;
  auto ranked = Ranked(e, StarFeed());
  EXPECT_EQ(ranked[0]["creatorId"], "star");
  EXPECT_EQ(ranked[1]["creatorId"], "star");
  EXPECT_EQ(ranked[2]["creatorId"], "star");
}

TEST(Diversity, CreatorDecaySecondItemKeepsSixTenthsLaterOnesNeverBelowAQuarter) {
  Engine e;
  // Diversity > 0 but MMR cannot act: every item has its own topic.
  json items = json::array();
  for (int i = 0; i < 8; ++i) {
    items.push_back({{"id", "x" + std::to_string(i)}, {"topics", {{"t" + std::to_string(i), 1}}},
                     {"creatorId", i < 6 ? "same" : "other" + std::to_string(i)}, {"serverScore", 1.0 - i * 0.01}});
  }
  FillCandidates(e, items);
  ASSERT_TRUE(e.Rerank(kNow).ok());
  const RankResult& r = e.result();
  int seen = 0;
  for (std::size_t rank = 0; rank < r.order.size(); ++rank) {
    if (items[static_cast<std::size_t>(r.order[rank])]["creatorId"] != "same") continue;
    ++seen;
    double creator_part = 0.0, base = 0.0;
    for (const RankedReason& e : r.ReasonsAt(rank)) {
      if (e.kind == static_cast<int>(ReasonKind::kDiversity) && e.label == ReasonLabel{LabelKind::kPart, static_cast<int>(ReasonPart::kCreatorShown)}) {
        creator_part += e.value;
      } else {
        base += e.value;
      }
    }
    const double kept = (base + creator_part) / base;
    if (seen == 1) {
      EXPECT_DOUBLE_EQ(kept, 1.0);
    }
    if (seen == 2) {
      EXPECT_NEAR(kept, 0.6, 1e-12);
    }
    if (seen >= 3) {
      EXPECT_GE(kept, 0.25 - 1e-12);
    }
    if (seen == 5) {
      EXPECT_NEAR(kept, 0.25, 1e-12);
    }
  }
  EXPECT_EQ(seen, 6);
}

TEST(Diversity, DiversityOptionRaisesIntraListDiversityMonotonically) {
  Engine e;
  // Server scores favour cooking: the first 12 items are cooking.
  json items = json::array();
  for (int i = 0; i < 40; ++i) {
    const std::string topic = i < 12 ? "cooking" : std::vector<std::string>{"travel", "music", "news", "sports"}[i % 4];
    items.push_back({{"id", "d" + std::to_string(i)}, {"topics", {{topic, 1}}}, {"creatorId", "k" + std::to_string(i)},
                     {"serverScore", 1.0 - i * 0.02}});
  }
  FillEvents(e, json::parse(R"([{"type":"like","topics":{"cooking":1},"at":1699999990000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  double previous = -1.0;
  std::vector<double> ild;
  for (double d : {0.0, 0.1, 0.3, 0.6, 1.0}) {
    e.options().diversity = d;
    const double v = IntraListDiversity(Ranked(e, items), 10);
    ild.push_back(v);
    EXPECT_GE(v, previous) << "diversity " << d;
    previous = v;
  }
  EXPECT_GT(ild.back(), ild.front() + 0.2);
}

TEST(Diversity, TopicCapLimitsOneMainTopicToFourOfTheTopTen) {
  Engine e;
  json items = MakeFeed(40, {"cooking"}, 40);
  for (int i = 20; i < 40; ++i) items[static_cast<std::size_t>(i)]["topics"] = {{i % 2 ? "music" : "travel", 1}};
  FillEvents(e, json::parse(R"([{"type":"share","topics":{"cooking":1},"at":1699999990000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  auto ranked = Ranked(e, items);
  int cooking = 0;
  for (std::size_t r = 0; r < 10; ++r) cooking += ranked[r]["topics"].contains("cooking") ? 1 : 0;
  EXPECT_EQ(cooking, 4);
  e.options().diversity = 0.0;
  ranked = Ranked(e, items);
  cooking = 0;
  for (std::size_t r = 0; r < 10; ++r) cooking += ranked[r]["topics"].contains("cooking") ? 1 : 0;
  EXPECT_EQ(cooking, 10);
}

TEST(Diversity, ReasonsAddUpToTheScoreWithEveryStageActive) {
  Engine e = Fan();
  json ev = json::array();
  for (int i = 0; i < 3; ++i) ev.push_back({{"type", "impression"}, {"itemId", "i1"}, {"topics", {{"travel", 1}}}, {"creatorId", "star"}, {"at", kNow - 5000.0}});
  FillEvents(e, ev);
  ASSERT_TRUE(e.Record(kNow).ok());
  e.options().calibration = true;
  e.options().exploration = 0.2;
  json items = StarFeed();
  items[3]["pinned"] = true;
  FillCandidates(e, items);
  ASSERT_TRUE(e.Rerank(kNow).ok());
  const RankResult& r = e.result();
  bool saw[static_cast<int>(ReasonKind::kCount)] = {};
  for (std::size_t rank = 0; rank < r.order.size(); ++rank) {
    EXPECT_NEAR(ReasonSum(r, rank), r.score[rank], 1e-12) << "rank " << rank;
    for (const RankedReason& e : r.ReasonsAt(rank)) saw[e.kind] = true;
  }
  for (ReasonKind k : {ReasonKind::kDiversity, ReasonKind::kExplore, ReasonKind::kFatigue, ReasonKind::kPinned}) {
    EXPECT_TRUE(saw[static_cast<int>(k)]) << ReasonKindName(k);
  }
}

TEST(Diversity, PinnedItemsStayPutWithEveryStageActive) {
  Engine e = Fan();
  e.options().calibration = true;
  e.options().exploration = 0.3;
  e.options().diversity = 1.0;
  json items = StarFeed();
  for (int p : {0, 5, 17}) items[static_cast<std::size_t>(p)]["pinned"] = true;
  FillCandidates(e, items);
  ASSERT_TRUE(e.Rerank(kNow).ok());
  for (int p : {0, 5, 17}) EXPECT_EQ(e.result().order[static_cast<std::size_t>(p)], p);
}

TEST(Diversity, RejectsOptionsOutsideZeroToOneNamingTheField) {
  Engine e;
  FillCandidates(e, MakeFeed(5, {"a", "b"}, 5));
  e.options().diversity = NAN;
  Status s = e.Rerank(kNow);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "options.diversity");
  e.options().diversity = 0.3;
  e.options().exploration = 1.5;
  s = e.Rerank(kNow);
  EXPECT_EQ(s.field(), "options.exploration");
  EXPECT_TRUE(e.result().order.empty());
}

TEST(Diversity, TopKArrangesOnlyTheFirstKSlotsAndTheRestFollowsByScore) {
  Engine e = Fan();
  const json items = StarFeed();
  auto full = Ranked(e, items);
  // With the default, the arranging reaches past rank 5 (else this test could not fail).
  bool arranged_late = false;
  for (std::size_t rank = 5; rank < e.result().order.size(); ++rank) {
    arranged_late = arranged_late || HasKind(e.result(), rank, ReasonKind::kDiversity);
  }
  ASSERT_TRUE(arranged_late);
  e.options().top_k = 5;
  auto top5 = Ranked(e, items);
  ASSERT_EQ(top5.size(), full.size());
  // The first slots are decided the same way; the greedy part never looks ahead.
  for (std::size_t rank = 0; rank < 5; ++rank) EXPECT_EQ(top5[rank]["id"], full[rank]["id"]) << "rank " << rank;
  const RankResult& r = e.result();
  for (std::size_t rank = 5; rank < r.order.size(); ++rank) {
    EXPECT_FALSE(HasKind(r, rank, ReasonKind::kDiversity)) << "rank " << rank;
    if (rank > 5) {
      EXPECT_GE(r.score[rank - 1] + 1e-12, r.score[rank]) << "rank " << rank;
    }
  }
}

// Both ways the stage orders items by score (a comparison sort for small
// batches, a radix sort of the scores' bits for large ones) give score
// descending with ties in input order, zero scores included.
TEST(Diversity, ItemsBeyondTopKFollowByScoreWithTiesInInputOrderAtAnyBatchSize) {
  for (const int n : {40, 600}) {
    Engine e;
    json items = MakeFeed(n, {"a", "b", "c"}, 7);
    // Five distinct server scores, each shared by many items, in no particular order.
    for (int i = 0; i < n; ++i) items[static_cast<std::size_t>(i)]["serverScore"] = static_cast<double>((i * 7) % 5);
    FillCandidates(e, items);
    e.options().diversity = 0.0;
    e.options().top_k = 1;
    ASSERT_TRUE(e.Rerank(kNow).ok());
    const RankResult& r = e.result();
    ASSERT_EQ(r.order.size(), static_cast<std::size_t>(n));
    for (std::size_t rank = 1; rank < r.order.size(); ++rank) {
      const double before = r.score[rank - 1], here = r.score[rank];
      EXPECT_TRUE(before > here || (before == here && r.order[rank - 1] < r.order[rank]))
          << "n " << n << ", rank " << rank;
    }
    EXPECT_EQ(r.score.back(), 0.0) << "n " << n;  // the lowest server score normalises to 0
  }
}

TEST(Diversity, RejectsTopKBelowOneNamingTheField) {
  Engine e;
  FillCandidates(e, MakeFeed(5, {"a", "b"}, 5));
  e.options().top_k = 0;
  const Status s = e.Rerank(kNow);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "options.topK");
  EXPECT_TRUE(e.result().order.empty());
  e.options().top_k = 1;
  EXPECT_TRUE(e.Rerank(kNow).ok());
  EXPECT_EQ(e.result().order.size(), 5u);
}

// Everything a rerank reuses between calls (RankScratch) must not leak into
// the next call: after batches of other sizes, topics and creators, and a
// profile that learnt in between, a batch ranks exactly as on a fresh engine.
TEST(Diversity, RerankingAfterOtherBatchesGivesTheSameResultAsAFreshEngine) {
  auto rank_of = [](Engine& e, const json& items) {
    FillCandidates(e, items);
    EXPECT_TRUE(e.Rerank(kNow).ok());
    return e.result();
  };
  const json a = StarFeed();
  json b = MakeFeed(70, {"news", "sports", "garden", "chess", "film", "cooking", "poetry"}, 19);
  for (std::size_t i = 0; i < b.size(); i += 9) b[i]["pinned"] = true;
  b[12]["id"] = b[3]["id"];  // a duplicate key
  // Learnt between the calls: new interests, and impressions and a click on items of `a`.
  json later = json::array();
  for (int i = 0; i < 4; ++i) {
    later.push_back({{"type", "share"}, {"topics", {{"travel", 1}, {"music", 0.5}}}, {"creatorId", "c2"}, {"at", kNow - 100.0 * i}});
    later.push_back({{"type", "impression"}, {"itemId", a[static_cast<std::size_t>(i)]["id"]}, {"topics", {{"news", 1}}},
                     {"creatorId", "c4"}, {"at", kNow - 50.0}});
  }
  later.push_back({{"type", "click"}, {"itemId", a[5]["id"]}, {"topics", {{"sports", 1}}}, {"at", kNow - 10.0}});
  auto learn = [&](Engine& e) {
    FillEvents(e, later);
    EXPECT_TRUE(e.Record(kNow).ok());
  };
  // Scratch state is what is compared: the learnt model would differ, since
  // the reused engine remembers its earlier rankings and learns from the
  // click on an item of `a` (model.h), which the fresh one never ranked.
  auto no_learning = [](Engine& e) { EXPECT_TRUE(e.Configure(R"({"learning":false})").ok()); };
  Engine fresh = Fan();
  no_learning(fresh);
  // The same names in the same order, so that reason labels (ids) compare.
  FillCandidates(fresh, a);
  FillCandidates(fresh, b);
  FillCandidates(fresh, MakeFeed(3, {"x"}, 1));
  learn(fresh);
  const RankResult want = rank_of(fresh, a);
  Engine reused = Fan();
  no_learning(reused);
  rank_of(reused, a);
  rank_of(reused, b);
  reused.options().top_k = 7;
  rank_of(reused, MakeFeed(3, {"x"}, 1));
  reused.options().top_k = kDefaultTopK;
  learn(reused);
  rank_of(reused, b);
  const RankResult got = rank_of(reused, a);
  EXPECT_EQ(got.order, want.order);
  EXPECT_EQ(got.score, want.score);
  EXPECT_EQ(got.propensity, want.propensity);
  for (std::size_t rank = 0; rank < want.order.size(); ++rank) {
    EXPECT_EQ(got.ReasonsAt(rank), want.ReasonsAt(rank)) << "rank " << rank;
  }
}

}  // namespace
}  // namespace localrank
