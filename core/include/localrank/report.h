// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "localrank/ldp.h"
#include "localrank/status.h"

namespace localrank {

/// Version of the aggregate report format (docs/privacy.md).
constexpr int kReportVersion = 1;
/// Largest taxonomy and number of segments a configuration may name.
constexpr int kMaxTaxonomy = kLdpMaxDomain - 1;
constexpr int kMaxSegments = 256;

/// What a report is about. With published segments each device reports one
/// of the two, chosen uniformly at random (a public coin, independent of its
/// data), so the whole epsilon goes to a single value.
enum class ReportKind : std::int32_t { kTopic = 0, kSegment = 1 };

/// A server-published motivation segment: a weighted set of taxonomy topics.
struct Segment {
  std::string id;
  /// (taxonomy index, weight > 0), ascending by index.
  std::vector<std::pair<int, double>> weights;
};

/// The configuration a device and the server share: taxonomy, segments,
/// epsilon per report, mechanism. Its fingerprint travels in every report so
/// the server never mixes reports built for another configuration.
struct ReportConfig {
  std::vector<std::string> taxonomy;
  std::vector<Segment> segments;
  double epsilon = 1.0;
  /// Cosine similarity a device's interests need to match a segment.
  double segment_threshold = 0.5;
  LdpMechanism mechanism = LdpMechanism::kOue;
  /// Topic oracle: domain taxonomy.size() + 1 (the last value = no top topic).
  LdpParams topic;
  /// Segment oracle: domain segments.size() + 1 (the last value = no segment).
  LdpParams segment;
  /// Hex digits of the payload (`data`), the same for every report of this config.
  int data_hex_chars = 0;
  /// 14 hex digits identifying this configuration.
  std::string fingerprint;

  /// Reads {"taxonomy":[...], "segments":[{"id", "topics":{name: weight}}],
  /// "epsilonPerReport":1, "mechanism":"auto"|"oue"|"olh", "segmentThreshold":0.5}.
  /// Unknown keys are ignored (the server adds its own). On error `out` is unchanged.
  static Status FromJson(std::string_view json, ReportConfig* out);

  const LdpParams& params(ReportKind kind) const { return kind == ReportKind::kTopic ? topic : segment; }
  /// Uniform 32-bit words EncodeReport consumes (1 for the kind + the oracle's).
  int RandomWordsNeeded() const;
};

/// Index of the largest positive entry of `interest` (ties: the lowest
/// index), or -1 when no entry is positive.
int TopTopic(const std::vector<double>& interest);

/// Best-matching segment by cosine similarity between the positive part of
/// `interest` (one weight per taxonomy topic) and each segment's weights;
/// -1 when none reaches config.segment_threshold. Ties: the lowest index.
int MatchSegment(const ReportConfig& config, const std::vector<double>& interest);

/// Encodes one report for a device whose interest over the taxonomy is
/// `interest` (non-positive = none), dated `day` (YYYY-MM-DD), from `words`
/// (RandomWordsNeeded() uniform words from a cryptographic source). The JSON
/// has a constant size for a given configuration.
Status EncodeReport(const ReportConfig& config, const std::vector<double>& interest, std::string_view day,
                    const std::uint32_t* words, std::size_t word_count, std::string* out);

/// A validated report.
struct DecodedReport {
  ReportKind kind = ReportKind::kTopic;
  std::string day;
  LdpReport payload;
};

/// Validates a report against `config`; kInvalidReport naming the field on
/// any deviation (unknown keys included: a report carries nothing else).
Status DecodeReport(const ReportConfig& config, std::string_view json, DecodedReport* out);

/// Whether `day` is a valid calendar date written YYYY-MM-DD.
bool IsIsoDay(std::string_view day);

}  // namespace localrank
