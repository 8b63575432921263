// SPDX-License-Identifier: MIT
// Calibration (Steck 2018): the topic mix of the top 10 stays close in KL to
// the person's interest mix instead of collapsing onto the top topic.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "stage_helpers.h"

namespace localrank {
namespace {

using nlohmann::json;
using namespace localrank::testing;

// KL(p || q~) of the top 10 against p (same smoothing as the ranker).
double TopKl(const std::vector<json>& ranked, const std::map<std::string, double>& p) {
  std::map<std::string, double> q;
  for (std::size_t r = 0; r < 10; ++r) q[ranked[r]["topics"].begin().key()] += 0.1;
  double kl = 0.0;
  for (const auto& [t, pt] : p) kl += pt * std::log(pt / (0.99 * q[t] + 0.01 * pt));
  return kl;
}

TEST(Calibration, LowersKlOfTheTopTenAgainstTheUncalibratedRanking) {
  Engine e;
  // Interest mix: cooking 6, travel 3, music 1 (likes weigh 2 each).
  json ev = json::array();
  const std::map<std::string, int> likes = {{"cooking", 6}, {"travel", 3}, {"music", 1}};
  for (const auto& [topic, n] : likes) {
    for (int i = 0; i < n; ++i) ev.push_back({{"type", "like"}, {"topics", {{topic, 1}}}, {"at", kNow - 3 * kMsPerDay - i}});
  }
  FillEvents(e, ev);
  ASSERT_TRUE(e.Record(kNow).ok());
  std::map<std::string, double> p;
  double total = 0.0;
  for (const auto& [topic, n] : likes) total += n;
  for (const auto& [topic, n] : likes) p[topic] = n / total;
  // Cooking items have the best server scores.
  json items = json::array();
  for (int i = 0; i < 30; ++i) {
    const std::string topic = i < 15 ? "cooking" : std::vector<std::string>{"travel", "music", "news"}[i % 3];
    items.push_back({{"id", "k" + std::to_string(i)}, {"topics", {{topic, 1}}}, {"creatorId", "c" + std::to_string(i)},
                     {"serverScore", 1.0 - i * 0.03}});
  }
  e.options().diversity = 0.0;
  const double plain = TopKl(Ranked(e, items), p);
  e.options().calibration = true;
  const double calibrated = TopKl(Ranked(e, items), p);
  std::printf("calibration KL of the top 10: uncalibrated %.4f, calibrated %.4f\n", plain, calibrated);
  ::testing::Test::RecordProperty("kl_uncalibrated", std::to_string(plain));
  ::testing::Test::RecordProperty("kl_calibrated", std::to_string(calibrated));
  EXPECT_LT(calibrated, plain * 0.7);
  // Reasons name calibration and still add up.
  bool saw = false;
  for (std::size_t r = 0; r < e.result().order.size(); ++r) {
    EXPECT_NEAR(ReasonSum(e.result(), r), e.result().score[r], 1e-12);
    for (const RankedReason& x : e.result().ReasonsAt(r)) {
      saw |= x.label == ReasonLabel{LabelKind::kPart, static_cast<int>(ReasonPart::kCalibration)} &&
             x.kind == static_cast<int>(ReasonKind::kDiversity);
    }
  }
  EXPECT_TRUE(saw);
}

TEST(Calibration, KlIsZeroForAMatchingListAndGrowsWithMismatch) {
  const std::vector<std::pair<std::int32_t, double>> p = {{0, 0.5}, {1, 0.5}};
  const double match[] = {5.0, 5.0};
  const double skew[] = {9.0, 1.0};
  const double none[] = {0.0, 0.0};
  EXPECT_NEAR(CalibrationKl(p, match, 10.0, 0.0), 0.0, 1e-12);
  EXPECT_GT(CalibrationKl(p, skew, 10.0, 0.01), CalibrationKl(p, match, 10.0, 0.01));
  EXPECT_NEAR(CalibrationKl(p, none, 0.0, 0.01), std::log(100.0), 1e-9);
}

}  // namespace
}  // namespace localrank
