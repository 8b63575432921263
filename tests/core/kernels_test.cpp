// SPDX-License-Identifier: MIT
// The fixed-order dot product: close to the exact value, deterministic, and
// correct for every tail length (n not a multiple of 8).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "rank/kernels.h"

namespace localrank {
namespace {

double ExactDot(const std::vector<float>& a, const std::vector<float>& b, int n) {
  double s = 0.0;
  for (int k = 0; k < n; ++k) s += static_cast<double>(a[static_cast<std::size_t>(k)]) * b[static_cast<std::size_t>(k)];
  return s;
}

std::vector<float> Random(std::mt19937& g, int n) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = d(g);
  return v;
}

TEST(Kernels, DotMatchesExactWithinFloatAccumulationErrorForEveryLength) {
  std::mt19937 g(7);
  for (int n = 0; n <= 130; ++n) {
    const auto a = Random(g, n), b = Random(g, n);
    double magnitude = 0.0;
    for (int k = 0; k < n; ++k) magnitude += std::fabs(static_cast<double>(a[static_cast<std::size_t>(k)]) * b[static_cast<std::size_t>(k)]);
    EXPECT_NEAR(kernels::Dot(a.data(), b.data(), n), ExactDot(a, b, n), 1e-6 * (magnitude + 1e-30)) << "n = " << n;
  }
}

TEST(Kernels, DotUsesEveryElementIncludingTheTail) {
  for (int n = 1; n <= 20; ++n) {
    for (int hot = 0; hot < n; ++hot) {
      std::vector<float> a(static_cast<std::size_t>(n), 0.0f), b(static_cast<std::size_t>(n), 1.0f);
      a[static_cast<std::size_t>(hot)] = 3.0f;
      EXPECT_EQ(kernels::Dot(a.data(), b.data(), n), 3.0f) << "n = " << n << ", element " << hot;
    }
  }
}

TEST(Kernels, DotFollowsTheDocumentedReductionOrder) {
  // Values whose float sum depends on the order: the documented tree is the contract
  // that keeps native and WebAssembly (f32x4) results identical.
  std::mt19937 g(11);
  for (int n : {8, 16, 64, 67}) {
    const auto a = Random(g, n), b = Random(g, n);
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int k = 0;
    for (; k + 8 <= n; k += 8) {
      for (int j = 0; j < 8; ++j) acc[j] += a[static_cast<std::size_t>(k + j)] * b[static_cast<std::size_t>(k + j)];
    }
    float tail = 0.0f;
    for (; k < n; ++k) tail += a[static_cast<std::size_t>(k)] * b[static_cast<std::size_t>(k)];
    const float want = (((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))) + tail;
    EXPECT_EQ(kernels::Dot(a.data(), b.data(), n), want) << "n = " << n;
  }
}

}  // namespace
}  // namespace localrank

namespace localrank {
namespace {

TEST(Kernels, AllFiniteFindsNaNAndInfinityAnywhere) {
  for (std::size_t n = 0; n <= 19; ++n) {
    std::vector<float> v(n, 1.5f);
    EXPECT_TRUE(kernels::AllFinite(v.data(), n)) << "n = " << n;
    for (std::size_t bad = 0; bad < n; ++bad) {
      for (float x : {NAN, INFINITY, -INFINITY}) {
        std::vector<float> w = v;
        w[bad] = x;
        EXPECT_FALSE(kernels::AllFinite(w.data(), n)) << "n = " << n << ", at " << bad;
      }
    }
  }
  const float big[] = {3.4e38f, -3.4e38f, 1e-45f, 0.0f, -0.0f};
  EXPECT_TRUE(kernels::AllFinite(big, 5));
}

}  // namespace
}  // namespace localrank
