// SPDX-License-Identifier: MIT
// Embind for the device's privacy side of the core: the report encoder and the
// privacy accountant. Linked into both modules (localrank_core for devices,
// localrank_server for src/server.mjs, which encodes reports too). Internal
// like bindings.cpp: the facade (src/report.js, src/personalizer.js) is the
// public API.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "localrank/accountant.h"
#include "localrank/report.h"

#include "bindings_privacy.h"

namespace localrank::wasm {

using emscripten::val;
using nlohmann::json;

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
}
