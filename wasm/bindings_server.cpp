// SPDX-License-Identifier: MIT
// Embind for the server side of the core: the aggregator. Only in the server
// module (localrank_server, loaded by src/server.mjs), so that browsers never
// download it; the device module has no Embind (abi.h says why), and the
// server module's report encoder uses the same plain exports
// (bindings_encoder.cpp). Internal like bindings.cpp: src/server.mjs is the
// public API.
#include <emscripten/bind.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "localrank/aggregator.h"
#include "localrank/report.h"

#include "bindings_privacy.h"

namespace localrank::wasm {

using nlohmann::json;

class AggregatorCore {
 public:
  PrivacyResult configure(const std::string& config_json) {
    Status s = agg_.Configure(config_json);
    if (!s.ok()) return Result(s);
    return Result(s, json{{"fingerprint", agg_.config().fingerprint},
                          {"mechanism", LdpMechanismName(agg_.config().mechanism)},
                          {"dataHexChars", agg_.config().data_hex_chars},
                          // One support test's p and q, composed with the instant noise (WithInstantNoise).
                          {"support", {{"p", agg_.config().topic.p}, {"q", agg_.config().topic.q}}}}
                         .dump());
  }
  PrivacyResult ingest(const std::string& report) { return Result(agg_.Ingest(report)); }
  // value: {"kind":0|1,"supported":[...]}.
  PrivacyResult decode(const std::string& report) const {
    Contribution c;
    Status s = agg_.Decode(report, &c);
    if (!s.ok()) return Result(s);
    return Result(s, json{{"kind", static_cast<int>(c.kind)}, {"supported", c.supported}}.dump());
  }
  PrivacyResult add(int kind, const std::string& supported_json) {
    const json j = json::parse(supported_json, nullptr, false);
    Contribution c;
    c.kind = static_cast<ReportKind>(kind);
    if (j.is_discarded() || !j.is_array()) {
      return Result(Status::Error(Code::kInvalidReport, "contribution.supported", -1, "supported must be an array"));
    }
    for (const json& v : j) {
      if (!v.is_number_integer()) {
        return Result(Status::Error(Code::kInvalidReport, "contribution.supported", -1, "supported must hold integers"));
      }
      c.supported.push_back(v.get<std::int32_t>());
    }
    if (kind != 0 && kind != 1) {
      return Result(Status::Error(Code::kInvalidReport, "contribution.kind", -1, "kind must be 0 or 1"));
    }
    return Result(agg_.Add(c));
  }
  double reports() const { return static_cast<double>(agg_.reports()); }
  std::string estimate() const { return agg_.EstimateJson(); }
  std::string state() const { return agg_.StateJson(); }
  PrivacyResult restore(const std::string& text) { return Result(agg_.RestoreJson(text)); }

 private:
  Aggregator agg_;
};

}  // namespace localrank::wasm

EMSCRIPTEN_BINDINGS(localrank_server) {
  using namespace emscripten;
  using namespace localrank::wasm;
  value_object<PrivacyResult>("PrivacyResult")
      .field("code", &PrivacyResult::code)
      .field("field", &PrivacyResult::field)
      .field("index", &PrivacyResult::index)
      .field("message", &PrivacyResult::message)
      .field("value", &PrivacyResult::value);
  class_<AggregatorCore>("AggregatorCore")
      .constructor<>()
      .function("configure", &AggregatorCore::configure)
      .function("ingest", &AggregatorCore::ingest)
      .function("decode", &AggregatorCore::decode)
      .function("add", &AggregatorCore::add)
      .function("reports", &AggregatorCore::reports)
      .function("estimate", &AggregatorCore::estimate)
      .function("state", &AggregatorCore::state)
      .function("restore", &AggregatorCore::restore);
}
