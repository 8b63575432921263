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
  e.names(NameKind::kTopic).Intern("cooking");
  e.names(NameKind::kCreator).Intern("c1");
  EventBatch& b = e.events();
  b.Resize(1);
  b.type[0] = static_cast<int>(EventType::kLike);
  b.at[0] = kNow - 1000;
  b.key[0] = 1;
  b.creator[0] = 0;
  b.dwell_ms[0] = NAN;
  b.expected_ms[0] = NAN;
  b.topic_offsets = {0, 1};
  b.topic_ids = {0};
  b.topic_weights = {1.0f};
  b.context_offsets = {0, 0};
  Check(e.Record(kNow).ok(), "seed event");
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
