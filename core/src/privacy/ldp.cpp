// SPDX-License-Identifier: MIT
#include "localrank/ldp.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace localrank {

namespace {

inline std::uint32_t Fmix32(std::uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// Maps a uniform 32-bit word to [0, n) by multiply-shift.
inline std::uint32_t Below(std::uint32_t word, std::uint32_t n) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(word) * n) >> 32);
}

// True with probability `prob` (to within 2^-32) for a uniform word.
inline bool Chance(std::uint32_t word, double prob) {
  const double threshold = std::floor(prob * 4294967296.0);
  return static_cast<double>(word) < threshold;
}

}  // namespace

const char* LdpMechanismName(LdpMechanism m) { return m == LdpMechanism::kOlh ? "olh" : "oue"; }

bool ParseLdpMechanism(std::string_view name, LdpMechanism* out) {
  if (name == "oue") *out = LdpMechanism::kOue;
  else if (name == "olh") *out = LdpMechanism::kOlh;
  else return false;
  return true;
}

LdpMechanism RecommendedMechanism(int domain) {
  return domain <= kOueMaxDomain ? LdpMechanism::kOue : LdpMechanism::kOlh;
}

Status LdpParams::Make(LdpMechanism mechanism, double epsilon, int domain, LdpParams* out) {
  if (!std::isfinite(epsilon) || epsilon < kLdpMinEpsilon || epsilon > kLdpMaxEpsilon) {
    return Status::Error(Code::kInvalidArgument, "epsilonPerReport", -1,
                         "epsilonPerReport must be a number in [0.01, 10]");
  }
  if (domain < 2 || domain > kLdpMaxDomain) {
    return Status::Error(Code::kInvalidArgument, "domain", -1,
                         "an LDP domain must have 2.." + std::to_string(kLdpMaxDomain) + " values");
  }
  LdpParams r;
  r.mechanism = mechanism;
  r.epsilon = epsilon;
  r.domain = domain;
  const double e = std::exp(epsilon);
  if (mechanism == LdpMechanism::kOue) {
    // OUE: the true bit is kept with 1/2, every other bit is set with 1/(e^eps+1).
    r.p = 0.5;
    r.q = 1.0 / (e + 1.0);
  } else {
    r.hash_range = static_cast<std::uint32_t>(std::max(2.0, std::round(e + 1.0)));
    const double g = r.hash_range;
    r.p = e / (e + g - 1.0);
    r.q = 1.0 / g;
  }
  *out = r;
  return Status::Ok();
}

int LdpParams::RandomWordsNeeded() const { return mechanism == LdpMechanism::kOue ? domain : 3; }

double LdpParams::ApproxVariance(double n) const {
  const double d = p - q;
  return n * q * (1.0 - q) / (d * d);
}

double LdpParams::Variance(double n, double count) const {
  const double d = p - q;
  return (n * q * (1.0 - q) + count * (p * (1.0 - p) - q * (1.0 - q))) / (d * d);
}

std::uint32_t OlhHash(std::uint32_t seed, std::uint32_t value, std::uint32_t g) {
  const std::uint32_t h = Fmix32(seed ^ Fmix32(value * 0x9e3779b1u + 0x7f4a7c15u));
  return Below(h, g);
}

Status Perturb(const LdpParams& params, int value, const std::uint32_t* words, std::size_t word_count,
               LdpReport* out) {
  if (value < 0 || value >= params.domain) {
    return Status::Error(Code::kInvalidArgument, "value", value, "value outside the LDP domain");
  }
  if (word_count < static_cast<std::size_t>(params.RandomWordsNeeded())) {
    return Status::Error(Code::kInvalidArgument, "random", -1,
                         "need " + std::to_string(params.RandomWordsNeeded()) + " random words");
  }
  // Validated above: from here on `out` is written (its buffer reused).
  LdpReport& r = *out;
  if (params.mechanism == LdpMechanism::kOue) {
    r.bits.assign(static_cast<std::size_t>((params.domain + 7) / 8), 0);
    const double keep = std::floor(params.p * 4294967296.0), flip = std::floor(params.q * 4294967296.0);
    for (int v = 0; v < params.domain; ++v) {
      const bool set = static_cast<double>(words[v]) < (v == value ? keep : flip);
      if (set) r.bits[static_cast<std::size_t>(v / 8)] |= static_cast<std::uint8_t>(1u << (v % 8));
    }
  } else {
    const std::uint32_t g = params.hash_range;
    r.seed = words[0];
    const std::uint32_t truth = OlhHash(r.seed, static_cast<std::uint32_t>(value), g);
    if (Chance(words[1], params.p)) {
      r.y = truth;
    } else {
      // Uniform over the g - 1 other hash values.
      const std::uint32_t k = Below(words[2], g - 1);
      r.y = k < truth ? k : k + 1;
    }
  }
  return Status::Ok();
}

bool Supports(const LdpParams& params, const LdpReport& report, int value) {
  if (value < 0 || value >= params.domain) return false;
  if (params.mechanism == LdpMechanism::kOue) {
    const std::size_t byte = static_cast<std::size_t>(value / 8);
    return byte < report.bits.size() && (report.bits[byte] >> (value % 8)) & 1u;
  }
  return OlhHash(report.seed, static_cast<std::uint32_t>(value), params.hash_range) == report.y;
}

std::vector<std::int32_t> SupportedValues(const LdpParams& params, const LdpReport& report) {
  std::vector<std::int32_t> out;
  for (int v = 0; v < params.domain; ++v) {
    if (Supports(params, report, v)) out.push_back(v);
  }
  return out;
}

FrequencyOracle::FrequencyOracle(const LdpParams& params)
    : params_(params), support_(static_cast<std::size_t>(params.domain), 0) {}

void FrequencyOracle::Add(const LdpReport& report) {
  ++reports_;
  for (int v = 0; v < params_.domain; ++v) {
    if (Supports(params_, report, v)) ++support_[static_cast<std::size_t>(v)];
  }
}

void FrequencyOracle::Add(const std::vector<std::int32_t>& supported) {
  ++reports_;
  for (std::int32_t v : supported) {
    if (v >= 0 && v < params_.domain) ++support_[static_cast<std::size_t>(v)];
  }
}

Status FrequencyOracle::Restore(std::uint64_t reports, const std::vector<std::uint64_t>& support) {
  if (support.size() != support_.size()) {
    return Status::Error(Code::kInvalidArgument, "support", -1,
                         "expected " + std::to_string(support_.size()) + " support counts");
  }
  for (std::size_t v = 0; v < support.size(); ++v) {
    if (support[v] > reports) {
      return Status::Error(Code::kInvalidArgument, "support", static_cast<int>(v),
                           "a support count exceeds the number of reports");
    }
  }
  reports_ = reports;
  support_ = support;
  return Status::Ok();
}

FrequencyEstimate FrequencyOracle::Estimate(int value) const {
  FrequencyEstimate e;
  const double n = static_cast<double>(reports_);
  if (value < 0 || value >= params_.domain || reports_ == 0) return e;
  const double c = static_cast<double>(support_[static_cast<std::size_t>(value)]);
  e.count = (c - n * params_.q) / (params_.p - params_.q);
  e.variance = params_.Variance(n, std::clamp(e.count, 0.0, n));
  e.std_error = std::sqrt(e.variance);
  e.ci_low = std::clamp(e.count - kZ95 * e.std_error, 0.0, n);
  e.ci_high = std::clamp(e.count + kZ95 * e.std_error, 0.0, n);
  return e;
}

}  // namespace localrank
