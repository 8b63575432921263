// SPDX-License-Identifier: MIT
// The engagement-rate lift (Profile::TopicLift, the `rate` reason): topics
// shown often without engagement lose lift, topics engaged with when shown
// gain it; the evidence is part of the profile (JSON, snapshot, retention).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "stage_helpers.h"

namespace localrank {
namespace {

using nlohmann::json;
using namespace localrank::testing;

// `n` impressions of posts on `topic`, the first `clicked` of them clicked.
json Shown(const std::string& topic, int n, int clicked, double at, const char* context = nullptr) {
  json ev = json::array();
  for (int i = 0; i < n; ++i) {
    json x = {{"type", "impression"}, {"itemId", topic + std::to_string(i)}, {"topics", {{topic, 1}}}, {"at", at + i}};
    if (context) x["contextKeys"] = {std::string("intent:") + context};
    ev.push_back(x);
    if (i < clicked) {
      x["type"] = "click";
      x["at"] = at + i + 0.5;
      ev.push_back(x);
    }
  }
  return ev;
}

double Lift(const Engine& e, const std::string& topic, double now, const char* context = nullptr) {
  std::vector<std::int32_t> ctx;
  if (context) {
    const auto id = e.names(NameKind::kContext).Find(std::string("intent:") + context);
    if (id >= 0) ctx.push_back(static_cast<std::int32_t>(id));
  }
  const Profile::RateLens lens = e.profile().MakeRateLens(e.config(), ctx.data(), static_cast<int>(ctx.size()), now);
  const auto id = e.names(NameKind::kTopic).Find(topic);
  return id < 0 ? 1.0 : e.profile().TopicLift(e.config(), lens, static_cast<std::uint32_t>(id), now);
}

void Record(Engine& e, const json& ev, double now = kNow) {
  FillEvents(e, ev);
  ASSERT_TRUE(e.Record(now).ok());
}

TEST(Rate, ATopicShownOftenWithoutEngagementLosesLiftOneEngagedWithGainsIt) {
  Engine e;
  json ev = Shown("news", 30, 0, kNow - 60000);
  for (const auto& x : Shown("cooking", 10, 5, kNow - 30000)) ev.push_back(x);
  Record(e, ev);
  EXPECT_LT(Lift(e, "news", kNow), 0.8);
  EXPECT_GT(Lift(e, "cooking", kNow), 1.3);
  EXPECT_DOUBLE_EQ(Lift(e, "unseen", kNow), 1.0);
  // More of the same evidence moves it further.
  const double before = Lift(e, "news", kNow);
  Record(e, Shown("news", 30, 0, kNow));
  EXPECT_LT(Lift(e, "news", kNow + 1000), before);
}

TEST(Rate, RanksTheEngagedTopicAboveTheIgnoredOneAndReasonsAddUp) {
  Engine e;
  e.options().diversity = 0.0;
  json ev = Shown("news", 20, 0, kNow - 3 * kMsPerDay);
  for (const auto& x : Shown("cooking", 10, 4, kNow - 3 * kMsPerDay + 100)) ev.push_back(x);
  Record(e, ev, kNow - 3 * kMsPerDay + 1000);
  // Same server score: only the person's rates differ (the clicks also make cooking a topic interest).
  json items = json::array();
  items.push_back({{"id", "a"}, {"topics", {{"news", 1}}}, {"serverScore", 1.0}});
  items.push_back({{"id", "b"}, {"topics", {{"cooking", 1}}}, {"serverScore", 1.0}});
  items.push_back({{"id", "c"}, {"topics", {{"music", 1}}}, {"serverScore", 0.0}});
  const auto ranked = Ranked(e, items);
  ASSERT_EQ(ranked.size(), 3u);
  EXPECT_EQ(ranked[0]["id"], "b");
  const RankResult& r = e.result();
  for (std::size_t rank = 0; rank < r.order.size(); ++rank) {
    EXPECT_NEAR(ReasonSum(r, rank), r.score[rank], 1e-12);
    const std::string id = ranked[rank]["id"];
    const double rate = KindSum(r, rank, ReasonKind::kRate);
    if (id == "a") {
      EXPECT_LT(rate, 0.0);
    } else if (id == "b") {
      EXPECT_GT(rate, 0.0);
    } else {
      EXPECT_FALSE(HasKind(r, rank, ReasonKind::kRate));  // no evidence (and no server part)
    }
  }
  EXPECT_STREQ(ReasonKindName(ReasonKind::kRate), "rate");
}

TEST(Rate, RateWeightZeroTurnsTheTermOff) {
  Engine e;
  ASSERT_TRUE(e.Configure(R"({"rateWeight":0})").ok());
  Record(e, Shown("news", 20, 0, kNow - 1000));
  FillCandidates(e, MakeFeed(6, {"news", "music"}, 3));
  ASSERT_TRUE(e.Rerank(kNow).ok());
  for (std::size_t rank = 0; rank < e.result().order.size(); ++rank) EXPECT_FALSE(HasKind(e.result(), rank, ReasonKind::kRate));
}

TEST(Rate, ConfigIsValidatedNamingTheField) {
  Engine e;
  for (const auto& [text, field] : {std::pair<const char*, const char*>{R"({"rateWeight":-1})", "config.rateWeight"},
                                    {R"({"ratePrior":0})", "config.ratePrior"},
                                    {R"({"rateContextPrior":"x"})", "config.rateContextPrior"}}) {
    const Status s = e.Configure(text);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << text;
    EXPECT_EQ(s.field(), field) << s.message();
  }
  EXPECT_EQ(e.config().w_rate, Config().w_rate);
}

TEST(Rate, AContextLearnsItsOwnLiftShrunkTowardsTheGlobalOne) {
  Engine e;
  json ev = Shown("news", 20, 8, kNow - 60000, "morning");
  for (const auto& x : Shown("news", 20, 0, kNow - 30000, "evening")) ev.push_back(x);
  Record(e, ev);
  const double global = Lift(e, "news", kNow);
  const double morning = Lift(e, "news", kNow, "morning"), evening = Lift(e, "news", kNow, "evening");
  EXPECT_GT(morning, global);
  EXPECT_LT(evening, global);
}

TEST(Rate, AnEngagementWithoutARecordedImpressionCountsAsOne) {
  Engine e;
  // Clicks only (a site that records no impressions): each post was shown once.
  json ev = json::array();
  for (int i = 0; i < 4; ++i) ev.push_back({{"type", "click"}, {"itemId", "p" + std::to_string(i)}, {"topics", {{"news", 1}}}, {"at", kNow - 100 + i}});
  // Its read does not add another.
  ev.push_back({{"type", "dwell"}, {"itemId", "p0"}, {"topics", {{"news", 1}}}, {"dwellMs", 15000}, {"at", kNow - 50}});
  Record(e, ev);
  const auto id = static_cast<std::uint32_t>(e.names(NameKind::kTopic).Find("news"));
  ASSERT_EQ(e.profile().rates.count(id), 1u);
  EXPECT_NEAR(e.profile().rates.at(id).shown.At(kNow, e.config().long_half_life_ms), 4.0, 1e-6);
  // A recorded impression first: the click adds none.
  Engine f;
  Record(f, Shown("news", 1, 1, kNow - 100));
  EXPECT_NEAR(f.profile().rates.at(static_cast<std::uint32_t>(f.names(NameKind::kTopic).Find("news"))).shown.At(kNow, f.config().long_half_life_ms), 1.0, 1e-6);
}

TEST(Rate, EvidenceRoundTripsThroughJsonAndOldProfilesImportWithNone) {
  Engine a;
  Record(a, Shown("news", 12, 3, kNow - 1000, "morning"));
  const std::string text = a.ExportJson(kNow);
  const json j = json::parse(text);
  EXPECT_EQ(j["version"], kProfileSchemaVersion);
  ASSERT_EQ(j["rates"].size(), 1u);
  EXPECT_EQ(j["rates"][0]["name"], "news");
  Engine b;
  ASSERT_TRUE(b.ImportJson(text).ok());
  EXPECT_EQ(b.ExportJson(kNow), text);
  EXPECT_DOUBLE_EQ(Lift(b, "news", kNow, "morning"), Lift(a, "news", kNow, "morning"));
  // A v2 profile (no rates) imports with none, even if it carries the key.
  json v2 = j;
  v2["version"] = 2;
  Engine c;
  ASSERT_TRUE(c.ImportJson(v2.dump()).ok());
  EXPECT_TRUE(c.profile().rates.empty());
  for (const auto& [id, ctx] : c.profile().contexts) EXPECT_TRUE(ctx.rates.empty());
}

TEST(Rate, MalformedEvidenceIsRefusedNamingTheFieldAndChangesNothing) {
  Engine a;
  Record(a, Shown("news", 5, 1, kNow - 1000, "morning"));
  const json good = json::parse(a.ExportJson(kNow));
  Engine target;
  Record(target, Shown("gardening", 3, 1, kNow - 1000));
  const std::string before = target.ExportJson(kNow);
  auto refuse = [&](json bad, const std::string& field) {
    const Status s = target.ImportJson(bad.dump());
    EXPECT_EQ(s.code(), Code::kCorruptProfile) << field;
    EXPECT_EQ(s.field(), field) << s.message();
    EXPECT_EQ(target.ExportJson(kNow), before) << field;
  };
  json bad = good;
  bad["rates"][0]["shown"] = -1;
  refuse(bad, "profile.rates[0].shown");
  bad = good;
  bad["rates"][0].erase("engagedAt");
  refuse(bad, "profile.rates[0].engagedAt");
  bad = good;
  bad["rates"][0]["name"] = "";
  refuse(bad, "profile.rates[0].name");
  bad = good;
  bad["rates"] = json::object();
  refuse(bad, "profile.rates");
  bad = good;
  bad["contexts"][0]["rates"][0]["lastAt"] = "soon";
  refuse(bad, "profile.contexts[0].rates[0].lastAt");
}

TEST(Rate, EvidenceExpiresWithTheRetentionPeriod) {
  Engine e;
  Record(e, Shown("news", 5, 1, kNow - 1000, "morning"));
  ASSERT_FALSE(e.profile().rates.empty());
  // Long after the retention period, any record prunes it (and the context kept for it).
  Record(e, json::array({{{"type", "like"}, {"topics", {{"music", 1}}}, {"at", kNow + 100 * kMsPerDay}}}),
         kNow + 100 * kMsPerDay);
  EXPECT_TRUE(e.profile().rates.size() == 1 && e.profile().rates.count(static_cast<std::uint32_t>(e.names(NameKind::kTopic).Find("music"))) == 1);
  EXPECT_EQ(e.profile().contexts.size(), 0u);
}

}  // namespace
}  // namespace localrank
