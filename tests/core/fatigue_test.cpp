// SPDX-License-Identifier: MIT
// Fatigue: impressions without engagement lower an item, its creator and its
// topics for a while, then recover; engagement clears it; state is bounded
// and travels with the profile export.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "stage_helpers.h"

namespace localrank {
namespace {

using nlohmann::json;
using namespace localrank::testing;

json Impressions(const std::string& item, int n, double at) {
  json ev = json::array();
  for (int i = 0; i < n; ++i) {
    ev.push_back({{"type", "impression"}, {"itemId", item}, {"topics", {{"travel", 1}}}, {"creatorId", "c1"}, {"at", at + i}});
  }
  return ev;
}

double ScoreOf(Engine& e, const json& items, const std::string& id, double now) {
  FillCandidates(e, items);
  EXPECT_TRUE(e.Rerank(now).ok());
  for (std::size_t r = 0; r < e.result().order.size(); ++r) {
    if (items[static_cast<std::size_t>(e.result().order[r])]["id"] == id) return e.result().score[r];
  }
  return NAN;
}

TEST(Fatigue, ImpressionsWithoutEngagementLowerThenRecoverOverTime) {
  Engine e;
  // Fatigue alone: the engagement-rate lift (which also learns from these
  // impressions, on the long half-life) has its own tests (rate_test.cpp).
  ASSERT_TRUE(e.Configure(R"({"rateWeight":0})").ok());
  e.options().diversity = 0.0;
  const json items = MakeFeed(6, {"travel", "music", "news"}, 6);
  const double fresh = ScoreOf(e, items, "i0", kNow);
  FillEvents(e, Impressions("i0", 3, kNow));
  ASSERT_TRUE(e.Record(kNow).ok());
  const double tired = ScoreOf(e, items, "i0", kNow + 1000);
  EXPECT_LT(tired, fresh - 0.3);
  EXPECT_TRUE(HasKind(e.result(), 0, ReasonKind::kFatigue) || HasKind(e.result(), 1, ReasonKind::kFatigue) ||
              HasKind(e.result(), 2, ReasonKind::kFatigue));
  // Half a day later it has partly recovered, a week later fully.
  const double later = ScoreOf(e, items, "i0", kNow + 12 * kMsPerHour);
  EXPECT_GT(later, tired);
  EXPECT_LT(later, fresh);
  EXPECT_NEAR(ScoreOf(e, items, "i0", kNow + 14 * kMsPerDay), fresh, 1e-3);
}

TEST(Fatigue, CreatorAndTopicOfAnIgnoredItemTireToo) {
  Engine e;
  e.options().diversity = 0.0;
  const json items = MakeFeed(6, {"travel", "music", "news"}, 6);
  const double sibling = ScoreOf(e, items, "i3", kNow);  // travel, creator c3
  FillEvents(e, Impressions("i0", 4, kNow));         // travel, creator c1
  ASSERT_TRUE(e.Record(kNow).ok());
  EXPECT_LT(ScoreOf(e, items, "i3", kNow + 1000), sibling);
}

TEST(Fatigue, EngagementClearsFatigue) {
  Engine e;
  e.options().diversity = 0.0;
  const json items = MakeFeed(6, {"travel", "music", "news"}, 6);
  FillEvents(e, Impressions("i0", 3, kNow));
  ASSERT_TRUE(e.Record(kNow).ok());
  FillEvents(e, json::parse(R"([{"type":"click","itemId":"i0","topics":{"travel":1},"creatorId":"c1","at":1700000000100}])"));
  ASSERT_TRUE(e.Record(kNow + 200).ok());
  EXPECT_TRUE(e.fatigue().items.empty());
  EXPECT_TRUE(e.fatigue().creators.empty());
  EXPECT_TRUE(e.fatigue().topics.empty());
  EXPECT_EQ(e.fatigue().opened.size(), 1u);  // the clicked item is now "opened"
  FillCandidates(e, items);
  ASSERT_TRUE(e.Rerank(kNow + 300).ok());
  for (std::size_t r = 0; r < e.result().order.size(); ++r) EXPECT_FALSE(HasKind(e.result(), r, ReasonKind::kFatigue));
}

TEST(Fatigue, AnOpenedItemIsNotServedAgainAtTheTopUntilItRecovers) {
  Engine e;
  const json items = MakeFeed(6, {"travel", "music", "news"}, 6);
  FillEvents(e, json::parse(R"([{"type":"like","itemId":"i0","topics":{"travel":1},"creatorId":"c1","at":1700000000000}])"));
  ASSERT_TRUE(e.Record(kNow).ok());
  FillCandidates(e, items);
  ASSERT_TRUE(e.Rerank(kNow + 1000).ok());
  const auto& r = e.result();
  EXPECT_EQ(r.order.back(), 0);  // i0 sinks below everything
  bool marked = false;
  const std::size_t last = r.order.size() - 1;
  for (const RankedReason& x : r.ReasonsAt(last)) {
    marked |= x.kind == static_cast<int>(ReasonKind::kSeen) && x.label == ReasonLabel{LabelKind::kPart, static_cast<int>(ReasonPart::kOpened)};
  }
  EXPECT_TRUE(marked);
  // After the opened half-life it competes again (and its topic is liked).
  FillCandidates(e, items);
  ASSERT_TRUE(e.Rerank(kNow + 4 * kMsPerDay).ok());
  EXPECT_NE(e.result().order.back(), 0);
}

TEST(Fatigue, AnItemSeenTooOftenSinksBelowTheRestMarkedSeen) {
  Engine e;
  const json items = MakeFeed(6, {"travel", "music", "news"}, 6);
  FillEvents(e, Impressions("i0", 6, kNow));
  ASSERT_TRUE(e.Record(kNow).ok());
  FillCandidates(e, items);
  ASSERT_TRUE(e.Rerank(kNow + 1000).ok());
  EXPECT_EQ(e.result().order.back(), 0);
  EXPECT_TRUE(HasKind(e.result(), e.result().order.size() - 1, ReasonKind::kSeen));
}

TEST(Fatigue, StateIsBoundedAndForgetsRecoveredEntries) {
  Engine e;
  json ev = json::array();
  for (int i = 0; i < 2500; ++i) ev.push_back({{"type", "impression"}, {"itemId", "m" + std::to_string(i)}, {"at", kNow}});
  FillEvents(e, ev);
  ASSERT_TRUE(e.Record(kNow).ok());
  EXPECT_EQ(e.fatigue().items.size(), static_cast<std::size_t>(DefaultRankTuning().fatigue.max_items));
  FillEvents(e, json::array());
  ASSERT_TRUE(e.Record(kNow + 30 * kMsPerDay).ok());
  EXPECT_TRUE(e.fatigue().items.empty());
}

// The reference: what FatigueTable::Prune replaces, a full scan with a sort.
void ScanPrune(std::map<std::uint32_t, Decayed>& m, double half_life, double forget, std::size_t cap, double now) {
  for (auto it = m.begin(); it != m.end();) it = it->second.At(now, half_life) < forget ? m.erase(it) : std::next(it);
  if (m.size() <= cap) return;
  std::vector<std::pair<double, std::uint32_t>> v;
  for (const auto& [k, d] : m) v.emplace_back(d.At(now, half_life), k);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  for (std::size_t i = cap; i < v.size(); ++i) m.erase(v[i].second);
}

TEST(Fatigue, TablePrunesExactlyLikeAFullScanWithoutScanning) {
  // Random adds, erases and prunes on a few keys and times (many ties, some
  // entries stamped after `now`): the heap-pruned table must always hold
  // exactly what a scan-and-sort of every entry would keep.
  constexpr double kHalfLife = 24 * kMsPerHour;
  constexpr std::size_t kCap = 12;
  std::mt19937 rng(7);
  FatigueTable<std::uint32_t> table;
  std::map<std::uint32_t, Decayed> reference;
  double now = kNow;
  for (int step = 0; step < 20000; ++step) {
    const auto key = static_cast<std::uint32_t>(rng() % 40);
    const int op = static_cast<int>(rng() % 10);
    if (op < 6) {
      // Event times on a coarse grid around now: equal ranks happen often.
      const double at = now + (static_cast<double>(rng() % 9) - 6.0) * 3 * kMsPerHour;
      const double delta = rng() % 3 == 0 ? 0.25 : 1.0;
      table.Add(key, delta, at, kHalfLife);
      reference[key].Add(delta, at, kHalfLife);
    } else if (op < 8) {
      table.Erase(key);
      reference.erase(key);
    } else {
      now += static_cast<double>(rng() % 5) * kMsPerHour;
      table.Prune(kHalfLife, 0.05, static_cast<int>(kCap), now);
      ScanPrune(reference, kHalfLife, 0.05, kCap, now);
      ASSERT_EQ(table.size(), reference.size()) << "step " << step;
      for (const auto& [k, d] : reference) {
        auto it = table.entries().find(k);
        ASSERT_NE(it, table.end()) << "step " << step << " key " << k;
        EXPECT_EQ(it->second.value, d.value);
        EXPECT_EQ(it->second.t, d.t);
      }
    }
  }
}

TEST(Fatigue, RoundTripsThroughExportAndImport) {
  Engine a;
  FillEvents(a, Impressions("i0", 3, kNow));
  ASSERT_TRUE(a.Record(kNow).ok());
  const std::string exported = a.ExportJson(kNow);
  ASSERT_NE(exported.find("\"fatigue\""), std::string::npos);
  Engine b;
  ASSERT_TRUE(b.ImportJson(exported).ok());
  EXPECT_EQ(b.ExportJson(kNow), exported);
  const json items = MakeFeed(6, {"travel", "music", "news"}, 6);
  EXPECT_DOUBLE_EQ(ScoreOf(a, items, "i0", kNow + 1), ScoreOf(b, items, "i0", kNow + 1));
}

TEST(Fatigue, CorruptFatigueSectionIsRejectedAndChangesNothing) {
  Engine a;
  FillEvents(a, Impressions("i0", 3, kNow));
  ASSERT_TRUE(a.Record(kNow).ok());
  json j = json::parse(a.ExportJson(kNow));
  j["fatigue"]["items"][0]["count"] = -1;
  Engine b;
  FillEvents(b, Impressions("i9", 2, kNow));
  ASSERT_TRUE(b.Record(kNow).ok());
  const std::string before = b.ExportJson(kNow);
  Status s = b.ImportJson(j.dump());
  EXPECT_EQ(s.code(), Code::kCorruptProfile);
  EXPECT_EQ(s.field(), "profile.fatigue.items[0]");
  EXPECT_EQ(b.ExportJson(kNow), before);
}

TEST(Fatigue, AProfileWithoutAFatigueSectionImportsWithNone) {
  Engine a;
  ASSERT_TRUE(a.ImportJson(R"({"schema":"localrank.profile","version":2,"topics":[],"creators":[]})").ok());
  EXPECT_TRUE(a.fatigue().empty());
}

}  // namespace
}  // namespace localrank
