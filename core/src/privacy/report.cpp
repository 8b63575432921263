// SPDX-License-Identifier: MIT
#include "localrank/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "storage/json_text.h"

#include "localrank/config.h"
#include "localrank/hash.h"

namespace localrank {

namespace {

using nlohmann::json;

constexpr const char* kHex = "0123456789abcdef";
// A report has exactly these keys; anything else could carry an identifier.
constexpr const char* kReportKeys[] = {"config", "data", "day", "epsilon", "kind", "mechanism", "schema", "version"};

Status Bad(const std::string& field, int index, const std::string& message) {
  return Status::Error(Code::kInvalidArgument, field, index, message);
}

Status BadReport(const std::string& field, const std::string& message) {
  return Status::Error(Code::kInvalidReport, "report." + field, -1, message);
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string HexOf(const std::vector<std::uint8_t>& bytes, int hex_chars) {
  std::string s;
  for (std::uint8_t b : bytes) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  s.resize(static_cast<std::size_t>(hex_chars), '0');
  return s;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

bool IsIsoDay(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (d[static_cast<std::size_t>(i)] < '0' || d[static_cast<std::size_t>(i)] > '9') return false;
  }
  auto num = [&](int from, int len) {
    int v = 0;
    for (int i = from; i < from + len; ++i) v = v * 10 + (d[static_cast<std::size_t>(i)] - '0');
    return v;
  };
  const int y = num(0, 4), m = num(5, 2), day = num(8, 2);
  if (m < 1 || m > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return day <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

Status ReportConfig::FromJson(std::string_view text, ReportConfig* out) {
  const json j = ParseJson(text);
  if (j.is_discarded() || !j.is_object()) return Bad("config", -1, "the configuration must be a JSON object");
  ReportConfig c;
  if (!j.contains("taxonomy") || !j["taxonomy"].is_array() || j["taxonomy"].empty() ||
      j["taxonomy"].size() > static_cast<std::size_t>(kMaxTaxonomy)) {
    return Bad("taxonomy", -1, "taxonomy must be an array of 1.." + std::to_string(kMaxTaxonomy) + " topic names");
  }
  std::unordered_map<std::string, int> index;
  for (std::size_t i = 0; i < j["taxonomy"].size(); ++i) {
    const json& t = j["taxonomy"][i];
    const std::string field = "taxonomy[" + std::to_string(i) + "]";
    // Counted as the facade counts topic names (UTF-16 code units), so every
    // topic name the profile can hold can be in the taxonomy.
    if (!t.is_string() || !NameLengthOk(t.get_ref<const std::string&>())) {
      return Bad(field, static_cast<int>(i), field + " must be a string of 1.." + std::to_string(kMaxNameLength) + " characters");
    }
    const std::string name = t.get<std::string>();
    if (!index.emplace(name, static_cast<int>(i)).second) {
      return Bad(field, static_cast<int>(i), field + " repeats the topic '" + name + "'");
    }
    c.taxonomy.push_back(name);
  }
  if (j.contains("segments") && !j["segments"].is_null()) {
    const json& segs = j["segments"];
    if (!segs.is_array() || segs.size() > static_cast<std::size_t>(kMaxSegments)) {
      return Bad("segments", -1, "segments must be an array of at most " + std::to_string(kMaxSegments));
    }
    std::unordered_map<std::string, int> ids;
    for (std::size_t s = 0; s < segs.size(); ++s) {
      const json& g = segs[s];
      const std::string field = "segments[" + std::to_string(s) + "]";
      const int si = static_cast<int>(s);
      if (!g.is_object() || !g.contains("id") || !g["id"].is_string() || !NameLengthOk(g["id"].get_ref<const std::string&>())) {
        return Bad(field + ".id", si, field + ".id must be a string of 1.." + std::to_string(kMaxNameLength) + " characters");
      }
      Segment seg;
      seg.id = g["id"].get<std::string>();
      if (!ids.emplace(seg.id, si).second) return Bad(field + ".id", si, field + ".id repeats '" + seg.id + "'");
      if (!g.contains("topics") || !g["topics"].is_object() || g["topics"].empty()) {
        return Bad(field + ".topics", si, field + ".topics must be a non-empty object {topic: weight}");
      }
      for (const auto& [name, w] : g["topics"].items()) {
        const std::string wf = field + ".topics." + name;
        auto it = index.find(name);
        if (it == index.end()) return Bad(wf, si, wf + ": '" + name + "' is not in the taxonomy");
        if (!w.is_number() || !std::isfinite(w.get<double>()) || w.get<double>() <= 0.0) {
          return Bad(wf, si, wf + " must be a finite number > 0");
        }
        seg.weights.emplace_back(it->second, w.get<double>());
      }
      std::sort(seg.weights.begin(), seg.weights.end());
      c.segments.push_back(std::move(seg));
    }
  }
  if (j.contains("epsilonPerReport")) {
    if (!j["epsilonPerReport"].is_number()) return Bad("epsilonPerReport", -1, "epsilonPerReport must be a number");
    c.epsilon = j["epsilonPerReport"].get<double>();
  }
  if (j.contains("segmentThreshold")) {
    const json& t = j["segmentThreshold"];
    if (!t.is_number() || !(t.get<double>() >= 0.0 && t.get<double>() <= 1.0)) {
      return Bad("segmentThreshold", -1, "segmentThreshold must be a number in [0, 1]");
    }
    c.segment_threshold = t.get<double>();
  }
  const int topic_domain = static_cast<int>(c.taxonomy.size()) + 1;
  const int segment_domain = static_cast<int>(c.segments.size()) + 1;
  const int max_domain = std::max(topic_domain, segment_domain);
  c.mechanism = RecommendedMechanism(max_domain);
  if (j.contains("mechanism") && !(j["mechanism"].is_string() && j["mechanism"].get_ref<const std::string&>() == "auto")) {
    if (!j["mechanism"].is_string() || !ParseLdpMechanism(j["mechanism"].get<std::string>(), &c.mechanism)) {
      return Bad("mechanism", -1, "mechanism must be 'auto', 'oue' or 'olh'");
    }
  }
  Status s = LdpParams::Make(c.mechanism, c.epsilon, topic_domain, &c.topic);
  if (s.ok()) s = LdpParams::Make(c.mechanism, c.epsilon, std::max(2, segment_domain), &c.segment);
  if (!s.ok()) return Bad(s.field(), -1, s.message());
  c.data_hex_chars = c.mechanism == LdpMechanism::kOue ? 2 * ((max_domain + 7) / 8) : 16;

  std::string canon = "localrank.report/" + std::to_string(kReportVersion);
  canon += "\neps=" + Num(c.epsilon) + "\nmech=" + LdpMechanismName(c.mechanism);
  canon += "\nthreshold=" + Num(c.segment_threshold) + "\ntopics=";
  for (const std::string& t : c.taxonomy) canon += t + '\x1f';
  canon += "\nsegments=";
  for (const Segment& seg : c.segments) {
    canon += seg.id + '\x1e';
    for (const auto& [t, w] : seg.weights) canon += std::to_string(t) + ':' + Num(w) + ',';
    canon += '\x1f';
  }
  char fp[24];
  std::snprintf(fp, sizeof fp, "%014llx", static_cast<unsigned long long>(HashId(canon)));
  c.fingerprint = fp;
  *out = std::move(c);
  return Status::Ok();
}

int ReportConfig::RandomWordsNeeded() const {
  return 1 + std::max(topic.RandomWordsNeeded(), segment.RandomWordsNeeded());
}

int TopTopic(const std::vector<double>& interest) {
  int best = -1;
  for (std::size_t i = 0; i < interest.size(); ++i) {
    if (interest[i] > 0.0 && (best < 0 || interest[i] > interest[static_cast<std::size_t>(best)])) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

int MatchSegment(const ReportConfig& config, const std::vector<double>& interest) {
  double norm = 0.0;
  for (double x : interest) {
    if (x > 0.0) norm += x * x;
  }
  if (norm <= 0.0) return -1;
  norm = std::sqrt(norm);
  int best = -1;
  double best_score = config.segment_threshold;
  for (std::size_t s = 0; s < config.segments.size(); ++s) {
    double dot = 0.0, wn = 0.0;
    for (const auto& [t, w] : config.segments[s].weights) {
      wn += w * w;
      const double x = static_cast<std::size_t>(t) < interest.size() ? interest[static_cast<std::size_t>(t)] : 0.0;
      if (x > 0.0) dot += w * x;
    }
    const double cos = dot / (norm * std::sqrt(wn));
    if (cos >= best_score && (best < 0 || cos > best_score)) {
      best = static_cast<int>(s);
      best_score = cos;
    }
  }
  return best;
}

Status EncodeReport(const ReportConfig& config, const std::vector<double>& interest, std::string_view day,
                    const std::uint32_t* words, std::size_t word_count, std::string* out) {
  if (interest.size() != config.taxonomy.size()) {
    return Bad("interest", -1, "interest must have one weight per taxonomy topic");
  }
  if (!IsIsoDay(day)) return Bad("day", -1, "day must be a date written YYYY-MM-DD");
  if (word_count < static_cast<std::size_t>(config.RandomWordsNeeded())) {
    return Bad("random", -1, "need " + std::to_string(config.RandomWordsNeeded()) + " random words");
  }
  // The public coin: which attribute this device reports.
  const ReportKind kind = !config.segments.empty() && (words[0] >> 31) ? ReportKind::kSegment : ReportKind::kTopic;
  int value;
  if (kind == ReportKind::kTopic) {
    const int top = TopTopic(interest);
    value = top < 0 ? static_cast<int>(config.taxonomy.size()) : top;
  } else {
    const int seg = MatchSegment(config, interest);
    value = seg < 0 ? static_cast<int>(config.segments.size()) : seg;
  }
  LdpReport payload;
  Status s = Perturb(config.params(kind), value, words + 1, word_count - 1, &payload);
  if (!s.ok()) return s;
  std::string data;
  if (config.mechanism == LdpMechanism::kOue) {
    data = HexOf(payload.bits, config.data_hex_chars);
  } else {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%08x%08x", payload.seed, payload.y);
    data = buf;
  }
  *out = json{{"schema", "localrank.report"},
              {"version", kReportVersion},
              {"config", config.fingerprint},
              {"day", std::string(day)},
              {"epsilon", config.epsilon},
              {"mechanism", LdpMechanismName(config.mechanism)},
              {"kind", static_cast<int>(kind)},
              {"data", data}}
             .dump();
  return Status::Ok();
}

Status DecodeReport(const ReportConfig& config, std::string_view text, DecodedReport* out) {
  const json j = ParseJson(text);
  if (j.is_discarded() || !j.is_object()) return BadReport("", "a report must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    (void)value;
    if (std::find(std::begin(kReportKeys), std::end(kReportKeys), key) == std::end(kReportKeys)) {
      return BadReport(key, "unknown field '" + key + "': a report carries nothing else");
    }
  }
  for (const char* key : kReportKeys) {
    if (!j.contains(key)) return BadReport(key, std::string("missing field '") + key + "'");
  }
  if (j["schema"] != "localrank.report") return BadReport("schema", "schema must be 'localrank.report'");
  if (!j["version"].is_number_integer() || j["version"].get<long long>() != kReportVersion) {
    return BadReport("version", "unsupported report version");
  }
  if (!j["config"].is_string() || j["config"].get<std::string>() != config.fingerprint) {
    return BadReport("config", "the report was built for another configuration (taxonomy, segments, epsilon)");
  }
  if (!j["day"].is_string() || !IsIsoDay(j["day"].get<std::string>())) {
    return BadReport("day", "day must be a date written YYYY-MM-DD");
  }
  if (!j["epsilon"].is_number() || j["epsilon"].get<double>() != config.epsilon) {
    return BadReport("epsilon", "epsilon differs from this aggregator's epsilonPerReport");
  }
  if (!j["mechanism"].is_string() || j["mechanism"].get<std::string>() != LdpMechanismName(config.mechanism)) {
    return BadReport("mechanism", std::string("mechanism must be '") + LdpMechanismName(config.mechanism) + "'");
  }
  const json& k = j["kind"];
  if (!k.is_number_integer() || k.get<long long>() < 0 || k.get<long long>() > (config.segments.empty() ? 0 : 1)) {
    return BadReport("kind", config.segments.empty() ? "kind must be 0 (no segments are published)"
                                                      : "kind must be 0 (topic) or 1 (segment)");
  }
  DecodedReport r;
  r.kind = static_cast<ReportKind>(k.get<int>());
  r.day = j["day"].get<std::string>();
  if (!j["data"].is_string() || j["data"].get<std::string>().size() != static_cast<std::size_t>(config.data_hex_chars)) {
    return BadReport("data", "data must be " + std::to_string(config.data_hex_chars) + " lowercase hex digits");
  }
  const std::string& data = j["data"].get_ref<const std::string&>();
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    const int hi = HexDigit(data[i]), lo = HexDigit(data[i + 1]);
    if (hi < 0 || lo < 0) return BadReport("data", "data must be lowercase hex digits");
    bytes.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  const LdpParams& params = config.params(r.kind);
  if (config.mechanism == LdpMechanism::kOue) {
    for (int bit = params.domain; bit < static_cast<int>(bytes.size()) * 8; ++bit) {
      if ((bytes[static_cast<std::size_t>(bit / 8)] >> (bit % 8)) & 1u) {
        return BadReport("data", "data sets a bit outside the domain");
      }
    }
    bytes.resize(static_cast<std::size_t>((params.domain + 7) / 8));
    r.payload.bits = std::move(bytes);
  } else {
    auto word = [&](int from) {
      return (std::uint32_t{bytes[static_cast<std::size_t>(from)]} << 24) |
             (std::uint32_t{bytes[static_cast<std::size_t>(from + 1)]} << 16) |
             (std::uint32_t{bytes[static_cast<std::size_t>(from + 2)]} << 8) | bytes[static_cast<std::size_t>(from + 3)];
    };
    r.payload.seed = word(0);
    r.payload.y = word(4);
    if (r.payload.y >= params.hash_range) return BadReport("data", "the hash value is out of range");
  }
  *out = std::move(r);
  return Status::Ok();
}

}  // namespace localrank
