// SPDX-License-Identifier: MIT
// Runs the benchmark workload (a JSON file of scripts/bench/write-workload.mjs)
// through Engine::Rerank and prints the whole result: one line per rank with
// the input index, score, propensity and every reason at full precision. Used
// to check that a change to the core leaves rankings byte-identical
// (`cmp` two dumps), and under callgrind to count instructions per rerank:
//   valgrind --tool=callgrind --toggle-collect='localrank::Engine::Rerank(double)'
//     localrank_rank_dump build/bench/workload-1000.json --runs 10 > /dev/null
// Options vary the inputs so that every stage is exercised: --pin-every K,
// --dup-every K, --adjust (more/less/never preferences), --fatigue (impressions
// and opens of some candidates), --context (events and the call in a context),
// --diversity D, --exploration E, --calibration, --strength S, --top-k K.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fixture.h"

namespace {

using localrank::Engine;
using localrank::NameKind;
using localrank::Preference;
using nlohmann::json;

struct Args {
  std::string workload;
  int runs = 1;
  int pin_every = 0;
  int dup_every = 0;
  bool adjust = false;
  bool fatigue = false;
  bool context = false;
  double diversity = 0.3;
  double exploration = 0.0;
  bool calibration = false;
  double strength = 1.0;
  int top_k = 0;  // 0: the default
};

bool Parse(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (k == "--runs" && (v = next())) a->runs = std::atoi(v);
    else if (k == "--pin-every" && (v = next())) a->pin_every = std::atoi(v);
    else if (k == "--dup-every" && (v = next())) a->dup_every = std::atoi(v);
    else if (k == "--adjust") a->adjust = true;
    else if (k == "--fatigue") a->fatigue = true;
    else if (k == "--context") a->context = true;
    else if (k == "--diversity" && (v = next())) a->diversity = std::atof(v);
    else if (k == "--exploration" && (v = next())) a->exploration = std::atof(v);
    else if (k == "--calibration") a->calibration = true;
    else if (k == "--strength" && (v = next())) a->strength = std::atof(v);
    else if (k == "--top-k" && (v = next())) a->top_k = std::atoi(v);
    else if (k.rfind("--", 0) != 0 && a->workload.empty()) a->workload = k;
    else return false;
  }
  return !a->workload.empty();
}

// Two contexts; every third event happens in the first one.
void AddContexts(Engine& engine) {
  auto& e = engine.events();
  const auto c0 = static_cast<std::int32_t>(engine.names(NameKind::kContext).Intern("intent:commute"));
  const auto c1 = static_cast<std::int32_t>(engine.names(NameKind::kContext).Intern("intent:evening"));
  e.context_ids.clear();
  for (std::size_t i = 0; i < e.size(); ++i) {
    e.context_offsets[i] = static_cast<std::int32_t>(e.context_ids.size());
    e.context_ids.push_back(i % 3 == 0 ? c0 : c1);
  }
  e.context_offsets[e.size()] = static_cast<std::int32_t>(e.context_ids.size());
}

// Impressions of candidates 0..199 (some shown often enough to sink), and
// clicks on every 25th of them (already opened).
json FatigueEvents(const json& items, double now) {
  json out = json::array();
  for (std::size_t i = 0; i < 200 && i < items.size(); ++i) {
    const json& it = items[i];
    const int times = 1 + static_cast<int>(i % 7);
    for (int k = 0; k < times; ++k) {
      out.push_back(json{{"type", "impression"}, {"itemId", it["id"]}, {"topics", it["topics"]},
                         {"creatorId", it["creatorId"]}, {"at", now - 3600000.0 * (k + 1)}});
    }
    if (i % 25 == 0) {
      out.push_back(json{{"type", "click"}, {"itemId", it["id"]}, {"topics", it["topics"]},
                         {"creatorId", it["creatorId"]}, {"at", now - 1000.0}});
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!Parse(argc, argv, &a)) {
    std::fprintf(stderr, "usage: %s WORKLOAD.json [--runs N] [--pin-every K] [--dup-every K] [--adjust] [--fatigue]"
                 " [--context] [--diversity D] [--exploration E] [--calibration] [--strength S] [--top-k K]\n", argv[0]);
    return 2;
  }
  json w = json::parse(localrank::testing::ReadFile(a.workload), nullptr, false);
  if (w.is_discarded()) {
    std::fprintf(stderr, "cannot read %s\n", a.workload.c_str());
    return 2;
  }
  const double now = w["now"].get<double>();
  Engine engine;
  engine.Configure(w["config"].dump());
  localrank::testing::FillEvents(engine, w["events"]);
  if (a.context) AddContexts(engine);
  localrank::Status s = engine.Record(now);
  if (s.ok() && a.fatigue) {
    localrank::testing::FillEvents(engine, FatigueEvents(w["items"], now));
    s = engine.Record(now);
  }
  if (!s.ok()) {
    std::fprintf(stderr, "record: %s\n", s.message().c_str());
    return 1;
  }
  localrank::testing::FillCandidates(engine, w["items"]);
  auto& b = engine.candidates();
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (a.pin_every > 0 && i % static_cast<std::size_t>(a.pin_every) == static_cast<std::size_t>(a.pin_every - 1)) {
      b.flags[i] = localrank::kFlagPinned;
    }
    if (a.dup_every > 0 && i > 0 && i % static_cast<std::size_t>(a.dup_every) == 0) b.key[i] = b.key[i - 1];
  }
  if (a.adjust) {
    const Preference prefs[] = {Preference::kMore, Preference::kLess, Preference::kNever};
    for (std::int32_t id = 0; id < 9; ++id) {
      engine.Adjust(NameKind::kTopic, id * 7, prefs[id % 3]);
      engine.Adjust(NameKind::kCreator, id * 5, prefs[id % 3]);
    }
  }
  auto& o = engine.options();
  o.strength = a.strength;
  o.diversity = a.diversity;
  o.exploration = a.exploration;
  o.calibration = a.calibration;
  if (a.top_k > 0) o.top_k = a.top_k;
  if (a.context) o.context_ids = {static_cast<std::int32_t>(engine.names(NameKind::kContext).Intern("intent:commute"))};
  for (int r = 0; r < a.runs; ++r) {
    s = engine.Rerank(now);
    if (!s.ok()) {
      std::fprintf(stderr, "rerank: %s\n", s.message().c_str());
      return 1;
    }
  }
  const auto& res = engine.result();
  for (std::size_t rank = 0; rank < res.order.size(); ++rank) {
    std::printf("%zu %d %.17g %.17g |", rank, res.order[rank], res.score[rank], res.propensity[rank]);
    for (const localrank::RankedReason& e : res.ReasonsAt(rank)) {
      std::printf(" %d:%d/%d:%.17g", e.kind, static_cast<int>(e.label.kind), e.label.id, e.value);
    }
    std::printf("\n");
  }
  return 0;
}
