// SPDX-License-Identifier: MIT
#include "localrank/aggregator.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "storage/json_text.h"

namespace localrank {

namespace {

using nlohmann::json;

// Estimate of one value over all N reporters from the n_k reports of its
// attribute. With segments published each device reports its topic or its
// segment (a fair public coin), so an attribute is seen by a random subset:
// the count among the subset is scaled by N / n_k, and the variance adds the
// sampling (hypergeometric) term to the LDP term.
json EstimateEntry(const FrequencyOracle& oracle, int value, double total) {
  const FrequencyEstimate e = oracle.Estimate(value);
  const double nk = static_cast<double>(oracle.reports());
  const double scale = total / nk;
  const double share_k = std::clamp(e.count / nk, 0.0, 1.0);
  const double sampling = total > 1.0 ? nk * share_k * (1.0 - share_k) * (total - nk) / (total - 1.0) : 0.0;
  const double count = e.count * scale;
  const double se = scale * std::sqrt(e.variance + sampling);
  return json{{"count", count},
              {"share", count / total},
              {"stdError", se},
              {"ci95", json::array({std::clamp(count - kZ95 * se, 0.0, total), std::clamp(count + kZ95 * se, 0.0, total)})}};
}

}  // namespace

Status Aggregator::Configure(std::string_view text) {
  ReportConfig c;
  Status s = ReportConfig::FromJson(text, &c);
  if (!s.ok()) return s;
  const json j = ParseJson(text);
  std::uint64_t k = kDefaultMinReports;
  if (j.contains("minReports")) {
    const json& m = j["minReports"];
    if (!m.is_number_integer() || m.get<long long>() < 1) {
      return Status::Error(Code::kInvalidArgument, "minReports", -1, "minReports must be an integer >= 1");
    }
    k = static_cast<std::uint64_t>(m.get<long long>());
  }
  config_ = std::move(c);
  min_reports_ = k;
  topic_ = FrequencyOracle(config_.topic);
  segment_ = FrequencyOracle(config_.segment);
  configured_ = true;
  return Status::Ok();
}

Status Aggregator::Decode(std::string_view report_json, Contribution* out) const {
  if (!configured_) return Status::Error(Code::kInvalidArgument, "config", -1, "the aggregator is not configured");
  DecodedReport r;
  Status s = DecodeReport(config_, report_json, &r);
  if (!s.ok()) return s;
  out->kind = r.kind;
  out->supported = SupportedValues(config_.params(r.kind), r.payload);
  return Status::Ok();
}

Status Aggregator::Add(const Contribution& c) {
  if (!configured_) return Status::Error(Code::kInvalidArgument, "config", -1, "the aggregator is not configured");
  if (c.kind != ReportKind::kTopic && !(c.kind == ReportKind::kSegment && !config_.segments.empty())) {
    return Status::Error(Code::kInvalidReport, "contribution.kind", -1, "unknown contribution kind");
  }
  FrequencyOracle& o = c.kind == ReportKind::kTopic ? topic_ : segment_;
  for (std::size_t i = 0; i < c.supported.size(); ++i) {
    const std::int32_t v = c.supported[i];
    if (v < 0 || v >= o.params().domain || (i > 0 && v <= c.supported[i - 1])) {
      return Status::Error(Code::kInvalidReport, "contribution.supported", static_cast<int>(i),
                           "supported values must be ascending and inside the domain");
    }
  }
  o.Add(c.supported);
  return Status::Ok();
}

Status Aggregator::Ingest(std::string_view report_json) {
  Contribution c;
  Status s = Decode(report_json, &c);
  return s.ok() ? Add(c) : s;
}

std::string Aggregator::EstimateJson() const {
  const bool with_segments = !config_.segments.empty();
  const double total = static_cast<double>(reports());
  const bool topics_suppressed = Suppressed(topic_.reports(), min_reports_);
  const bool segments_suppressed = !with_segments || Suppressed(segment_.reports(), min_reports_);
  json topics = json::array(), segments = json::array();
  json no_topic = nullptr, no_segment = nullptr;
  if (!topics_suppressed) {
    for (std::size_t t = 0; t < config_.taxonomy.size(); ++t) {
      // No device reports a sensitive topic: nothing is published about it.
      if (config_.sensitive[t]) continue;
      json e = EstimateEntry(topic_, static_cast<int>(t), total);
      e["topic"] = config_.taxonomy[t];
      topics.push_back(std::move(e));
    }
    no_topic = EstimateEntry(topic_, static_cast<int>(config_.taxonomy.size()), total);
  }
  if (with_segments && !segments_suppressed) {
    for (std::size_t s = 0; s < config_.segments.size(); ++s) {
      json e = EstimateEntry(segment_, static_cast<int>(s), total);
      e["segment"] = config_.segments[s].id;
      // k-suppression per segment: a segment estimated to hold fewer than k
      // reporters is published without its figures.
      if (e["count"].get<double>() < static_cast<double>(min_reports_)) {
        e = json{{"segment", config_.segments[s].id}, {"suppressed", true}, {"count", nullptr},
                 {"share", nullptr}, {"stdError", nullptr}, {"ci95", nullptr}};
      }
      segments.push_back(std::move(e));
    }
    no_segment = EstimateEntry(segment_, static_cast<int>(config_.segments.size()), total);
  }
  return json{{"reports", reports()},
              {"minReports", min_reports_},
              {"epsilonPerReport", config_.epsilon},
              {"epsilonOfOneReport", std::log(config_.OneReportRatio())},
              {"mechanism", LdpMechanismName(config_.mechanism)},
              {"reportsByKind", {{"topic", topic_.reports()}, {"segment", segment_.reports()}}},
              {"suppressed", {{"topics", topics_suppressed}, {"segments", with_segments && segments_suppressed}}},
              {"topics", topics},
              {"noTopic", no_topic},
              {"segments", segments},
              {"noSegment", no_segment}}
      .dump();
}

std::string Aggregator::StateJson() const {
  auto sums = [](const FrequencyOracle& o) { return json{{"reports", o.reports()}, {"support", o.support()}}; };
  return json{{"schema", "localrank.aggregate"},
              {"version", 1},
              {"config", config_.fingerprint},
              {"topic", sums(topic_)},
              {"segment", sums(segment_)}}
      .dump();
}

Status Aggregator::RestoreJson(std::string_view text) {
  auto bad = [](const std::string& field, const std::string& msg) {
    return Status::Error(Code::kInvalidArgument, "state." + field, -1, msg);
  };
  const json j = ParseJson(text);
  if (j.is_discarded() || !j.is_object() || !j.contains("schema") || j["schema"] != "localrank.aggregate") {
    return bad("schema", "not a localrank aggregate state");
  }
  if (!j.contains("config") || j["config"] != config_.fingerprint) {
    return bad("config", "the state belongs to another configuration");
  }
  FrequencyOracle topic(config_.topic), segment(config_.segment);
  for (auto [name, oracle] : {std::pair<const char*, FrequencyOracle*>{"topic", &topic}, {"segment", &segment}}) {
    if (!j.contains(name) || !j[name].is_object() || !j[name].contains("reports") ||
        !j[name]["reports"].is_number_unsigned() || !j[name].contains("support") || !j[name]["support"].is_array()) {
      return bad(name, std::string(name) + " must be {reports, support[]}");
    }
    std::vector<std::uint64_t> support;
    for (const json& v : j[name]["support"]) {
      if (!v.is_number_unsigned()) return bad(std::string(name) + ".support", "support counts must be integers >= 0");
      support.push_back(v.get<std::uint64_t>());
    }
    Status s = oracle->Restore(j[name]["reports"].get<std::uint64_t>(), support);
    if (!s.ok()) return bad(std::string(name) + ".support", s.message());
  }
  if (config_.segments.empty() && segment.reports() > 0) return bad("segment", "no segments are configured");
  topic_ = std::move(topic);
  segment_ = std::move(segment);
  return Status::Ok();
}

}  // namespace localrank
