// SPDX-License-Identifier: MIT
#include "localrank/ldp.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <gtest/gtest.h>

#include "localrank/hash.h"

namespace localrank {
namespace {

LdpParams Params(LdpMechanism m, double eps, int domain) {
  LdpParams p;
  EXPECT_TRUE(LdpParams::Make(m, eps, domain, &p).ok());
  return p;
}

TEST(Ldp, OueParametersMatchThePaper) {
  const LdpParams p = Params(LdpMechanism::kOue, 1.0, 10);
  const double e = std::exp(1.0);
  EXPECT_DOUBLE_EQ(p.p, 0.5);
  EXPECT_DOUBLE_EQ(p.q, 1.0 / (e + 1.0));
  // Var = n * 4e^eps / (e^eps - 1)^2.
  EXPECT_NEAR(p.ApproxVariance(1000.0), 1000.0 * 4.0 * e / ((e - 1.0) * (e - 1.0)), 1e-6);
  EXPECT_EQ(p.RandomWordsNeeded(), 10);
}

TEST(Ldp, OlhUsesHashRangeRoundedFromEpsilon) {
  const LdpParams p = Params(LdpMechanism::kOlh, 1.0, 500);
  EXPECT_EQ(p.hash_range, 4u);  // round(e + 1)
  const double e = std::exp(1.0);
  EXPECT_DOUBLE_EQ(p.p, e / (e + 3.0));
  EXPECT_DOUBLE_EQ(p.q, 0.25);
  EXPECT_EQ(p.RandomWordsNeeded(), 3);
  EXPECT_EQ(Params(LdpMechanism::kOlh, 0.1, 500).hash_range, 2u);
}

TEST(Ldp, MechanismIsChosenByDomainSize) {
  EXPECT_EQ(RecommendedMechanism(2), LdpMechanism::kOue);
  EXPECT_EQ(RecommendedMechanism(kOueMaxDomain), LdpMechanism::kOue);
  EXPECT_EQ(RecommendedMechanism(kOueMaxDomain + 1), LdpMechanism::kOlh);
}

TEST(Ldp, RejectsEpsilonAndDomainOutOfRange) {
  LdpParams p;
  EXPECT_EQ(LdpParams::Make(LdpMechanism::kOue, 0.0, 5, &p).field(), "epsilonPerReport");
  EXPECT_EQ(LdpParams::Make(LdpMechanism::kOue, NAN, 5, &p).code(), Code::kInvalidArgument);
  EXPECT_EQ(LdpParams::Make(LdpMechanism::kOue, 1.0, 1, &p).field(), "domain");
  EXPECT_EQ(LdpParams::Make(LdpMechanism::kOue, 1.0, kLdpMaxDomain + 1, &p).field(), "domain");
}

TEST(Ldp, RandomWordsDecideEveryBit) {
  const LdpParams p = Params(LdpMechanism::kOue, 1.0, 12);
  LdpReport r;
  std::vector<std::uint32_t> low(12, 0u), high(12, 0xffffffffu);
  ASSERT_TRUE(Perturb(p, 3, low.data(), low.size(), &r).ok());
  EXPECT_EQ(SupportedValues(p, r).size(), 12u);  // every draw below every threshold
  ASSERT_TRUE(Perturb(p, 3, high.data(), high.size(), &r).ok());
  EXPECT_TRUE(SupportedValues(p, r).empty());
  // A word just under 2^31 keeps the true bit (p = 1/2) but sets no other (q < 1/2).
  std::vector<std::uint32_t> mid(12, 0x7fffffffu);
  ASSERT_TRUE(Perturb(p, 3, mid.data(), mid.size(), &r).ok());
  EXPECT_EQ(SupportedValues(p, r), std::vector<std::int32_t>{3});
}

TEST(Ldp, OlhKeepsOrMovesTheHashedValue) {
  const LdpParams p = Params(LdpMechanism::kOlh, 1.0, 300);
  LdpReport r;
  std::vector<std::uint32_t> keep{12345u, 0u, 0u};
  ASSERT_TRUE(Perturb(p, 42, keep.data(), keep.size(), &r).ok());
  EXPECT_EQ(r.y, OlhHash(12345u, 42u, p.hash_range));
  EXPECT_TRUE(Supports(p, r, 42));
  std::vector<std::uint32_t> move{12345u, 0xffffffffu, 0u};
  ASSERT_TRUE(Perturb(p, 42, move.data(), move.size(), &r).ok());
  EXPECT_NE(r.y, OlhHash(12345u, 42u, p.hash_range));
  EXPECT_FALSE(Supports(p, r, 42));
}

TEST(Ldp, PerturbRejectsBadValueAndTooFewWords) {
  const LdpParams p = Params(LdpMechanism::kOue, 1.0, 4);
  std::vector<std::uint32_t> w(4, 1u);
  LdpReport r;
  EXPECT_EQ(Perturb(p, 4, w.data(), w.size(), &r).code(), Code::kInvalidArgument);
  EXPECT_EQ(Perturb(p, -1, w.data(), w.size(), &r).code(), Code::kInvalidArgument);
  EXPECT_EQ(Perturb(p, 0, w.data(), 3, &r).field(), "random");
}

TEST(Ldp, OlhHashIsRoughlyUniform) {
  std::vector<int> hist(4, 0);
  for (std::uint32_t seed = 0; seed < 40000; ++seed) ++hist[OlhHash(seed * 2654435761u, 7u, 4u)];
  for (int h : hist) EXPECT_NEAR(h, 10000, 400);
}

TEST(Ldp, RestoreRejectsSupportAboveReports) {
  FrequencyOracle o(Params(LdpMechanism::kOue, 1.0, 3));
  EXPECT_EQ(o.Restore(2, {1, 3, 0}).index(), 1);
  EXPECT_EQ(o.Restore(2, {1, 2}).code(), Code::kInvalidArgument);
  EXPECT_EQ(o.reports(), 0u);
  EXPECT_TRUE(o.Restore(2, {1, 2, 0}).ok());
  EXPECT_EQ(o.reports(), 2u);
}

TEST(Ldp, SuppressionNeedsMinReports) {
  EXPECT_TRUE(Suppressed(49, 50));
  EXPECT_FALSE(Suppressed(50, 50));
}

// The statistical contract of the estimator: simulate kClients clients drawn
// from a known distribution, `runs` times; every estimate's error is compared
// with its reported standard error and the error variance with the theory.
struct Accuracy {
  double coverage_2se = 0.0;     ///< share of estimates within 2 standard errors
  double variance_ratio = 0.0;   ///< sum of squared errors / sum of exact variances
  double zero_variance_ratio = 0.0;  ///< same, values no client holds, vs n q(1-q)/(p-q)^2
  double first_run_coverage = 0.0;
};

constexpr int kClients = 100000;

Accuracy Simulate(const LdpParams& p, const std::vector<double>& dist, int runs, std::uint64_t seed) {
  Rng rng(seed);
  const int d = p.domain;
  std::vector<double> cdf(dist.size());
  double acc = 0.0;
  for (std::size_t i = 0; i < dist.size(); ++i) cdf[i] = (acc += dist[i]);
  double within = 0, total = 0, sq = 0, var = 0, zsq = 0, zvar = 0, first_within = 0;
  std::vector<std::uint32_t> words(static_cast<std::size_t>(p.RandomWordsNeeded()));
  for (int run = 0; run < runs; ++run) {
    FrequencyOracle oracle(p);
    std::vector<double> truth(static_cast<std::size_t>(d), 0.0);
    LdpReport r;
    for (int c = 0; c < kClients; ++c) {
      const double u = rng.NextDouble();
      int v = 0;
      while (v + 1 < d && u >= cdf[static_cast<std::size_t>(v)]) ++v;
      truth[static_cast<std::size_t>(v)] += 1;
      for (auto& w : words) w = rng.NextU32();
      EXPECT_TRUE(Perturb(p, v, words.data(), words.size(), &r).ok());
      oracle.Add(r);
    }
    for (int v = 0; v < d; ++v) {
      const FrequencyEstimate e = oracle.Estimate(v);
      const double err = e.count - truth[static_cast<std::size_t>(v)];
      const bool in = std::abs(err) <= 2.0 * e.std_error;
      within += in;
      if (run == 0) first_within += in;
      total += 1;
      sq += err * err;
      var += p.Variance(kClients, truth[static_cast<std::size_t>(v)]);
      if (truth[static_cast<std::size_t>(v)] == 0) {
        zsq += err * err;
        zvar += p.ApproxVariance(kClients);
      }
    }
  }
  Accuracy a{within / total, sq / var, zvar > 0 ? zsq / zvar : 0.0, first_within / d};
  std::printf("  %s eps=%g d=%d, %d runs x %d clients: %.2f%% within 2 SE (first run %.2f%%), "
              "error variance / theory = %.3f (unheld values vs n q(1-q)/(p-q)^2: %.3f)\n",
              LdpMechanismName(p.mechanism), p.epsilon, d, runs, kClients, 100 * a.coverage_2se,
              100 * a.first_run_coverage, a.variance_ratio, a.zero_variance_ratio);
  return a;
}

// A Zipf-like distribution over `d - empty` values; the last `empty` values are held by no one.
std::vector<double> Zipf(int d, int empty) {
  std::vector<double> w(static_cast<std::size_t>(d), 0.0);
  double sum = 0;
  for (int i = 0; i < d - empty; ++i) sum += (w[static_cast<std::size_t>(i)] = 1.0 / (i + 1));
  for (double& x : w) x /= sum;
  return w;
}

TEST(LdpStatistics, OueEstimatesOf100kClientsMatchTheirStandardErrors) {
  const LdpParams p = Params(LdpMechanism::kOue, 1.0, 32);
  const Accuracy a = Simulate(p, Zipf(32, 16), 60, 7);
  EXPECT_GE(a.first_run_coverage, 0.90) << "one run of 100k clients";
  EXPECT_GE(a.coverage_2se, 0.95);
  EXPECT_LE(a.coverage_2se, 0.975) << "standard errors too wide";
  EXPECT_NEAR(a.variance_ratio, 1.0, 0.10);
  // For a value nobody holds the variance is the paper's n * 4e^eps / (e^eps - 1)^2.
  EXPECT_NEAR(a.zero_variance_ratio, 1.0, 0.10);
}

TEST(LdpStatistics, OlhEstimatesOf100kClientsMatchTheirStandardErrors) {
  const LdpParams p = Params(LdpMechanism::kOlh, 1.0, 100);
  const Accuracy a = Simulate(p, Zipf(100, 50), 20, 8);
  EXPECT_GE(a.coverage_2se, 0.95);
  EXPECT_LE(a.coverage_2se, 0.975);
  EXPECT_NEAR(a.variance_ratio, 1.0, 0.10);
  EXPECT_NEAR(a.zero_variance_ratio, 1.0, 0.10);
}

}  // namespace
}  // namespace localrank
