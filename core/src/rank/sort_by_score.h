// SPDX-License-Identifier: MIT
// Private to the rerank stage (diversity.cpp): the order it scans items in.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "rank/scratch.h"

namespace localrank {

// Below this many items the radix sort's fixed work (8 x 256 counters) costs
// more than the comparisons it saves (callgrind, 100 and 250 candidates).
constexpr std::size_t kRadixSortMinItems = 256;

// Writes `items` (ascending input indexes) into `order` by score descending,
// equal scores in input order: the order of a comparison sort by (score
// desc, index asc), produced by a stable LSD radix sort of keys made from the
// scores' bits. Unlike the comparison sort it has no data-dependent branches
// to mispredict (in wasm, the sort of 1,000 was 5% of a packed rerank).
// Scores are never NaN; -0 gets the key of +0 (the two compare equal).
inline void SortByScore(const double* total, const std::vector<std::int32_t>& items, RerankScratch* r,
                 std::vector<std::int32_t>* order) {
  const std::size_t n = items.size();
  order->assign(items.begin(), items.end());
  if (n < 2) return;
  r->radix_keys.resize(n);
  r->radix_keys_swap.resize(n);
  r->radix_items_swap.resize(n);
  std::uint64_t* keys = r->radix_keys.data();
  std::uint64_t* keys_swap = r->radix_keys_swap.data();
  std::int32_t* idx = order->data();
  std::int32_t* idx_swap = r->radix_items_swap.data();
  std::uint32_t count[8][256] = {};
  for (std::size_t j = 0; j < n; ++j) {
    const double v = total[static_cast<std::size_t>(idx[j])];
    const double x = v == 0.0 ? 0.0 : v;
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    // Ascending as unsigned: negatives with every bit flipped, the others
    // with the sign bit set; then all flipped, for descending.
    const std::uint64_t negative = 0 - (bits >> 63);
    const std::uint64_t key = ~(bits ^ (negative | (std::uint64_t{1} << 63)));
    keys[j] = key;
    for (int d = 0; d < 8; ++d) ++count[d][(key >> (8 * d)) & 0xffu];
  }
  for (int d = 0; d < 8; ++d) {
    const int shift = 8 * d;
    std::uint32_t* c = count[d];
    // A digit that every key shares leaves the order as it is.
    if (c[(keys[0] >> shift) & 0xffu] == n) continue;
    std::uint32_t sum = 0;
    for (int b = 0; b < 256; ++b) {
      const std::uint32_t here = c[b];
      c[b] = sum;
      sum += here;
    }
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint32_t at = c[(keys[j] >> shift) & 0xffu]++;
      keys_swap[at] = keys[j];
      idx_swap[at] = idx[j];
    }
    std::swap(keys, keys_swap);
    std::swap(idx, idx_swap);
  }
  // After an odd number of passes the result is in the scratch array.
  if (idx != order->data()) std::copy_n(idx, n, order->data());
}

}  // namespace localrank
