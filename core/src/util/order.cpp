// SPDX-License-Identifier: MIT
#include "util/order.h"

#include <algorithm>

namespace localrank {

void SortByValueDescThenKey(std::vector<std::pair<double, double>>* v) {
  std::sort(v->begin(), v->end(), [](const std::pair<double, double>& a, const std::pair<double, double>& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second < b.second;
  });
}

}  // namespace localrank
