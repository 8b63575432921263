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
/// Hard bounds no configuration can lift (issue 22; docs/privacy.md): a server
/// that could publish hundreds of narrow segments, or a segment that is one
/// topic in disguise, would choose what a report reveals.
constexpr int kMaxSegments = 32;
/// A segment spans at least this many taxonomy topics...
constexpr int kMinSegmentTopics = 3;
/// ...and no single topic holds more than this share of its total weight
/// ("sits on one topic": max weight / sum of weights > 1/2).
constexpr double kMaxSegmentTopicShare = 0.5;
/// Largest epsilon of one report (the permanent randomized response's).
constexpr double kMaxReportEpsilon = 2.0;
/// Largest number of random words a device's memo table may take (4 MiB).
constexpr int kMaxMemoWords = 1 << 20;

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
  /// sensitive[t]: taxonomy topic t is a special category (GDPR art. 9:
  /// health, politics, religion, ...). It never enters a report (the device's
  /// top topic is taken over the other topics, its weight is left out of
  /// segment matching), no segment may name it, and the aggregator publishes
  /// no estimate for it.
  std::vector<bool> sensitive;
  std::vector<Segment> segments;
  /// Epsilon of the permanent randomized response (the memo): what any number
  /// of reports of one unchanged value reveal about it together.
  double epsilon = 1.0;
  /// Epsilon of the instantaneous randomized response applied afresh to the
  /// memoized answer of every report (0: none, reports repeat the memo).
  double instant_epsilon = 0.0;
  /// Cosine similarity a device's interests need to match a segment.
  double segment_threshold = 0.5;
  LdpMechanism mechanism = LdpMechanism::kOue;
  /// Topic oracle: domain taxonomy.size() + 1 (the last value = no top topic).
  /// p and q are those of a report as sent (memo, then instantaneous noise).
  LdpParams topic;
  /// Segment oracle: domain segments.size() + 1 (the last value = no segment).
  LdpParams segment;
  /// The permanent randomized responses (the memo) of the two oracles.
  LdpParams memo_topic;
  LdpParams memo_segment;
  /// Hex digits of the payload (`data`), the same for every report of this config.
  int data_hex_chars = 0;
  /// 14 hex digits identifying this configuration.
  std::string fingerprint;

  /// Reads {"taxonomy":[...], "sensitiveTopics":[...], "segments":[{"id",
  /// "topics":{name: weight}}], "epsilonPerReport":1, "instantEpsilon":0,
  /// "mechanism":"auto"|"oue"|"olh", "segmentThreshold":0.5}. Unknown keys are
  /// ignored (the server adds its own). On error `out` is unchanged.
  static Status FromJson(std::string_view json, ReportConfig* out);

  const LdpParams& params(ReportKind kind) const { return kind == ReportKind::kTopic ? topic : segment; }
  const LdpParams& memo_params(ReportKind kind) const {
    return kind == ReportKind::kTopic ? memo_topic : memo_segment;
  }
  /// Uniform 32-bit words EncodeReport consumes (1 for the kind + the
  /// instantaneous noise of the larger oracle).
  int RandomWordsNeeded() const;
  /// Uniform 32-bit words DrawReportMemo consumes (one permanent answer for
  /// every value of both oracles).
  int MemoWordsNeeded() const;
  /// e^(privacy loss of one report taken alone): <= e^epsilon, lower with
  /// instantaneous noise. (A ratio, not its log: libm's log would cost the
  /// device module kilobytes.)
  double OneReportRatio() const;
};

/// The device's permanent randomized responses (RAPPOR's memoization): one
/// perturbed answer for every value of each oracle, drawn once, before the
/// device's data is looked at, and reused by every report of that value. It is
/// noise only: it holds nothing about the device's behaviour.
struct ReportMemo {
  std::string config;  // the configuration's fingerprint
  std::vector<LdpReport> topic;
  std::vector<LdpReport> segment;
};

/// `memo`'s parameters with instantaneous noise of `instant_epsilon` on top
/// (0: unchanged): the p and q of a report as the server sees it.
LdpParams WithInstantNoise(const LdpParams& memo, double instant_epsilon);
/// Random words the instantaneous noise of one report takes for `params`.
int InstantWords(const LdpParams& params);

/// Draws the memo of `config` from MemoWordsNeeded() uniform words. The same
/// words give the same memo: a device stores the words (noise only, drawn
/// before its data is looked at) and redraws its memo from them.
Status DrawReportMemo(const ReportConfig& config, const std::uint32_t* words, std::size_t word_count,
                      ReportMemo* out);
/// Index of the largest positive entry of `interest` (ties: the lowest
/// index), or -1 when no entry is positive.
int TopTopic(const std::vector<double>& interest);
/// TopTopic over the topics `config` does not mark sensitive.
int ReportedTopTopic(const ReportConfig& config, const std::vector<double>& interest);

/// Best-matching segment by cosine similarity between the positive part of
/// `interest` (one weight per taxonomy topic) and each segment's weights;
/// -1 when none reaches config.segment_threshold. Ties: the lowest index.
int MatchSegment(const ReportConfig& config, const std::vector<double>& interest);

/// Encodes one report for a device whose interest over the taxonomy is
/// `interest` (non-positive = none), dated `day` (YYYY-MM-DD): the memoized
/// answer of its value (`memo`, drawn by DrawReportMemo for this config), with
/// fresh instantaneous noise when the config has some, from `words`
/// (RandomWordsNeeded() uniform words from a cryptographic source). The JSON
/// has a constant size for a given configuration.
Status EncodeReport(const ReportConfig& config, const ReportMemo& memo, const std::vector<double>& interest,
                    std::string_view day, const std::uint32_t* words, std::size_t word_count, std::string* out);
/// A report with a fresh permanent answer (no memo): what a device without
/// memoization sends. For simulations and the server-side encoder only;
/// devices use the memoized EncodeReport.
Status EncodeFreshReport(const ReportConfig& config, const std::vector<double>& interest, std::string_view day,
                         const std::uint32_t* words, std::size_t word_count, std::string* out);
/// Random words EncodeFreshReport consumes.
int FreshWordsNeeded(const ReportConfig& config);

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
