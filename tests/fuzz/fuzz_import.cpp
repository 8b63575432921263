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
  // Rank one item per known topic against the imported profile.
  CandidateBatch& c = e.candidates();
  const auto topics = e.names(NameKind::kTopic).size();
  c.Resize(topics);
  c.topic_ids.clear();
  c.topic_weights.clear();
  c.embeddings.clear();
  c.topic_offsets[0] = 0;
  for (std::size_t i = 0; i < topics; ++i) {
    c.key[i] = static_cast<double>(i);
    c.server_score[i] = NAN;
    c.published_at[i] = NAN;
    c.creator[i] = -1;
    c.flags[i] = 0;
    c.topic_ids.push_back(static_cast<std::int32_t>(i));
    c.topic_weights.push_back(1.0f);
    c.topic_offsets[i + 1] = static_cast<std::int32_t>(i + 1);
  }
  Check(e.Rerank(kNow).ok(), "ranking against an imported profile works");
  for (double score : e.result().score) Check(std::isfinite(score), "scores are finite");
  return 0;
}
