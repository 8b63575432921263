// SPDX-License-Identifier: MIT
// Private: every name id the learnt state refers to, for Engine::CompactNames.
// New state keyed by a name id is added here and remapped in CompactNames;
// ExportSnapshot (storage/snapshot_codec.cpp) writes the same walk out for
// its name table (sharing this one made the device module larger).
#pragma once

#include <cstdint>

#include "localrank/fatigue.h"
#include "localrank/profile.h"
#include "localrank/types.h"

namespace localrank {

/// Calls use(kind, id) for each name id `profile` and `fatigue` refer to
/// (an id may come more than once; the order carries no meaning).
template <typename F>
void ForEachNameUse(const Profile& profile, const FatigueState& fatigue, F&& use) {
  for (const auto& [id, a] : profile.topics) use(NameKind::kTopic, id);
  for (const auto& [id, a] : profile.creators) use(NameKind::kCreator, id);
  for (const auto& [id, r] : profile.rates) use(NameKind::kTopic, id);
  for (const auto& [id, ctx] : profile.contexts) {
    use(NameKind::kContext, id);
    for (const auto& [t, a] : ctx.topics) use(NameKind::kTopic, t);
    for (const auto& [t, r] : ctx.rates) use(NameKind::kTopic, t);
  }
  for (const auto& [id, p] : profile.topic_prefs) use(NameKind::kTopic, id);
  for (const auto& [id, p] : profile.creator_prefs) use(NameKind::kCreator, id);
  // Fatigue is exported by name too: its names stay.
  for (const auto& [id, c] : fatigue.creators) use(NameKind::kCreator, id);
  for (const auto& [id, c] : fatigue.topics) use(NameKind::kTopic, id);
}

}  // namespace localrank
