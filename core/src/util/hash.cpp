// SPDX-License-Identifier: MIT
#include "localrank/hash.h"

namespace localrank {

namespace {
inline std::uint32_t Imul(std::uint32_t a, std::uint32_t b) { return a * b; }
inline std::uint32_t Rotl(std::uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
}  // namespace

std::uint64_t HashId(std::string_view utf8, std::uint32_t seed) {
  std::uint32_t h1 = 0xdeadbeefu ^ seed;
  std::uint32_t h2 = 0x41c6ce57u ^ seed;
  for (unsigned char ch : utf8) {
    h1 = Imul(h1 ^ ch, 2654435761u);
    h2 = Imul(h2 ^ ch, 1597334677u);
  }
  h1 = Imul(h1 ^ (h1 >> 16), 2246822507u);
  h1 ^= Imul(h2 ^ (h2 >> 13), 3266489909u);
  h2 = Imul(h2 ^ (h2 >> 16), 2246822507u);
  h2 ^= Imul(h1 ^ (h1 >> 13), 3266489909u);
  return (static_cast<std::uint64_t>(h2 & 0x1fffffu) << 32) | h1;
}

void Rng::Seed(std::uint64_t seed) {
  std::uint64_t z = seed;
  for (int i = 0; i < 2; ++i) {
    z += 0x9e3779b97f4a7c15ull;
    std::uint64_t x = z;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    s_[2 * i] = static_cast<std::uint32_t>(x);
    s_[2 * i + 1] = static_cast<std::uint32_t>(x >> 32);
  }
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;
}

std::uint32_t Rng::NextU32() {
  const std::uint32_t result = Rotl(s_[1] * 5, 7) * 9;
  const std::uint32_t t = s_[1] << 9;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 11);
  return result;
}

double Rng::NextDouble() {
  // 53 random bits from two draws.
  const std::uint64_t hi = NextU32() >> 5;  // 27 bits
  const std::uint64_t lo = NextU32() >> 6;  // 26 bits
  return static_cast<double>((hi << 26) | lo) * (1.0 / 9007199254740992.0);
}

}  // namespace localrank
