// SPDX-License-Identifier: MIT
// Test helper: drives an Engine from the same JSON fixtures the JavaScript
// tests feed to the package, so native and wasm rankings can be compared.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "localrank/engine.h"

namespace localrank::testing {

/// Reads a whole file; empty string when missing.
std::string ReadFile(const std::string& path);

/// Interns the names of `items` (the public JS item shape) and fills
/// engine.candidates(). Topics may be {name: weight} or [names].
void FillCandidates(Engine& engine, const nlohmann::json& items);

/// Fills engine.events() from public JS event objects (plus `contextKeys`,
/// the keys the facade derives from `context`).
void FillEvents(Engine& engine, const nlohmann::json& events);

/// Records events, reranks items, and returns
/// [{id, score, originalIndex, reasons:[{kind, label, contribution}]}].
nlohmann::json RunFixture(const nlohmann::json& fixture);

}  // namespace localrank::testing
