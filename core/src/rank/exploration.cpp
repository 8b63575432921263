// SPDX-License-Identifier: MIT
// Exploration: which slots are given to items outside the person's known
// interests (a fixed share of slots). For an explored slot, one main topic
// among the candidates outside known interests is drawn with probability
// proportional to its best item's adjusted score to the power
// RankTuning::explore_power, and that item placed (diversity.cpp); the
// probability of that draw is returned as the item's propensity.
#include <algorithm>
#include <cmath>

#include "localrank/stages.h"

namespace localrank {

int ExploreSlotCount(double share, int eligible) {
  if (!(share > 0.0) || eligible < 2) return 0;
  // floor: the promised share is an upper bound, never exceeded.
  const int k = static_cast<int>(std::floor(std::min(share, 1.0) * eligible + 1e-9));
  return std::clamp(k, 0, eligible - 1);
}

void ChooseExploreSlots(const std::vector<std::int32_t>& free_positions, int count, Rng& rng,
                        std::vector<std::int32_t>* allowed, std::vector<std::int32_t>* slots) {
  slots->clear();
  allowed->clear();
  for (auto p : free_positions) {
    if (p != 0) allowed->push_back(p);
  }
  const int m = static_cast<int>(allowed->size());
  count = std::min(count, m);
  if (count <= 0) return;
  // Stratified: stratum k covers allowed[lo_k, hi_k); one draw in each.
  for (int k = 0; k < count; ++k) {
    const int lo = static_cast<int>(static_cast<long long>(k) * m / count);
    const int hi = static_cast<int>(static_cast<long long>(k + 1) * m / count);
    const int span = std::max(1, hi - lo);
    const int pick = lo + static_cast<int>(rng.NextDouble() * span);
    slots->push_back((*allowed)[static_cast<std::size_t>(std::min(pick, m - 1))]);
  }
}

std::vector<std::int32_t> ChooseExploreSlots(const std::vector<std::int32_t>& free_positions, int count, Rng& rng) {
  std::vector<std::int32_t> allowed, slots;
  ChooseExploreSlots(free_positions, count, rng, &allowed, &slots);
  return slots;
}

}  // namespace localrank
