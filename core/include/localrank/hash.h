// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string_view>

namespace localrank {

/// 53-bit hash of a UTF-8 string (cyrb53). The JavaScript facade computes the
/// same function over the UTF-8 bytes of an item id, so item keys agree across
/// native and wasm builds. The result is exact as a JavaScript number.
std::uint64_t HashId(std::string_view utf8, std::uint32_t seed = 0);

/// Deterministic, seedable pseudo-random generator (xoshiro128**, seeded by
/// splitmix64). Identical sequences on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) { Seed(seed); }
  void Seed(std::uint64_t seed);
  std::uint32_t NextU32();
  /// Uniform in [0, 1).
  double NextDouble();

 private:
  std::uint32_t s_[4];
};

}  // namespace localrank
