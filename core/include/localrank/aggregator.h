// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "localrank/ldp.h"
#include "localrank/report.h"
#include "localrank/status.h"

namespace localrank {

/// Default k of k-suppression: no estimate from fewer reports is released.
constexpr std::uint64_t kDefaultMinReports = 50;

/// What one valid report adds to the running sums.
struct Contribution {
  ReportKind kind = ReportKind::kTopic;
  /// Values of the report's oracle it supports, ascending.
  std::vector<std::int32_t> supported;
};

/// The server side: validates and decodes reports, keeps running support
/// sums per attribute (topic, segment) and estimates how many reporting
/// clients hold each topic and segment, without bias, with standard errors.
class Aggregator {
 public:
  Aggregator() = default;

  /// ReportConfig JSON plus "minReports" (default 50). Resets the sums. On
  /// error nothing changes.
  Status Configure(std::string_view config_json);
  const ReportConfig& config() const { return config_; }

  /// Validates a report; on success fills `out`. Changes nothing.
  Status Decode(std::string_view report_json, Contribution* out) const;
  /// Adds a decoded contribution (checked again: kind and values in range).
  Status Add(const Contribution& contribution);
  /// Decode + Add.
  Status Ingest(std::string_view report_json);

  std::uint64_t reports() const { return topic_.reports() + segment_.reports(); }

  /// {"reports", "minReports", "epsilonPerReport", "mechanism", "reportsByKind",
  ///  "suppressed": {"topics", "segments"}, "topics": [{topic, count, share,
  ///  stdError, ci95}], "noTopic", "segments": [...], "noSegment"}.
  std::string EstimateJson() const;

  /// Running sums as JSON (for persistence).
  std::string StateJson() const;
  /// Restores sums written by StateJson for the same configuration. On error nothing changes.
  Status RestoreJson(std::string_view json);

 private:
  ReportConfig config_;
  std::uint64_t min_reports_ = kDefaultMinReports;
  FrequencyOracle topic_;
  FrequencyOracle segment_;
  bool configured_ = false;
};

}  // namespace localrank
