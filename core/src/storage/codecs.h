// SPDX-License-Identifier: MIT
// Private: the two formats of a profile state (docs/storage.md). They only
// convert: what a format needs to be read (types, lengths, order, a name
// table) is checked here, every limit of the state itself in
// CheckProfileState (profile_state.h), which Engine::Replace runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "localrank/profile_state.h"
#include "localrank/status.h"

namespace localrank {

/// Versioned, portable JSON of `s` (names, not ids); lists sorted by name so
/// the same state always gives the same bytes (profile_json.cpp).
std::string EncodeProfileJson(const ProfileState& s, double now);
/// Reads a profile JSON of any supported version into `out`, interning its
/// names into out->names (names already there keep their ids). Errors name the
/// field (CORRUPT_PROFILE, or LIMIT_EXCEEDED beyond kMaxProfileBytes).
Status DecodeProfileJson(std::string_view text, ProfileState* out);
/// The optional `fatigue` section of the profile JSON (fatigue_json.cpp).
Status DecodeFatigueJson(const nlohmann::json& j, ProfileState* out);

/// The binary snapshot of `s`: tagged sections, names as strings; replaces the
/// contents of `out` (its capacity is reused) (snapshot_writer.cpp).
void EncodeSnapshot(const ProfileState& s, std::vector<std::uint8_t>* out);
/// Reads a snapshot of any supported version into `out` like
/// DecodeProfileJson; a cut, corrupted or hostile snapshot fails naming the
/// field (snapshot_reader.cpp).
Status DecodeSnapshot(const std::uint8_t* data, std::size_t size, ProfileState* out);

}  // namespace localrank
