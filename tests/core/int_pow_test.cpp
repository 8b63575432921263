// SPDX-License-Identifier: MIT
// IntPow (core/src/util/int_pow.h), the ranking's only power: correctly rounded
// where that can be checked exactly, within one unit of std::pow elsewhere.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "util/int_pow.h"

namespace localrank {
namespace {

TEST(IntPow, PowersOfTenAreTheCorrectlyRoundedDecimalLiterals) {
  // strtod rounds "1eN" correctly: 10^N rounded once, over the normal range.
  for (int n = -307; n <= 308; ++n) {
    const double want = std::stod("1e" + std::to_string(n));
    EXPECT_EQ(IntPow(10.0, n), want) << "10^" << n;
  }
}

TEST(IntPow, SquaresAreOneCorrectlyRoundedProduct) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> mantissa(0.5, 1.0), exponent(-400.0, 400.0);
  for (int i = 0; i < 100000; ++i) {
    const double x = mantissa(rng) * std::exp2(std::round(exponent(rng)));
    ASSERT_EQ(IntPow(x, 2), x * x) << std::hexfloat << x;
  }
}

TEST(IntPow, FirstAndSecondPowersAndTheReciprocalAreOneOperation) {
  // Including squares and reciprocals that are subnormal or overflow.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> mantissa(0.5, 1.0), exponent(-1030.0, 1030.0);
  for (int i = 0; i < 100000; ++i) {
    const double x = (i % 2 ? -1.0 : 1.0) * mantissa(rng) * std::exp2(std::round(exponent(rng)));
    ASSERT_EQ(IntPow(x, 1), x) << std::hexfloat << x;
    ASSERT_EQ(IntPow(x, 2), x * x) << std::hexfloat << x;
    ASSERT_EQ(IntPow(x, -1), 1.0 / x) << std::hexfloat << x;
  }
}

TEST(IntPow, WithinOneUnitOfPowEverywhereInTheNormalRange) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> unit(0.0, 1.0), exponent(-60.0, 60.0);
  std::uniform_int_distribution<int> power(-40, 40);
  for (int i = 0; i < 100000; ++i) {
    const double x = unit(rng) * std::exp2(exponent(rng));
    const int n = power(rng);
    const double want = std::pow(x, n);
    if (!std::isnormal(want)) continue;
    const double got = IntPow(x, n);
    ASSERT_LE(std::fabs(got - want), std::fabs(std::nextafter(want, 2.0 * want) - want))
        << std::hexfloat << x << "^" << n;
  }
}

TEST(IntPow, ExactValuesAndEdges) {
  EXPECT_EQ(IntPow(3.0, 20), 3486784401.0);
  EXPECT_EQ(IntPow(2.0, -3), 0.125);
  EXPECT_EQ(IntPow(0.5, 1074), std::ldexp(1.0, -1074));  // the smallest subnormal, exactly
  EXPECT_EQ(IntPow(0.6, 1), 0.6);
  EXPECT_EQ(IntPow(0.6, -1), 1.0 / 0.6);
  EXPECT_EQ(IntPow(-3.0, 3), -27.0);
  EXPECT_EQ(IntPow(0.0, 0), 1.0);
  EXPECT_EQ(IntPow(0.0, 4), 0.0);
  EXPECT_EQ(IntPow(0.6, 10001), 0.0);  // far below the smallest subnormal
  EXPECT_EQ(IntPow(10.0, 400), INFINITY);
  EXPECT_EQ(IntPow(INFINITY, 2), INFINITY);
  EXPECT_TRUE(std::isnan(IntPow(NAN, 3)));
}

}  // namespace
}  // namespace localrank
