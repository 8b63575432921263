// SPDX-License-Identifier: MIT
// Private: sorts off the hot paths, each one std::sort instantiation built
// for size (order.cpp is not among the wasm build's -O3 sources), instead of
// one instantiation per comparator lambda and key type at every call site.
#pragma once

#include <utility>
#include <vector>

namespace localrank {

/// Sorts (value, key) pairs by value, largest first, ties by key, smallest
/// first. Keys are any integers up to 2^53 (ids, item keys), held exactly.
void SortByValueDescThenKey(std::vector<std::pair<double, double>>* v);

}  // namespace localrank
