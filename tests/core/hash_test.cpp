// SPDX-License-Identifier: MIT
#include "localrank/hash.h"

#include <gtest/gtest.h>

namespace localrank {
namespace {

// Values computed by the JavaScript facade's hashId over the same strings:
// the two must agree or item-level state would not match across builds.
TEST(HashId, MatchesJavaScriptFacade) {
  EXPECT_EQ(HashId("p1"), 231592308308667ull);
  EXPECT_EQ(HashId(""), 3338908027751811ull);
  EXPECT_EQ(HashId("h\xc3\xa9llo-\xe6\x97\xa5\xe6\x9c\xac"), 5802679966786666ull);
  // The facade hashes a lone surrogate of a JavaScript id as its WTF-8 bytes: "ab\uD800".
  EXPECT_EQ(HashId("ab\xed\xa0\x80"), 3549463945119368ull);
}

TEST(HashId, FitsInAJavaScriptNumber) {
  for (const char* s : {"a", "b", "item-12345", "zzzzzzzzzzzzzzzzzzzzzzzz"}) {
    EXPECT_LT(HashId(s), 1ull << 53) << s;
  }
}

TEST(Rng, SameSeedSameSequence) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.NextU32();
    EXPECT_EQ(x, b.NextU32());
    differs |= x != c.NextU32();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, DoublesAreInUnitIntervalAndSpread) {
  Rng r(7);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double d = r.NextDouble();
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
    sum += d;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

}  // namespace
}  // namespace localrank
