// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "localrank/status.h"

namespace localrank {

/// Local differential privacy frequency oracles of Wang et al., "Locally
/// Differentially Private Protocols for Frequency Estimation" (USENIX
/// Security 2017): Optimized Unary Encoding (OUE) and Optimized Local Hashing
/// (OLH). Both are epsilon-LDP and have (nearly) the same estimator variance,
/// about n * 4e^eps / (e^eps - 1)^2; they differ in report size (OUE: d bits,
/// OLH: two 32-bit words) and server cost. See docs/privacy.md.
///
/// The core never draws randomness for a report itself: callers pass uniform
/// 32-bit words (from `crypto.getRandomValues` in the browser), because the
/// core's Rng is not cryptographic.
enum class LdpMechanism : std::int32_t { kOue = 0, kOlh = 1 };

/// "oue" / "olh".
const char* LdpMechanismName(LdpMechanism m);
/// Accepts "oue" and "olh"; returns false otherwise.
bool ParseLdpMechanism(std::string_view name, LdpMechanism* out);

/// Largest domain encoded with OUE by RecommendedMechanism: an OUE report is
/// one bit per value, an OLH report is 64 bits whatever the domain, so above
/// 64 values OLH sends less and (the paper's recommendation for large
/// domains) is used.
constexpr int kOueMaxDomain = 64;
/// Largest supported domain (values per report).
constexpr int kLdpMaxDomain = 4096;
/// Supported epsilon range per report.
constexpr double kLdpMinEpsilon = 0.01;
constexpr double kLdpMaxEpsilon = 10.0;

/// OUE for domains of at most kOueMaxDomain values, OLH above.
LdpMechanism RecommendedMechanism(int domain);

/// Parameters of one oracle. `p` is the probability that a report supports
/// the client's true value, `q` that it supports any other given value.
struct LdpParams {
  LdpMechanism mechanism = LdpMechanism::kOue;
  double epsilon = 1.0;
  int domain = 0;
  /// OLH hash range g = round(e^eps + 1) (>= 2); 0 for OUE.
  std::uint32_t hash_range = 0;
  double p = 0.0;
  double q = 0.0;

  /// Fills `out` for a mechanism, epsilon and domain size (values 0..domain-1).
  static Status Make(LdpMechanism mechanism, double epsilon, int domain, LdpParams* out);

  /// How many uniform 32-bit words Perturb consumes (OUE: domain, OLH: 3).
  int RandomWordsNeeded() const;
  /// Approximate variance of a count estimate from n reports,
  /// n q (1-q) / (p-q)^2 (the paper's formula; for OUE n * 4e^eps/(e^eps-1)^2).
  double ApproxVariance(double n) const;
  /// Exact variance of a count estimate from n reports when `count` of them
  /// hold the value: (n q(1-q) + count (p(1-p) - q(1-q))) / (p-q)^2.
  double Variance(double n, double count) const;
};

/// One perturbed value. OUE: `bits` (bit v of byte v/8 supports value v).
/// OLH: hash `seed` and the perturbed hash value `y` in [0, g).
struct LdpReport {
  std::vector<std::uint8_t> bits;
  std::uint32_t seed = 0;
  std::uint32_t y = 0;
};

/// The OLH hash family: value v to [0, g) under `seed` (murmur3 mixing).
std::uint32_t OlhHash(std::uint32_t seed, std::uint32_t value, std::uint32_t g);

/// Perturbs `value` (0..domain-1) with `words` (RandomWordsNeeded() uniform
/// 32-bit words). A probability is compared against a word, so each is exact
/// to within 2^-32.
Status Perturb(const LdpParams& params, int value, const std::uint32_t* words, std::size_t word_count,
               LdpReport* out);

/// Whether a report supports value v (OUE: bit v set; OLH: OlhHash(seed, v) == y).
bool Supports(const LdpParams& params, const LdpReport& report, int value);

/// A count estimate with its uncertainty.
struct FrequencyEstimate {
  /// Unbiased estimate of how many of the n reporters hold the value (may be
  /// negative or above n: clamping would bias it).
  double count = 0.0;
  double variance = 0.0;
  double std_error = 0.0;
  /// 95% normal interval, clipped to [0, n].
  double ci_low = 0.0;
  double ci_high = 0.0;
};

/// z of a two-sided 95% normal interval.
constexpr double kZ95 = 1.959963984540054;

/// Running support counts of one oracle (the server's state).
class FrequencyOracle {
 public:
  FrequencyOracle() = default;
  explicit FrequencyOracle(const LdpParams& params);

  const LdpParams& params() const { return params_; }
  std::uint64_t reports() const { return reports_; }
  /// support()[v]: reports that support value v.
  const std::vector<std::uint64_t>& support() const { return support_; }

  /// Adds one report's support (the values it supports, ascending).
  void Add(const std::vector<std::int32_t>& supported);
  /// Adds one perturbed report (same as Add(SupportedValues(params(), report))).
  void Add(const LdpReport& report);
  /// Replaces the running sums (e.g. restored from storage). Sizes must match.
  Status Restore(std::uint64_t reports, const std::vector<std::uint64_t>& support);

  /// Unbiased estimate of value v: (C_v - n q) / (p - q), with the exact
  /// variance evaluated at the estimate (clamped to [0, n]).
  FrequencyEstimate Estimate(int value) const;

 private:
  LdpParams params_;
  std::uint64_t reports_ = 0;
  std::vector<std::uint64_t> support_;
};

/// The values a report supports, ascending.
std::vector<std::int32_t> SupportedValues(const LdpParams& params, const LdpReport& report);

/// k-suppression: an estimate from fewer than `min_reports` reports is not released.
inline bool Suppressed(std::uint64_t reports, std::uint64_t min_reports) { return reports < min_reports; }

}  // namespace localrank
