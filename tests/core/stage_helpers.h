// SPDX-License-Identifier: MIT
// Shared by the stage tests: feeds built in code and result inspection.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fixture.h"
#include "localrank/engine.h"
#include "localrank/stages.h"

namespace localrank::testing {

constexpr double kNow = 1700000000000.0;

/// n items: topic topics[i % topics.size()], creator "c<i % creators>", descending server scores.
inline nlohmann::json MakeFeed(int n, const std::vector<std::string>& topics, int creators) {
  nlohmann::json items = nlohmann::json::array();
  for (int i = 0; i < n; ++i) {
    items.push_back({{"id", "i" + std::to_string(i)},
                     {"topics", {{topics[static_cast<std::size_t>(i) % topics.size()], 1}}},
                     {"creatorId", "c" + std::to_string(i % creators)},
                     {"serverScore", 1.0 - i / static_cast<double>(n)}});
  }
  return items;
}

/// Ranks `items` with the current options; returns the ranked items (JSON) in order.
inline std::vector<nlohmann::json> Ranked(Engine& e, const nlohmann::json& items, double now = kNow) {
  FillCandidates(e, items);
  if (!e.Rerank(now).ok()) return {};
  std::vector<nlohmann::json> out;
  for (auto i : e.result().order) out.push_back(items[static_cast<std::size_t>(i)]);
  return out;
}

/// Sum of the contributions of rank r.
inline double ReasonSum(const RankResult& r, std::size_t rank) {
  double s = 0.0;
  for (const RankedReason& x : r.ReasonsAt(rank)) s += x.value;
  return s;
}

/// Total of one reason kind at rank r.
inline double KindSum(const RankResult& r, std::size_t rank, ReasonKind kind) {
  double s = 0.0;
  for (const RankedReason& x : r.ReasonsAt(rank)) {
    if (x.kind == static_cast<int>(kind)) s += x.value;
  }
  return s;
}

inline bool HasKind(const RankResult& r, std::size_t rank, ReasonKind kind) {
  for (const RankedReason& x : r.ReasonsAt(rank)) {
    if (x.kind == static_cast<int>(kind)) return true;
  }
  return false;
}

/// Mean pairwise (1 - topic overlap) of the first k ranked items (single-topic items).
inline double IntraListDiversity(const std::vector<nlohmann::json>& ranked, std::size_t k) {
  k = std::min(k, ranked.size());
  double s = 0.0;
  int pairs = 0;
  for (std::size_t a = 0; a < k; ++a) {
    for (std::size_t b = a + 1; b < k; ++b) {
      s += ranked[a]["topics"].begin().key() == ranked[b]["topics"].begin().key() ? 0.0 : 1.0;
      ++pairs;
    }
  }
  return pairs ? s / pairs : 0.0;
}

}  // namespace localrank::testing
