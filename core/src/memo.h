// SPDX-License-Identifier: MIT
// Per-call memo of a value per interned id (topic, creator): a feed of 1,000
// items with 8 topics asks for the same few hundred affinities 8,000 times,
// and each costs a hash lookup and two exp2. The memo computes each id once
// per call with the very same expression, so results are bit-identical.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace localrank {

class IdMemo {
 public:
  /// Forgets every value; ids must be < size afterwards.
  void Reset(std::size_t size) { values_.assign(size, kUnset); }

  /// The memoised compute(id); `compute` must not return NaN.
  template <typename F>
  double Get(std::uint32_t id, F&& compute) {
    double& v = values_[id];
    if (std::isnan(v)) v = compute(id);
    return v;
  }

 private:
  static constexpr double kUnset = NAN;
  std::vector<double> values_;
};

}  // namespace localrank
