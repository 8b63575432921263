// SPDX-License-Identifier: MIT
// Native Google Benchmark of the core on the same workload as the Node
// benchmark (JSON files written by scripts/bench/write-workload.mjs into
// $LOCALRANK_BENCH_DIR). Inputs are filled once; each iteration is one
// Engine call, i.e. what the wasm build runs after the facade has packed them.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fixture.h"

namespace localrank {
namespace {

using nlohmann::json;

std::string Dir() {
  const char* d = std::getenv("LOCALRANK_BENCH_DIR");
  return d ? d : "build/bench";
}

const json& Workload(const std::string& name) {
  static std::map<std::string, json> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    json j = json::parse(testing::ReadFile(Dir() + "/" + name), nullptr, false);
    if (j.is_discarded()) {
      std::fprintf(stderr, "cannot read %s/%s (run scripts/bench/run)\n", Dir().c_str(), name.c_str());
      std::exit(2);
    }
    it = cache.emplace(name, std::move(j)).first;
  }
  return it->second;
}

// An engine that has learnt from the workload's events.
std::unique_ptr<Engine> Trained(const json& w, const json& extra_config = json::object()) {
  auto engine = std::make_unique<Engine>();
  json config = w["config"];
  config.update(extra_config);
  engine->Configure(config.dump());
  testing::FillEvents(*engine, w["events"]);
  Status s = engine->Record(w["now"].get<double>());
  if (!s.ok()) std::fprintf(stderr, "record failed: %s\n", s.message().c_str());
  return engine;
}

// The workload's options (scripts/bench/workload.mjs RERANK: topK 50); with
// `package_default`, topK is left at the package default (100) instead.
void ApplyOptions(Engine& engine, const json& w, bool package_default) {
  const json& o = w["options"];
  engine.options().diversity = o.value("diversity", 0.3);
  engine.options().top_k = package_default ? kDefaultTopK : o.value("topK", kDefaultTopK);
}

void Rerank(benchmark::State& state, bool package_default) {
  const json& w = Workload("workload-" + std::to_string(state.range(0)) + ".json");
  auto engine = Trained(w);
  testing::FillCandidates(*engine, w["items"]);
  ApplyOptions(*engine, w, package_default);
  const double now = w["now"].get<double>();
  for (auto _ : state) {
    Status s = engine->Rerank(now);
    benchmark::DoNotOptimize(engine->result().order.data());
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_Rerank(benchmark::State& state) { Rerank(state, false); }
BENCHMARK(BM_Rerank)->Arg(100)->Arg(250)->Arg(500)->Arg(1000)->Arg(2500)->Arg(5000)->Arg(7500)->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

void BM_RerankDefaultTopK(benchmark::State& state) { Rerank(state, true); }
BENCHMARK(BM_RerankDefaultTopK)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_RecordOneEvent(benchmark::State& state) {
  // Like node-bench.mjs: a profile trained on the workload's 5,000 events, then
  // fresh events (new item ids) recorded one per call, cycling through 1,000.
  const json& w = Workload("workload-1000.json");
  const json& fresh = Workload("record-1000.json")["events"];
  auto engine = Trained(w);
  std::vector<EventBatch> one;
  for (const json& ev : fresh) {
    testing::FillEvents(*engine, json::array({ev}));
    one.push_back(engine->events());
  }
  const double now = w["now"].get<double>();
  std::size_t i = 0;
  for (auto _ : state) {
    // Copying the prepared batch in stands for the facade writing it (~0.1 us).
    engine->events() = one[i++ % one.size()];
    Status s = engine->Record(now);
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
}
BENCHMARK(BM_RecordOneEvent)->Unit(benchmark::kMicrosecond);

void BM_SaveProfile10k(benchmark::State& state) {
  const json& w = Workload("profile-10000.json");
  auto engine = Trained(w, json{{"maxEvents", 10000}});
  const double now = w["now"].get<double>();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string text = engine->ExportJson(now);
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_SaveProfile10k)->Unit(benchmark::kMillisecond);

void BM_LoadProfile10k(benchmark::State& state) {
  const json& w = Workload("profile-10000.json");
  auto engine = Trained(w, json{{"maxEvents", 10000}});
  const std::string text = engine->ExportJson(w["now"].get<double>());
  Engine target;
  target.Configure(json{{"dim", w["config"]["dim"]}, {"maxEvents", 10000}}.dump());
  for (auto _ : state) {
    Status s = target.ImportJson(text);
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
}
BENCHMARK(BM_LoadProfile10k)->Unit(benchmark::kMillisecond);

// The storage format: the binary snapshot the persistence layer saves and loads.
void BM_SaveSnapshot10k(benchmark::State& state) {
  const json& w = Workload("profile-10000.json");
  auto engine = Trained(w, json{{"maxEvents", 10000}});
  std::vector<std::uint8_t> bytes;
  for (auto _ : state) {
    engine->ExportSnapshot(&bytes);
    benchmark::DoNotOptimize(bytes.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_SaveSnapshot10k)->Unit(benchmark::kMillisecond);

void BM_LoadSnapshot10k(benchmark::State& state) {
  const json& w = Workload("profile-10000.json");
  auto engine = Trained(w, json{{"maxEvents", 10000}});
  std::vector<std::uint8_t> bytes;
  engine->ExportSnapshot(&bytes);
  Engine target;
  target.Configure(json{{"dim", w["config"]["dim"]}, {"maxEvents", 10000}}.dump());
  for (auto _ : state) {
    Status s = target.ImportSnapshot(bytes.data(), bytes.size());
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
}
BENCHMARK(BM_LoadSnapshot10k)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace localrank

BENCHMARK_MAIN();
