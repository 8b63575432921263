// SPDX-License-Identifier: MIT
// Fuzz target: aggregate-report decoding on the server. Arbitrary bytes are
// either a report as received (-> Aggregator::Ingest), or drive the encoder
// (interest, day, random words) whose report is then possibly corrupted by
// one byte. Invariants: a rejected report is INVALID_REPORT naming a field and
// leaves the running sums unchanged; an accepted one adds exactly one report;
// every report EncodeFreshReport builds is accepted.
#include <vector>

#include "fuzz_input.h"
#include "localrank/aggregator.h"
#include "localrank/report.h"

namespace {

const char* kConfigs[2] = {
    R"({"taxonomy":["cooking","fitness","travel","music","news","games"],
        "segments":[{"id":"home-cooks","topics":{"cooking":1,"music":0.6,"news":0.5}},{"id":"active","topics":{"fitness":1,"travel":0.5,"games":0.5}}],
        "epsilonPerReport":1,"mechanism":"oue","minReports":1})",
    R"({"taxonomy":["cooking","fitness","travel","music","news","games"],
        "segments":[{"id":"home-cooks","topics":{"cooking":1,"music":0.6,"news":0.5}},{"id":"active","topics":{"fitness":1,"travel":0.5,"games":0.5}}],
        "epsilonPerReport":2,"mechanism":"olh","minReports":1})",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace localrank;
  using namespace localrank::fuzz;
  if (size == 0) return 0;
  Aggregator agg;
  Check(agg.Configure(kConfigs[data[0] & 1]).ok(), "config");
  const bool raw = (data[0] & 2) == 0;
  std::string report;
  bool valid = false;
  if (raw) {
    report.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  } else {
    FuzzedDataProvider in(data + 1, size - 1);
    const ReportConfig& c = agg.config();
    std::vector<double> interest(c.taxonomy.size());
    for (double& x : interest) x = in.ConsumeFloatingPointInRange<double>(-1, 1);
    std::vector<std::uint32_t> words(static_cast<std::size_t>(FreshWordsNeeded(c)));
    for (auto& w : words) w = in.ConsumeIntegral<std::uint32_t>();
    const Status s = EncodeFreshReport(c, interest, "2026-11-23", words.data(), words.size(), &report);
    Check(s.ok(), "a valid interest vector encodes");
    valid = true;
    if (!report.empty() && in.ConsumeBool()) {
      const std::size_t at = in.ConsumeIntegralInRange<std::size_t>(0, report.size() - 1);
      const char ch = static_cast<char>(in.ConsumeIntegral<std::uint8_t>());
      valid = ch == report[at];
      report[at] = ch;
    }
  }
  const std::string before = agg.StateJson();
  const std::uint64_t count = agg.reports();
  const Status s = agg.Ingest(report);
  if (s.ok()) {
    Check(agg.reports() == count + 1, "an accepted report is counted once");
    agg.EstimateJson();
  } else {
    Check(!valid, "every encoded report is accepted");
    Check(s.code() == Code::kInvalidReport || s.code() == Code::kLimitExceeded, "report errors are typed");
    Check(!s.field().empty(), "report errors name a field");
    Check(agg.StateJson() == before && agg.reports() == count, "a rejected report changes nothing");
  }
  return 0;
}
