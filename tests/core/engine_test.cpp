// SPDX-License-Identifier: MIT
#include "localrank/engine.h"

#include <cmath>

#include <gtest/gtest.h>

#include "fixture.h"

namespace localrank {
namespace {

using nlohmann::json;
using testing::FillEvents;

constexpr double kNow = 1700000000000.0;

TEST(Engine, ConfigRejectsBadValuesNamingTheField) {
  Engine e;
  Status s = e.Configure(R"({"longHalfLifeMs": -5})");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "config.longHalfLifeMs");
  EXPECT_EQ(e.Configure("not json").code(), Code::kInvalidArgument);
  EXPECT_EQ(e.Configure(R"({"eventWeights": {"wink": 1}})").field(), "config.eventWeights.wink");
  EXPECT_TRUE(e.Configure(R"({"eventWeights": {"click": 2}})").ok());
  EXPECT_EQ(e.config().event_weights[static_cast<int>(EventType::kClick)], 2.0);
}

TEST(Engine, BadEventInBatchLeavesProfileUnchanged) {
  Engine e;
  FillEvents(e, json::parse(R"([{"type":"click","topics":{"cooking":1},"at":1699999990000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  const std::string before = e.ExportJson(kNow);
  FillEvents(e, json::parse(R"([{"type":"like","topics":{"cooking":1},"at":1699999991000},
                                {"type":"dwell","topics":{"cooking":1},"at":1699999992000}])"));
  Status s = e.Record(kNow);  // dwell without dwellMs
  EXPECT_EQ(s.code(), Code::kInvalidEvent);
  EXPECT_EQ(s.field(), "events[1].dwellMs");
  EXPECT_EQ(s.index(), 1);
  EXPECT_EQ(e.ExportJson(kNow), before);
}

TEST(Engine, ExportImportRoundTrip) {
  Engine a;
  FillEvents(a, json::parse(R"([{"type":"like","topics":{"cooking":1,"travel":0.5},"creatorId":"c1","at":1699999990000},
                                {"type":"hide","topics":{"sports":1},"at":1699999991000}])"));
  ASSERT_TRUE(a.Record(kNow).ok());
  const std::string exported = a.ExportJson(kNow);
  Engine b;
  ASSERT_TRUE(b.ImportJson(exported).ok());
  EXPECT_EQ(b.ExportJson(kNow), exported);
  EXPECT_EQ(b.SummaryJson(kNow, 10), a.SummaryJson(kNow, 10));
}

TEST(Engine, CorruptOrFutureProfileIsRejectedAndChangesNothing) {
  Engine e;
  FillEvents(e, json::parse(R"([{"type":"click","topics":{"cooking":1},"at":1699999990000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  const std::string before = e.ExportJson(kNow);
  for (const char* bad : {"{", "[]", R"({"schema":"localrank.profile","version":99,"topics":[],"creators":[]})",
                          R"({"schema":"localrank.profile","version":1,"topics":[{"name":"x","long":"NaN"}],"creators":[]})",
                          R"({"schema":"other","version":1})"}) {
    EXPECT_EQ(e.ImportJson(bad).code(), Code::kCorruptProfile) << bad;
    EXPECT_EQ(e.ExportJson(kNow), before) << bad;
  }
}

TEST(Engine, SummaryListsTopTopicsFirst) {
  Engine e;
  FillEvents(e, json::parse(R"([{"type":"share","topics":{"cooking":1},"at":1699999990000},
                                {"type":"click","topics":{"travel":1},"at":1699999990000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  json s = json::parse(e.SummaryJson(kNow, 5));
  ASSERT_EQ(s["topics"].size(), 2u);
  EXPECT_EQ(s["topics"][0]["name"], "cooking");
  EXPECT_EQ(s["totalEvents"], 2);
}

// What the feed believes from impressions (the engagement-rate lift behind
// `rate` reasons) is part of the summary the person sees, most evidence first.
TEST(Engine, SummaryShowsTheEngagementRateOfTopicsShown) {
  Engine e;
  json events = json::array();
  // (A click without an item id also counts as an impression: cooking is shown 4 + 2 times.)
  for (int i = 0; i < 8; ++i) {
    events.push_back({{"type", "impression"}, {"topics", {{"news", 1}}}, {"at", 1699999990000.0 + i}});
    if (i < 4) events.push_back({{"type", "impression"}, {"topics", {{"cooking", 1}}}, {"at", 1699999990000.0 + i}});
    if (i < 2) events.push_back({{"type", "click"}, {"topics", {{"cooking", 1}}}, {"at", 1699999991000.0 + i}});
  }
  FillEvents(e, events);
  ASSERT_TRUE(e.Record(kNow).ok());
  json s = json::parse(e.SummaryJson(kNow, 5));
  ASSERT_EQ(s["engagement"].size(), 2u);
  EXPECT_EQ(s["engagement"][0]["name"], "news");  // shown most
  EXPECT_NEAR(s["engagement"][0]["shown"].get<double>(), 8.0, 1e-3);
  EXPECT_LT(s["engagement"][0]["lift"].get<double>(), 1.0);
  EXPECT_EQ(s["engagement"][1]["name"], "cooking");
  EXPECT_GT(s["engagement"][1]["lift"].get<double>(), 1.0);
  EXPECT_GT(s["engagement"][1]["engaged"].get<double>(), 0.0);
  EXPECT_EQ(json::parse(e.SummaryJson(kNow, 1))["engagement"].size(), 1u);
}

}  // namespace
}  // namespace localrank

namespace localrank {
namespace {

TEST(Engine, VersionOneProfileIsMigrated) {
  Engine e;
  const std::string v1 = testing::ReadFile(std::string(LOCALRANK_FIXTURES_DIR) + "/profile_v1.json");
  ASSERT_FALSE(v1.empty());
  ASSERT_TRUE(e.ImportJson(v1).ok());
  json out = json::parse(e.ExportJson(kNow));
  EXPECT_EQ(out["version"], kProfileSchemaVersion);
  EXPECT_EQ(out["topics"].size(), 2u);
  EXPECT_EQ(out["events"].size(), 3u);
  EXPECT_TRUE(out["contexts"].empty());
}

TEST(Engine, AdjustRejectsUnknownIdsAndRoundTripsPreferences) {
  Engine e;
  EXPECT_EQ(e.Adjust(NameKind::kTopic, 0, Preference::kMore).code(), Code::kInvalidArgument);
  const auto id = static_cast<std::int32_t>(e.names(NameKind::kTopic).Intern("cooking"));
  ASSERT_TRUE(e.Adjust(NameKind::kTopic, id, Preference::kNever).ok());
  Engine f;
  ASSERT_TRUE(f.ImportJson(e.ExportJson(kNow)).ok());
  EXPECT_EQ(json::parse(f.ExportJson(kNow))["preferences"]["topics"]["cooking"], "never");
  ASSERT_TRUE(e.Adjust(NameKind::kTopic, id, Preference::kNone).ok());
  EXPECT_TRUE(json::parse(e.ExportJson(kNow))["preferences"]["topics"].empty());
}

}  // namespace
}  // namespace localrank
