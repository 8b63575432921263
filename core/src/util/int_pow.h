// SPDX-License-Identifier: MIT
// Private: x^n for an integer n, the only powers the ranking takes (the
// creator and topic decays, the engagement-rate lift and the exploration
// weights; RankTuning's exponents are integers). Exponentiation by squaring
// in double-double arithmetic (Dekker's exact product, no FMA), the binary
// exponent kept apart so nothing underflows on the way, then one rounding:
// a normal result is the correctly rounded power except for inputs within
// about 2^-100 of a rounding midpoint, and the same on every platform (a
// subnormal one may be one unit off). Not calling std::pow keeps musl's pow
// and its 4 KB table out of the wasm module (about 3 KB gzip; BENCHMARKS.md,
// "Build choices"). glibc's and musl's pow (within 0.52 ULP) differ from the
// correctly rounded power in about 1 of 1,200 random inputs, by one unit in
// the last place.
#pragma once

#include <cmath>

namespace localrank {
namespace int_pow_detail {

// a * b = *p + *e exactly, for |a|, |b| < 2 (Dekker: each factor split into
// two 26-bit halves). Relies on no contraction into fused multiply-adds,
// which neither build enables (no -march in the native build, no FMA in wasm).
inline void TwoProduct(double a, double b, double* p, double* e) {
  constexpr double kSplit = 134217729.0;  // 2^27 + 1
  *p = a * b;
  const double ca = kSplit * a, cb = kSplit * b;
  const double ah = ca - (ca - a), al = a - ah;
  const double bh = cb - (cb - b), bl = b - bh;
  *e = ((ah * bh - *p) + ah * bl + al * bh) + al * bl;
}

// (h + l) * 2^e, h in [0.5, 1) in magnitude (or 0), |l| <= ulp(h) / 2.
struct Wide {
  double h, l;
  long long e;
};

inline void Normalize(Wide* w) {
  int s = 0;
  w->h = std::frexp(w->h, &s);
  w->l = std::ldexp(w->l, -s);
  w->e += s;
}

inline Wide Multiply(const Wide& a, const Wide& b) {
  double p, err;
  TwoProduct(a.h, b.h, &p, &err);
  err += a.h * b.l + a.l * b.h;
  Wide r{p + err, 0.0, a.e + b.e};
  r.l = err - (r.h - p);
  Normalize(&r);
  return r;
}

// The value of w rounded once; 0 or infinity far outside the double range.
inline double Round(double v, long long e) {
  if (e < -2200) return v * 0.0;
  if (e > 2200) return v * INFINITY;
  return std::ldexp(v, static_cast<int>(e));
}

}  // namespace int_pow_detail

/// x^n. n = 0 is 1 (also for x = 0, as pow); n < 0 is the rounded 1 / x^-n.
/// n = 1, 2 and -1 (the engagement-rate lift's square, the decay tables'
/// start) are one IEEE operation, rounded once like every other power, and
/// cost no double-double work.
inline double IntPow(double x, int n) {
  using int_pow_detail::Wide;
  if (n == 0) return 1.0;
  if (n == 1) return x;
  if (n == 2) return x * x;
  if (n == -1) return 1.0 / x;
  if (!std::isfinite(x) || x == 0.0) {
    double r = 1.0;
    for (int k = n < 0 ? -n : n; k > 0; --k) r *= x;
    return n < 0 ? 1.0 / r : r;
  }
  Wide base{x, 0.0, 0};
  int_pow_detail::Normalize(&base);
  Wide r{0.5, 0.0, 1};  // 1
  // Largest n is INT_MIN: its magnitude as unsigned.
  unsigned k = n < 0 ? 0u - static_cast<unsigned>(n) : static_cast<unsigned>(n);
  while (k > 0) {
    if (k & 1u) r = int_pow_detail::Multiply(r, base);
    k >>= 1;
    if (k > 0) base = int_pow_detail::Multiply(base, base);
    if (r.e < -4000 || r.e > 4000) break;  // already 0 or infinite once rounded
  }
  if (n > 0) return int_pow_detail::Round(r.h + r.l, r.e);
  // 1 / (h + l): a quotient of 1 / h, corrected by one Newton step.
  const double q = 1.0 / r.h;
  double p, err;
  int_pow_detail::TwoProduct(q, r.h, &p, &err);
  const double rem = ((1.0 - p) - err) - q * r.l;
  return int_pow_detail::Round(q + q * rem, -r.e);
}

}  // namespace localrank
