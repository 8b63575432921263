// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes -> event batches (valid, hostile values, broken
// layouts) -> Engine::Record, several times. Invariants: a rejected batch
// leaves the exported profile byte-identical; an accepted one keeps every cap;
// export -> import -> export is lossless; compacting the name tables changes
// neither the export nor the ranking.
#include "fuzz_input.h"

#include <nlohmann/json.hpp>

namespace localrank::fuzz {
namespace {

void CheckCaps(const Engine& e) {
  const Config& c = e.config();
  const Profile& p = e.profile();
  Check(static_cast<int>(p.topics.size()) <= c.max_topics, "topics stay within maxTopics");
  Check(static_cast<int>(p.creators.size()) <= c.max_creators, "creators stay within maxCreators");
  Check(static_cast<int>(p.contexts.size()) <= c.max_contexts, "contexts stay within maxContexts");
  for (const auto& [id, ctx] : p.contexts) {
    Check(static_cast<int>(ctx.topics.size()) <= c.max_context_topics, "context topics stay within maxContextTopics");
  }
  Check(static_cast<int>(p.events.size()) <= c.max_events, "stored events stay within maxEvents");
  for (float v : p.user_vector) Check(std::isfinite(v), "the user vector stays finite");
}

}  // namespace
}  // namespace localrank::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace localrank;
  using namespace localrank::fuzz;
  FuzzedDataProvider in(data, size);
  Engine e;
  Setup(in, e);
  const int batches = in.ConsumeIntegralInRange<int>(1, 4);
  for (int round = 0; round < batches; ++round) {
    FillEvents(in, e, 32, /*strict=*/in.ConsumeIntegralInRange<int>(0, 2) == 0);
    const double now = in.ConsumeIntegralInRange<int>(0, 15) == 0 ? Number(in, 0, 2 * kNow) : kNow;
    const std::string before = e.ExportJson(kNow);
    const Status s = e.Record(now);
    if (!s.ok()) {
      Check(e.ExportJson(kNow) == before, "a rejected batch changes nothing");
      Check(!s.field().empty() && !s.message().empty(), "errors name a field and say why");
      continue;
    }
    CheckCaps(e);
  }
  const std::string exported = e.ExportJson(kNow);
  Check(nlohmann::json::accept(exported), "the export is valid JSON");
  Engine copy;
  Check(copy.Configure(nlohmann::json{{"dim", e.config().dim},
                                      {"maxTopics", e.config().max_topics},
                                      {"maxCreators", e.config().max_creators},
                                      {"maxEvents", e.config().max_events},
                                      {"maxContexts", e.config().max_contexts},
                                      {"maxContextTopics", e.config().max_context_topics}}
                                .dump())
            .ok(),
        "the same config is accepted twice");
  const Status imported = copy.ImportJson(exported);
  if (!imported.ok()) std::fprintf(stderr, "%s: %s\n", imported.field().c_str(), imported.message().c_str());
  Check(imported.ok(), "an exported profile imports");
  Check(copy.ExportJson(kNow) == exported, "export -> import -> export is lossless");
  // Compaction keeps what the names mean.
  const std::string summary = e.SummaryJson(kNow, 50);
  e.CompactNames();
  Check(e.ExportJson(kNow) == exported, "compacting names keeps the export");
  Check(e.SummaryJson(kNow, 50) == summary, "compacting names keeps the summary");
  return 0;
}
