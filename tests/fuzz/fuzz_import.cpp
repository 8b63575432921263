// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes -> Engine::ImportJson, on an engine that
// already holds a profile. Invariants: a rejected import leaves the export
// byte-identical; an accepted one round-trips (export -> import -> export is
// lossless) and can be summarised and ranked against.
#include "fuzz_input.h"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace localrank;
  using namespace localrank::fuzz;
  Engine e;
  Check(e.Configure(R"({"dim":3,"maxTopics":20,"maxCreators":20,"maxEvents":50,"maxContexts":4})").ok(), "config");
  SeedOneEvent(e, EventType::kLike);
  const std::string before = e.ExportJson(kNow);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Status s = e.ImportJson(text);
  if (!s.ok()) {
    Check(s.code() == Code::kCorruptProfile || s.code() == Code::kLimitExceeded, "import errors are typed");
    Check(e.ExportJson(kNow) == before, "a rejected import changes nothing");
    return 0;
  }
  const std::string exported = e.ExportJson(kNow);
  Engine copy;
  Check(copy.Configure(R"({"dim":3,"maxTopics":20,"maxCreators":20,"maxEvents":50,"maxContexts":4})").ok(), "config");
  Check(copy.ImportJson(exported).ok(), "an exported profile imports");
  Check(copy.ExportJson(kNow) == exported, "export -> import -> export is lossless");
  e.SummaryJson(kNow, 10);
  RankEveryKnownTopic(e);
  return 0;
}
