// SPDX-License-Identifier: MIT
// Usage: localrank_rank_fixture FIXTURE.json  -> prints the ranking as JSON.
#include <cstdio>

#include "fixture.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FIXTURE.json\n", argv[0]);
    return 2;
  }
  auto j = nlohmann::json::parse(localrank::testing::ReadFile(argv[1]), nullptr, false);
  if (j.is_discarded()) {
    std::fprintf(stderr, "cannot parse %s\n", argv[1]);
    return 1;
  }
  std::printf("%s\n", localrank::testing::RunFixture(j).dump(2).c_str());
  return 0;
}
