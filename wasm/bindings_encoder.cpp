// SPDX-License-Identifier: MIT
// The report encoder as plain exports (abi.h): the report module
// (localrank_report, loaded by the facade only when a personalizer is given a
// taxonomy, so pages without aggregate reports never download it) and the
// server module (src/server.mjs encodes reports too). Internal like
// bindings.cpp: the facade (src/report.js, through src/core-abi.js) is the
// public API.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "localrank/report.h"

#include "abi.h"

namespace localrank::wasm {

using nlohmann::json;

class ReportEncoderCore {
 public:
  // On success the text result is
  // {"fingerprint","mechanism","wordsNeeded","dataHexChars","epsilonPerReport"}.
  Status configure(std::string_view config_json) {
    ReportConfig c;
    Status s = ReportConfig::FromJson(config_json, &c);
    if (!s.ok()) return s;
    config_ = std::move(c);
    memo_ = ReportMemo();
    SetOutText(json{{"fingerprint", config_.fingerprint},
                    {"mechanism", LdpMechanismName(config_.mechanism)},
                    {"wordsNeeded", config_.RandomWordsNeeded()},
                    {"memoWordsNeeded", config_.MemoWordsNeeded()},
                    {"freshWordsNeeded", FreshWordsNeeded(config_)},
                    {"dataHexChars", config_.data_hex_chars},
                    {"epsilonPerReport", config_.epsilon},
                    {"instantEpsilon", config_.instant_epsilon},
                    {"oneReportRatio", config_.OneReportRatio()}}
                   .dump());
    return s;
  }

  // Draws the memo from the random buffer (memoWordsNeeded words: a new draw,
  // or the stored words of an earlier one).
  Status drawMemo() {
    ReportMemo m;
    Status s = DrawReportMemo(config_, words_.data(), words_.size(), &m);
    std::fill(words_.begin(), words_.end(), 0u);
    if (s.ok()) memo_ = std::move(m);
    return s;
  }

  bool hasMemo() const { return memo_.config == config_.fingerprint && !memo_.topic.empty(); }

  // Addresses valid until the next call that may allocate: write right after taking.
  std::uint32_t randomBuffer(int n) {
    words_.resize(static_cast<std::size_t>(std::max(n, 0)));
    return Address(words_);
  }
  std::uint32_t interestBuffer(int n) {
    interest_.resize(static_cast<std::size_t>(std::max(n, 0)));
    return Address(interest_);
  }

  int topTopic() const { return ReportedTopTopic(config_, interest_); }
  int matchSegment() const { return MatchSegment(config_, interest_); }

  // On success the text result is the report.
  // fresh: a new permanent answer (the server-side encoder of simulations);
  // else the memoized answer of the device.
  Status encode(std::string_view day, bool fresh) {
    std::string out;
    Status s = fresh ? EncodeFreshReport(config_, interest_, day, words_.data(), words_.size(), &out)
                     : EncodeReport(config_, memo_, interest_, day, words_.data(), words_.size(), &out);
    // The words were used once; never leave them lying in the heap.
    std::fill(words_.begin(), words_.end(), 0u);
    if (s.ok()) SetOutText(std::move(out));
    return s;
  }

 private:
  ReportConfig config_;
  ReportMemo memo_;
  std::vector<std::uint32_t> words_;
  std::vector<double> interest_;
};

}  // namespace localrank::wasm

extern "C" {
using localrank::wasm::InText;
using localrank::wasm::Keep;
using localrank::wasm::ReportEncoderCore;
using localrank::wasm::SetOutText;

EMSCRIPTEN_KEEPALIVE ReportEncoderCore* localrank_encoder_new() { return new ReportEncoderCore(); }
EMSCRIPTEN_KEEPALIVE void localrank_encoder_delete(ReportEncoderCore* e) { delete e; }
EMSCRIPTEN_KEEPALIVE int localrank_encoder_configure(ReportEncoderCore* e) { return Keep(e->configure(InText())); }
EMSCRIPTEN_KEEPALIVE std::uint32_t localrank_encoder_random(ReportEncoderCore* e, int n) { return e->randomBuffer(n); }
EMSCRIPTEN_KEEPALIVE std::uint32_t localrank_encoder_interest(ReportEncoderCore* e, int n) { return e->interestBuffer(n); }
EMSCRIPTEN_KEEPALIVE int localrank_encoder_top_topic(ReportEncoderCore* e) { return e->topTopic(); }
EMSCRIPTEN_KEEPALIVE int localrank_encoder_match_segment(ReportEncoderCore* e) { return e->matchSegment(); }
EMSCRIPTEN_KEEPALIVE int localrank_encoder_encode(ReportEncoderCore* e, int fresh) { return Keep(e->encode(InText(), fresh != 0)); }
EMSCRIPTEN_KEEPALIVE int localrank_encoder_draw_memo(ReportEncoderCore* e) { return Keep(e->drawMemo()); }
EMSCRIPTEN_KEEPALIVE int localrank_encoder_has_memo(ReportEncoderCore* e) { return e->hasMemo() ? 1 : 0; }
}
