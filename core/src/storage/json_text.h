// SPDX-License-Identifier: MIT
// Private: reading JSON text, the canonical order of the profile JSON's
// lists, and the JSON of preferences and model signals. One definition each
// (json_text.cpp, a size-optimised source in the wasm build), shared by every
// JSON format of the core.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "localrank/interner.h"
#include "localrank/profile.h"

namespace localrank {

/// Parses `text` as one JSON document (nothing may follow it); a discarded
/// value when it is not JSON. Without exceptions and without a parser
/// callback: nlohmann's `parse(..., nullptr, false)` would also build its
/// callback parser, about 5 KB of wasm that no caller uses.
nlohmann::json ParseJson(std::string_view text);

/// Sorts (value, name id) pairs: largest value first, ties by name, so the
/// same profile always exports and summarises alike. Every ordered list of
/// the JSON formats goes through this one sort (a comparator per call site
/// would be one std::sort instantiation each, about 1.8 KB of wasm apiece).
void SortByValueThenName(std::vector<std::pair<double, std::uint32_t>>* v, const Interner& names);

/// The keys (name ids) of `m` in the order of their names.
template <typename Map>
std::vector<std::uint32_t> IdsByName(const Map& m, const Interner& names) {
  std::vector<std::pair<double, std::uint32_t>> order;
  order.reserve(m.size());
  for (const auto& kv : m) order.emplace_back(0.0, static_cast<std::uint32_t>(kv.first));
  SortByValueThenName(&order, names);
  std::vector<std::uint32_t> ids;
  ids.reserve(order.size());
  for (const auto& e : order) ids.push_back(e.second);
  return ids;
}

/// {name: "more" | "less" | "never"} of a preference map (the JSON export and the summary).
nlohmann::json PreferenceMap(const std::unordered_map<std::uint32_t, Preference>& m, const Interner& names);

/// {signal: value} of the model's first n parameters (model.h's order).
nlohmann::json SignalObject(const double* v, int n);

}  // namespace localrank
