// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>

namespace localrank {

/// A value that decays exponentially with a half-life: interests (profile.h)
/// and impression counts (fatigue.h) are both made of it. Updates that arrive
/// out of order (an event older than the last one) are decayed to the newer
/// time, so replays of historical data give the same result as live use.
struct Decayed {
  double value = 0.0;
  double t = 0.0;  ///< ms timestamp `value` refers to

  /// The value at `now`; never grows into the future (now <= t gives value).
  double At(double now, double half_life_ms) const {
    if (now <= t || value == 0.0) return value;
    return value * std::exp2(-(now - t) / half_life_ms);
  }
  void Add(double delta, double at, double half_life_ms) {
    if (at >= t) {
      value = At(at, half_life_ms) + delta;
      t = at;
    } else {
      value += delta * std::exp2(-(t - at) / half_life_ms);
    }
  }
  /// A time-invariant key of a value >= 0: for two values with the same
  /// half-life, At(now) orders like Rank() at every now >= both t (it is log2
  /// of the value extrapolated back to time 0). -infinity for zero.
  double Rank(double half_life_ms) const { return std::log2(value) + t / half_life_ms; }
};

}  // namespace localrank
