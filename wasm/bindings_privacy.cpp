// SPDX-License-Identifier: MIT
// Embind for the privacy side of the core: the report encoder (device), the
// privacy accountant (device) and the aggregator (server, Node). Internal
// like bindings.cpp: the facade (src/report.js, src/server.mjs,
// src/personalizer.js) is the public API.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "localrank/accountant.h"
#include "localrank/aggregator.h"
#include "localrank/report.h"

namespace localrank::wasm {

using emscripten::val;
using nlohmann::json;

/// A status plus a string value (JSON or a report) on success.
struct PrivacyResult {
  std::string code;  // "" on success
  std::string field;
  int index = -1;
  std::string message;
  std::string value;
};

PrivacyResult Result(const Status& s, std::string value = {}) {
  if (s.ok()) return PrivacyResult{"", "", -1, "", std::move(value)};
  return PrivacyResult{CodeName(s.code()), s.field(), s.index(), s.message(), ""};
}

class ReportEncoderCore {
 public:
  // value: {"fingerprint","mechanism","wordsNeeded","dataHexChars","epsilonPerReport"}.
  PrivacyResult configure(const std::string& config_json) {
    ReportConfig c;
    Status s = ReportConfig::FromJson(config_json, &c);
    if (!s.ok()) return Result(s);
    config_ = std::move(c);
    return Result(s, json{{"fingerprint", config_.fingerprint},
                          {"mechanism", LdpMechanismName(config_.mechanism)},
                          {"wordsNeeded", config_.RandomWordsNeeded()},
                          {"dataHexChars", config_.data_hex_chars},
                          {"epsilonPerReport", config_.epsilon}}
                         .dump());
  }

  // Views valid until the next call that may allocate: write right after taking.
  val randomView(int n) {
    words_.resize(static_cast<std::size_t>(n));
    return val(emscripten::typed_memory_view(words_.size(), words_.data()));
  }
  val interestView(int n) {
    interest_.resize(static_cast<std::size_t>(n));
    return val(emscripten::typed_memory_view(interest_.size(), interest_.data()));
  }

  int topTopic() const { return TopTopic(interest_); }
  int matchSegment() const { return MatchSegment(config_, interest_); }

  PrivacyResult encode(const std::string& day) {
    std::string out;
    Status s = EncodeReport(config_, interest_, day, words_.data(), words_.size(), &out);
    // The words were used once; never leave them lying in the heap.
    std::fill(words_.begin(), words_.end(), 0u);
    return Result(s, std::move(out));
  }

 private:
  ReportConfig config_;
  std::vector<std::uint32_t> words_;
  std::vector<double> interest_;
};

class AccountantCore {
 public:
  PrivacyResult configure(double cap, double window_ms) { return Result(a_.Configure(cap, window_ms)); }
  double spent(double now) const { return a_.Spent(now); }
  double remaining(double now) const { return a_.Remaining(now); }
  bool canSpend(double epsilon, double now) const { return a_.CanSpend(epsilon, now); }
  double nextAvailable(double epsilon, double now) const { return a_.NextAvailable(epsilon, now); }
  PrivacyResult charge(double epsilon, double now) { return Result(a_.Charge(epsilon, now)); }
  std::string toJson(double now) const { return a_.ToJson(now); }
  PrivacyResult fromJson(const std::string& text) { return Result(a_.FromJson(text)); }
  void clear() { a_.Clear(); }

 private:
  PrivacyAccountant a_;
};

class AggregatorCore {
 public:
  PrivacyResult configure(const std::string& config_json) {
    Status s = agg_.Configure(config_json);
    if (!s.ok()) return Result(s);
    return Result(s, json{{"fingerprint", agg_.config().fingerprint},
                          {"mechanism", LdpMechanismName(agg_.config().mechanism)},
                          {"dataHexChars", agg_.config().data_hex_chars}}
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

EMSCRIPTEN_BINDINGS(localrank_privacy) {
  using namespace emscripten;
  using namespace localrank::wasm;
  value_object<PrivacyResult>("PrivacyResult")
      .field("code", &PrivacyResult::code)
      .field("field", &PrivacyResult::field)
      .field("index", &PrivacyResult::index)
      .field("message", &PrivacyResult::message)
      .field("value", &PrivacyResult::value);
  class_<ReportEncoderCore>("ReportEncoderCore")
      .constructor<>()
      .function("configure", &ReportEncoderCore::configure)
      .function("randomView", &ReportEncoderCore::randomView)
      .function("interestView", &ReportEncoderCore::interestView)
      .function("topTopic", &ReportEncoderCore::topTopic)
      .function("matchSegment", &ReportEncoderCore::matchSegment)
      .function("encode", &ReportEncoderCore::encode);
  class_<AccountantCore>("AccountantCore")
      .constructor<>()
      .function("configure", &AccountantCore::configure)
      .function("spent", &AccountantCore::spent)
      .function("remaining", &AccountantCore::remaining)
      .function("canSpend", &AccountantCore::canSpend)
      .function("nextAvailable", &AccountantCore::nextAvailable)
      .function("charge", &AccountantCore::charge)
      .function("toJson", &AccountantCore::toJson)
      .function("fromJson", &AccountantCore::fromJson)
      .function("clear", &AccountantCore::clear);
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
