// SPDX-License-Identifier: MIT
// Private: the canonical order of the profile JSON's named lists.
#pragma once

#include <nlohmann/json_fwd.hpp>

namespace localrank {

/// Sorts a JSON array of objects by their "name" string, so the same profile
/// always serializes to the same bytes. Every named list (topics, creators,
/// contexts, rates, fatigue) goes through this one function: a comparator
/// lambda per call site would be one std::sort instantiation each (about
/// 1.8 KB of wasm apiece).
void SortByName(nlohmann::json* array);

}  // namespace localrank
