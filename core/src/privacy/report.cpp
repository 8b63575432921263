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

namespace {

// FromJson's steps, always inlined into it (as when they were one function:
// the device module's size).

// The `segments` of a configuration into out->segments.
[[gnu::always_inline]] inline Status ReadSegments(const json& j, const std::unordered_map<std::string, int>& index,
                                                  ReportConfig* out) {
  ReportConfig& c = *out;
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
        if (c.sensitive[static_cast<std::size_t>(it->second)]) {
          return Bad(wf, si, wf + " is a sensitive topic");
        }
        seg.weights.emplace_back(it->second, w.get<double>());
      }
      if (seg.weights.size() < static_cast<std::size_t>(kMinSegmentTopics)) {
        return Bad(field + ".topics", si, field + ".topics must name at least 3 topics");
      }
      double total = 0.0, largest = 0.0;
      for (const auto& tw : seg.weights) {
        total += tw.second;
        largest = std::max(largest, tw.second);
      }
      if (largest > kMaxSegmentTopicShare * total) {
        return Bad(field + ".topics", si, field + ".topics sits on one topic (over half the weight)");
      }
      std::sort(seg.weights.begin(), seg.weights.end());
      c.segments.push_back(std::move(seg));
    }
  }
  return Status::Ok();
}

// The fingerprint: a hash of the canonical text of the configuration.
[[gnu::always_inline]] inline std::string Fingerprint(const ReportConfig& c) {
  std::string canon = "localrank.report/" + std::to_string(kReportVersion);
  canon += "\neps=" + Num(c.epsilon) + "\nmech=" + LdpMechanismName(c.mechanism);
  canon += "\nthreshold=" + Num(c.segment_threshold) + "\ntopics=";
  for (const std::string& t : c.taxonomy) canon += t + '\x1f';
  // Only when used, so that existing configurations keep their fingerprint.
  if (c.instant_epsilon > 0.0) canon += "\ninstant=" + Num(c.instant_epsilon);
  bool any_sensitive = false;
  for (std::size_t t = 0; t < c.sensitive.size(); ++t) {
    if (!c.sensitive[t]) continue;
    if (!any_sensitive) canon += "\nsensitive=";
    any_sensitive = true;
    canon += std::to_string(t) + ',';
  }
  canon += "\nsegments=";
  for (const Segment& seg : c.segments) {
    canon += seg.id + '\x1e';
    for (const auto& [t, w] : seg.weights) canon += std::to_string(t) + ':' + Num(w) + ',';
    canon += '\x1f';
  }
  char fp[24];
  std::snprintf(fp, sizeof fp, "%014llx", static_cast<unsigned long long>(HashId(canon)));
  return fp;
}

}  // namespace

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
  c.sensitive.assign(c.taxonomy.size(), false);
  if (j.contains("sensitiveTopics") && !j["sensitiveTopics"].is_null()) {
    const json& st = j["sensitiveTopics"];
    if (!st.is_array()) return Bad("sensitiveTopics", -1, "sensitiveTopics must be an array of taxonomy topic names");
    for (std::size_t i = 0; i < st.size(); ++i) {
      const std::string field = "sensitiveTopics[" + std::to_string(i) + "]";
      auto it = st[i].is_string() ? index.find(st[i].get<std::string>()) : index.end();
      if (it == index.end()) return Bad(field, static_cast<int>(i), field + " must name a taxonomy topic");
      c.sensitive[static_cast<std::size_t>(it->second)] = true;
    }
  }
  Status st = ReadSegments(j, index, &c);
  if (!st.ok()) return st;
  if (j.contains("epsilonPerReport")) {
    if (!j["epsilonPerReport"].is_number()) return Bad("epsilonPerReport", -1, "epsilonPerReport must be a number");
    c.epsilon = j["epsilonPerReport"].get<double>();
  }
  if (!(c.epsilon >= kLdpMinEpsilon && c.epsilon <= kMaxReportEpsilon)) {
    return Bad("epsilonPerReport", -1, "epsilonPerReport must be a number in [0.01, 2] (a hard bound)");
  }
  if (j.contains("instantEpsilon") && !j["instantEpsilon"].is_null()) {
    const json& ie = j["instantEpsilon"];
    if (!ie.is_number() || !(ie.get<double>() == 0.0 || (ie.get<double>() >= kLdpMinEpsilon && ie.get<double>() <= kLdpMaxEpsilon))) {
      return Bad("instantEpsilon", -1, "instantEpsilon must be 0 (none) or a number in [0.01, 10]");
    }
    c.instant_epsilon = ie.get<double>();
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
  Status s = LdpParams::Make(c.mechanism, c.epsilon, topic_domain, &c.memo_topic);
  if (s.ok()) s = LdpParams::Make(c.mechanism, c.epsilon, std::max(2, segment_domain), &c.memo_segment);
  if (!s.ok()) return Bad(s.field(), -1, s.message());
  c.topic = WithInstantNoise(c.memo_topic, c.instant_epsilon);
  c.segment = WithInstantNoise(c.memo_segment, c.instant_epsilon);
  if (c.MemoWordsNeeded() > kMaxMemoWords) {
    return Bad("mechanism", -1, "mechanism 'oue' over this many values: use 'olh'");
  }
  c.data_hex_chars = c.mechanism == LdpMechanism::kOue ? 2 * ((max_domain + 7) / 8) : 16;

  c.fingerprint = Fingerprint(c);
  *out = std::move(c);
  return Status::Ok();
}

int ReportConfig::RandomWordsNeeded() const {
  return 1 + (instant_epsilon > 0.0 ? std::max(InstantWords(topic), InstantWords(segment)) : 0);
}

int ReportConfig::MemoWordsNeeded() const {
  return memo_topic.domain * memo_topic.RandomWordsNeeded() + memo_segment.domain * memo_segment.RandomWordsNeeded();
}

double ReportConfig::OneReportRatio() const {
  // The likelihood ratio of the two values whose support differs most.
  const double p = topic.p, q = topic.q;
  if (mechanism == LdpMechanism::kOue) return p * (1.0 - q) / ((1.0 - p) * q);
  const double g = topic.hash_range;
  return p * (g - 1.0) / (1.0 - p);
}

int FreshWordsNeeded(const ReportConfig& config) {
  return config.RandomWordsNeeded() +
         std::max(config.memo_topic.RandomWordsNeeded(), config.memo_segment.RandomWordsNeeded());
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

int ReportedTopTopic(const ReportConfig& config, const std::vector<double>& interest) {
  int best = -1;
  for (std::size_t i = 0; i < interest.size(); ++i) {
    if (i < config.sensitive.size() && config.sensitive[i]) continue;
    if (interest[i] > 0.0 && (best < 0 || interest[i] > interest[static_cast<std::size_t>(best)])) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

int MatchSegment(const ReportConfig& config, const std::vector<double>& interest) {
  double norm = 0.0;
  for (std::size_t i = 0; i < interest.size(); ++i) {
    // A sensitive topic's weight does not move the match either.
    if (interest[i] > 0.0 && !(i < config.sensitive.size() && config.sensitive[i])) norm += interest[i] * interest[i];
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

namespace {

// The report's value for `kind`: the top (non-sensitive) topic or the matched
// segment, the extra last value for none.
int ValueOf(const ReportConfig& config, ReportKind kind, const std::vector<double>& interest) {
  if (kind == ReportKind::kTopic) {
    const int top = ReportedTopTopic(config, interest);
    return top < 0 ? static_cast<int>(config.taxonomy.size()) : top;
  }
  const int seg = MatchSegment(config, interest);
  return seg < 0 ? static_cast<int>(config.segments.size()) : seg;
}

// Instantaneous randomized response on a memoized answer: OUE keeps each bit
// with k = e^eps1 / (e^eps1 + 1), else flips it; OLH keeps y with
// k = e^eps1 / (e^eps1 + g - 1), else moves it to one of the g - 1 others.
void ApplyInstantNoise(const ReportConfig& config, const LdpParams& params, const std::uint32_t* words,
                       LdpReport* r) {
  if (config.instant_epsilon <= 0.0) return;
  const double e = std::exp(config.instant_epsilon);
  if (params.mechanism == LdpMechanism::kOue) {
    const double flip = std::floor(4294967296.0 / (e + 1.0));
    for (int v = 0; v < params.domain; ++v) {
      if (static_cast<double>(words[v]) < flip) r->bits[static_cast<std::size_t>(v / 8)] ^= static_cast<std::uint8_t>(1u << (v % 8));
    }
  } else {
    const std::uint32_t g = params.hash_range;
    const double keep = std::floor(e / (e + g - 1.0) * 4294967296.0);
    if (static_cast<double>(words[0]) >= keep) {
      const std::uint32_t k = static_cast<std::uint32_t>((static_cast<std::uint64_t>(words[1]) * (g - 1)) >> 32);
      r->y = k < r->y ? k : k + 1;
    }
  }
}

std::string PayloadHex(const ReportConfig& config, const LdpReport& payload) {
  if (config.mechanism == LdpMechanism::kOue) return HexOf(payload.bits, config.data_hex_chars);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%08x%08x", payload.seed, payload.y);
  return buf;
}

// Reads a payload written by PayloadHex; the message names what is wrong.
bool ParsePayload(const ReportConfig& config, const LdpParams& params, const std::string& data, LdpReport* out,
                  std::string* why) {
  if (data.size() != static_cast<std::size_t>(config.data_hex_chars)) {
    *why = "data must be " + std::to_string(config.data_hex_chars) + " lowercase hex digits";
    return false;
  }
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    const int hi = HexDigit(data[i]), lo = HexDigit(data[i + 1]);
    if (hi < 0 || lo < 0) {
      *why = "data must be lowercase hex digits";
      return false;
    }
    bytes.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  if (config.mechanism == LdpMechanism::kOue) {
    for (int bit = params.domain; bit < static_cast<int>(bytes.size()) * 8; ++bit) {
      if ((bytes[static_cast<std::size_t>(bit / 8)] >> (bit % 8)) & 1u) {
        *why = "data sets a bit outside the domain";
        return false;
      }
    }
    bytes.resize(static_cast<std::size_t>((params.domain + 7) / 8));
    out->bits = std::move(bytes);
    return true;
  }
  auto word = [&](int from) {
    return (std::uint32_t{bytes[static_cast<std::size_t>(from)]} << 24) |
           (std::uint32_t{bytes[static_cast<std::size_t>(from + 1)]} << 16) |
           (std::uint32_t{bytes[static_cast<std::size_t>(from + 2)]} << 8) | bytes[static_cast<std::size_t>(from + 3)];
  };
  out->seed = word(0);
  out->y = word(4);
  if (out->y >= params.hash_range) {
    *why = "the hash value is out of range";
    return false;
  }
  return true;
}

std::string ReportJson(const ReportConfig& config, std::string_view day, ReportKind kind, const LdpReport& payload) {
  return json{{"schema", "localrank.report"},
              {"version", kReportVersion},
              {"config", config.fingerprint},
              {"day", std::string(day)},
              {"epsilon", config.epsilon},
              {"mechanism", LdpMechanismName(config.mechanism)},
              {"kind", static_cast<int>(kind)},
              {"data", PayloadHex(config, payload)}}
      .dump();
}

Status CheckEncodeInput(const ReportConfig& config, const std::vector<double>& interest, std::string_view day,
                        std::size_t word_count, int words_needed) {
  if (interest.size() != config.taxonomy.size()) {
    return Bad("interest", -1, "interest must have one weight per taxonomy topic");
  }
  if (!IsIsoDay(day)) return Bad("day", -1, "day must be a date written YYYY-MM-DD");
  if (word_count < static_cast<std::size_t>(words_needed)) {
    return Bad("random", -1, "need " + std::to_string(words_needed) + " random words");
  }
  return Status::Ok();
}

// The public coin: which attribute this report encodes.
ReportKind KindOf(const ReportConfig& config, std::uint32_t word) {
  return !config.segments.empty() && (word >> 31) ? ReportKind::kSegment : ReportKind::kTopic;
}

}  // namespace

LdpParams WithInstantNoise(const LdpParams& memo, double instant_epsilon) {
  LdpParams r = memo;
  if (instant_epsilon <= 0.0) return r;
  const double e = std::exp(instant_epsilon);
  if (memo.mechanism == LdpMechanism::kOue) {
    const double k = e / (e + 1.0);
    r.p = memo.p * k + (1.0 - memo.p) * (1.0 - k);
    r.q = memo.q * k + (1.0 - memo.q) * (1.0 - k);
  } else {
    const double g = memo.hash_range;
    const double k = e / (e + g - 1.0);
    r.p = memo.p * k + (1.0 - memo.p) * (1.0 - k) / (g - 1.0);
    // A value the device does not hold hashes uniformly: q stays 1/g.
  }
  return r;
}

int InstantWords(const LdpParams& params) { return params.mechanism == LdpMechanism::kOue ? params.domain : 2; }

Status DrawReportMemo(const ReportConfig& config, const std::uint32_t* words, std::size_t word_count,
                      ReportMemo* out) {
  if (word_count < static_cast<std::size_t>(config.MemoWordsNeeded())) {
    return Bad("random", -1, "need " + std::to_string(config.MemoWordsNeeded()) + " random words");
  }
  ReportMemo m;
  m.config = config.fingerprint;
  for (ReportKind kind : {ReportKind::kTopic, ReportKind::kSegment}) {
    const LdpParams& params = config.memo_params(kind);
    std::vector<LdpReport>& table = kind == ReportKind::kTopic ? m.topic : m.segment;
    table.resize(static_cast<std::size_t>(params.domain));
    for (int v = 0; v < params.domain; ++v) {
      Status s = Perturb(params, v, words, static_cast<std::size_t>(params.RandomWordsNeeded()), &table[static_cast<std::size_t>(v)]);
      if (!s.ok()) return s;
      words += params.RandomWordsNeeded();
    }
  }
  *out = std::move(m);
  return Status::Ok();
}

Status EncodeReport(const ReportConfig& config, const ReportMemo& memo, const std::vector<double>& interest,
                    std::string_view day, const std::uint32_t* words, std::size_t word_count, std::string* out) {
  Status s = CheckEncodeInput(config, interest, day, word_count, config.RandomWordsNeeded());
  if (!s.ok()) return s;
  if (memo.config != config.fingerprint || memo.topic.size() != static_cast<std::size_t>(config.memo_topic.domain) ||
      memo.segment.size() != static_cast<std::size_t>(config.memo_segment.domain)) {
    return Bad("memo", -1, "the memo was drawn for another configuration");
  }
  const ReportKind kind = KindOf(config, words[0]);
  const int value = ValueOf(config, kind, interest);
  LdpReport payload = (kind == ReportKind::kTopic ? memo.topic : memo.segment)[static_cast<std::size_t>(value)];
  ApplyInstantNoise(config, config.params(kind), words + 1, &payload);
  *out = ReportJson(config, day, kind, payload);
  return Status::Ok();
}

Status EncodeFreshReport(const ReportConfig& config, const std::vector<double>& interest, std::string_view day,
                         const std::uint32_t* words, std::size_t word_count, std::string* out) {
  Status s = CheckEncodeInput(config, interest, day, word_count, FreshWordsNeeded(config));
  if (!s.ok()) return s;
  const ReportKind kind = KindOf(config, words[0]);
  const LdpParams& params = config.memo_params(kind);
  LdpReport payload;
  const int instant = config.RandomWordsNeeded() - 1;
  s = Perturb(params, ValueOf(config, kind, interest), words + 1 + instant,
              static_cast<std::size_t>(params.RandomWordsNeeded()), &payload);
  if (!s.ok()) return s;
  ApplyInstantNoise(config, config.params(kind), words + 1, &payload);
  *out = ReportJson(config, day, kind, payload);
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
  std::string why = "data must be a string of lowercase hex digits";
  if (!j["data"].is_string() || !ParsePayload(config, config.params(r.kind), j["data"].get<std::string>(), &r.payload, &why)) {
    return BadReport("data", why);
  }
  *out = std::move(r);
  return Status::Ok();
}

}  // namespace localrank
