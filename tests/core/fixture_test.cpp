// SPDX-License-Identifier: MIT
// Golden parity: the wasm package test (tests/js/parity.test.mjs) checks the
// same expected file, so native and wasm must rank the fixture identically.
#include <gtest/gtest.h>

#include "fixture.h"

namespace localrank {
namespace {

using nlohmann::json;

void ExpectGolden(const std::string& name) {
  const std::string dir = LOCALRANK_FIXTURES_DIR;
  json fixture = json::parse(testing::ReadFile(dir + "/" + name + ".json"), nullptr, false);
  json expected = json::parse(testing::ReadFile(dir + "/" + name + ".expected.json"), nullptr, false);
  ASSERT_FALSE(fixture.is_discarded());
  ASSERT_FALSE(expected.is_discarded());
  json got = testing::RunFixture(fixture);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i]["id"], expected[i]["id"]) << "rank " << i;
    EXPECT_NEAR(got[i]["score"].get<double>(), expected[i]["score"].get<double>(), 1e-9) << "rank " << i;
    ASSERT_EQ(got[i]["reasons"].size(), expected[i]["reasons"].size()) << "rank " << i;
  }
}

TEST(Fixture, NativeRankingMatchesGoldenFile) { ExpectGolden("rank_basic"); }

// Embeddings (dim 19: SIMD blocks plus a tail) go through the dot-product kernels.
TEST(Fixture, NativeRankingWithEmbeddingsMatchesGoldenFile) { ExpectGolden("rank_embeddings"); }

}  // namespace
}  // namespace localrank
