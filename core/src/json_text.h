// SPDX-License-Identifier: MIT
// Private: reading JSON text, and the canonical order of the profile JSON's
// named lists. One definition each (json_text.cpp, a size-optimised source
// in the wasm build), shared by every JSON format of the core.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace localrank {

/// Parses `text` as one JSON document (nothing may follow it); a discarded
/// value when it is not JSON. Without exceptions and without a parser
/// callback: nlohmann's `parse(..., nullptr, false)` would also build its
/// callback parser, about 5 KB of wasm that no caller uses.
nlohmann::json ParseJson(std::string_view text);

/// Sorts a JSON array of objects by their "name" string, so the same profile
/// always serializes to the same bytes. Every named list (topics, creators,
/// contexts, rates, fatigue) goes through this one function: a comparator
/// lambda per call site would be one std::sort instantiation each (about
/// 1.8 KB of wasm apiece).
void SortByName(nlohmann::json* array);

}  // namespace localrank
