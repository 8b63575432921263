// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes -> Engine::ImportSnapshot (the binary storage
// format), on an engine that already holds a profile. Invariants: a rejected
// snapshot fails with a typed error and leaves the engine byte-identical; an
// accepted one is a state both formats can hold (snapshot -> import ->
// snapshot is lossless, and so is the JSON export -> import -> export of it),
// and it can be summarised and ranked against.
#include "fuzz_input.h"

#include <vector>

namespace {

constexpr const char* kConfig = R"({"dim":3,"maxTopics":20,"maxCreators":20,"maxEvents":50,"maxContexts":4,"maxContextTopics":8})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace localrank;
  using namespace localrank::fuzz;
  Engine e;
  Check(e.Configure(kConfig).ok(), "config");
  SeedOneEvent(e, EventType::kImpression);
  std::vector<std::uint8_t> before;
  e.ExportSnapshot(&before);
  const Status s = e.ImportSnapshot(data, size);
  if (!s.ok()) {
    Check(s.code() == Code::kCorruptProfile || s.code() == Code::kLimitExceeded, "snapshot errors are typed");
    Check(!s.field().empty() && s.message().find(s.field()) != std::string::npos, "errors name the field");
    std::vector<std::uint8_t> after;
    e.ExportSnapshot(&after);
    Check(after == before, "a rejected snapshot changes nothing");
    return 0;
  }
  std::vector<std::uint8_t> exported;
  e.ExportSnapshot(&exported);
  Engine copy;
  Check(copy.Configure(kConfig).ok(), "config");
  Check(copy.ImportSnapshot(exported.data(), exported.size()).ok(), "an exported snapshot imports");
  std::vector<std::uint8_t> again;
  copy.ExportSnapshot(&again);
  Check(again == exported, "snapshot -> import -> snapshot is lossless");
  const std::string json = e.ExportJson(kNow);
  Engine via_json;
  Check(via_json.Configure(kConfig).ok(), "config");
  Check(via_json.ImportJson(json).ok(), "an accepted snapshot's JSON export imports");
  Check(via_json.ExportJson(kNow) == json, "and its JSON round trip is lossless");
  e.SummaryJson(kNow, 10);
  RankEveryKnownTopic(e);
  return 0;
}
