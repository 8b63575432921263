// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace localrank {

/// 53-bit hash of a UTF-8 string (cyrb53). The JavaScript facade computes the
/// same function over the UTF-8 bytes of an item id, so item keys agree across
/// native and wasm builds. The result is exact as a JavaScript number.
std::uint64_t HashId(std::string_view utf8, std::uint32_t seed = 0);

/// Hash of an item key (a HashId value held in a double) for hash maps:
/// equal keys (0.0 and -0.0 too) hash alike. Keys are looked up once or
/// twice per candidate and rerank; std::hash<double> hashes the bytes with
/// murmur, several times the cost of this mix.
struct ItemKeyHash {
  std::size_t operator()(double key) const noexcept {
    const double k = key == 0.0 ? 0.0 : key;
    std::uint64_t bits;
    std::memcpy(&bits, &k, sizeof bits);
    bits ^= bits >> 31;
    bits *= 0x9e3779b97f4a7c15ull;
    return static_cast<std::size_t>(bits ^ (bits >> 29));
  }
};

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
