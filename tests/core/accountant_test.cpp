// SPDX-License-Identifier: MIT
#include "localrank/accountant.h"

#include <cmath>

#include <gtest/gtest.h>

namespace localrank {
namespace {

constexpr double kDay = 24.0 * 3600 * 1000;
constexpr double kT0 = 1700000000000.0;

TEST(Accountant, DefaultCapIsFourPerThirtyDays) {
  PrivacyAccountant a;
  EXPECT_EQ(a.epsilon_cap(), 4.0);
  EXPECT_EQ(a.window_ms(), 30 * kDay);
}

TEST(Accountant, RefusesPastTheCapAndChangesNothing) {
  PrivacyAccountant a;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(a.Charge(1.0, kT0 + i * kDay).ok()) << i;
  const std::string before = a.ToJson(kT0 + 4 * kDay);
  const Status s = a.Charge(1.0, kT0 + 4 * kDay);
  EXPECT_EQ(s.code(), Code::kBudgetExhausted);
  EXPECT_EQ(a.ToJson(kT0 + 4 * kDay), before);
  EXPECT_EQ(a.Remaining(kT0 + 4 * kDay), 0.0);
}

TEST(Accountant, WindowRollsSpendsOut) {
  PrivacyAccountant a;
  ASSERT_TRUE(a.Charge(2.0, kT0).ok());
  ASSERT_TRUE(a.Charge(2.0, kT0 + 10 * kDay).ok());
  EXPECT_FALSE(a.CanSpend(0.5, kT0 + 29 * kDay));
  // The first spend leaves the window 30 days after it was made.
  EXPECT_EQ(a.NextAvailable(0.5, kT0 + 29 * kDay), kT0 + 30 * kDay);
  EXPECT_TRUE(a.CanSpend(2.0, kT0 + 30 * kDay));
  EXPECT_FALSE(a.CanSpend(2.5, kT0 + 30 * kDay));
  EXPECT_EQ(a.Spent(kT0 + 41 * kDay), 0.0);
}

TEST(Accountant, NoWindowEverExceedsTheCap) {
  PrivacyAccountant a;
  int sent = 0;
  // Try to send every 6 hours for 120 days; count the spend in every window.
  for (double t = kT0; t < kT0 + 120 * kDay; t += kDay / 4) sent += a.Charge(1.0, t).ok();
  EXPECT_EQ(sent, 16);  // 4 per 30 days
  for (double end = kT0; end < kT0 + 120 * kDay; end += kDay / 4) EXPECT_LE(a.Spent(end), 4.0 + 1e-9);
}

TEST(Accountant, ClockGoingBackStillCountsLaterSpends) {
  PrivacyAccountant a;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(a.Charge(1.0, kT0).ok());
  EXPECT_EQ(a.Charge(1.0, kT0 - 365 * kDay).code(), Code::kBudgetExhausted);
}

TEST(Accountant, LedgerSurvivesAReload) {
  PrivacyAccountant a;
  ASSERT_TRUE(a.Configure(2.0, 7 * kDay).ok());
  ASSERT_TRUE(a.Charge(1.0, kT0).ok());
  ASSERT_TRUE(a.Charge(1.0, kT0 + kDay).ok());
  const std::string saved = a.ToJson(kT0 + kDay);
  PrivacyAccountant b;
  ASSERT_TRUE(b.Configure(2.0, 7 * kDay).ok());
  ASSERT_TRUE(b.FromJson(saved).ok());
  EXPECT_EQ(b.Charge(1.0, kT0 + 2 * kDay).code(), Code::kBudgetExhausted);
  EXPECT_TRUE(b.Charge(1.0, kT0 + 7 * kDay).ok());
}

TEST(Accountant, CorruptLedgerIsRejectedAndChangesNothing) {
  PrivacyAccountant a;
  ASSERT_TRUE(a.Charge(1.0, kT0).ok());
  EXPECT_EQ(a.FromJson("{").code(), Code::kCorruptProfile);
  EXPECT_EQ(a.FromJson(R"({"schema":"localrank.privacy-ledger","version":1,"spends":[{"at":1,"epsilon":-1}]})").field(),
            "ledger.spends[0]");
  EXPECT_EQ(a.FromJson(R"({"schema":"other","version":1,"spends":[]})").field(), "ledger.schema");
  EXPECT_EQ(a.spends().size(), 1u);
}

TEST(Accountant, ConfigureRejectsNonPositiveCapOrWindow) {
  PrivacyAccountant a;
  EXPECT_EQ(a.Configure(0.0, kDay).field(), "privacy.epsilonCap");
  EXPECT_EQ(a.Configure(4.0, -1).field(), "privacy.windowDays");
  EXPECT_EQ(a.Configure(INFINITY, 7 * kDay).code(), Code::kInvalidArgument);
  // Hard bounds (issue 22): a cap above 8 or a window under 7 days is refused.
  EXPECT_EQ(a.Configure(8.5, 30 * kDay).field(), "privacy.epsilonCap");
  EXPECT_EQ(a.Configure(1000, 30 * kDay).field(), "privacy.epsilonCap");
  EXPECT_EQ(a.Configure(4.0, kDay / 24).field(), "privacy.windowDays");
  EXPECT_EQ(a.Configure(4.0, 6.9 * kDay).field(), "privacy.windowDays");
  EXPECT_TRUE(PrivacyAccountant().Configure(8.0, 7 * kDay).ok());
  EXPECT_EQ(a.epsilon_cap(), 4.0);
}

TEST(Accountant, ExpiredSpendsAreNotWrittenToTheLedger) {
  PrivacyAccountant a;
  ASSERT_TRUE(a.Charge(1.0, kT0).ok());
  ASSERT_TRUE(a.Charge(1.0, kT0 + 40 * kDay).ok());
  EXPECT_EQ(a.spends().size(), 1u);
  EXPECT_EQ(a.ToJson(kT0 + 80 * kDay).find("\"at\""), std::string::npos);
}

}  // namespace
}  // namespace localrank
