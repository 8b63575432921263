// SPDX-License-Identifier: MIT
// Private: every name id the learnt state refers to (ForEachNameUse: for
// Engine::CompactNames and CheckProfileState), and their renumbering
// (RemapNameIds: CompactNames, Engine::Replace). New state keyed by a name id
// is added to both; the snapshot writer (storage/snapshot_writer.cpp,
// NameIndex) writes the same walk out for its name table (sharing this one
// made the device module larger).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

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

namespace name_uses_detail {

template <typename V>
inline void RemapKeys(std::unordered_map<std::uint32_t, V>& m, const std::vector<std::int32_t>& remap) {
  std::unordered_map<std::uint32_t, V> out;
  out.reserve(m.size());
  for (auto& [id, v] : m) out.emplace(static_cast<std::uint32_t>(remap[id]), std::move(v));
  m = std::move(out);
}

}  // namespace name_uses_detail

/// Renumbers every name id of `p` and `f` (those ForEachNameUse walks):
/// `remap[kind][id]` is the new id of each id in use.
// Out of line: one copy for its two callers (code size).
[[gnu::noinline]] inline void RemapNameIds(Profile* p, FatigueState* f, const std::vector<std::int32_t> (&remap)[kNameKindCount]) {
  using name_uses_detail::RemapKeys;
  const auto& topic_ids = remap[static_cast<int>(NameKind::kTopic)];
  const auto& creator_ids = remap[static_cast<int>(NameKind::kCreator)];
  RemapKeys(p->topics, topic_ids);
  RemapKeys(p->topic_prefs, topic_ids);
  RemapKeys(p->creators, creator_ids);
  RemapKeys(p->creator_prefs, creator_ids);
  RemapKeys(p->contexts, remap[static_cast<int>(NameKind::kContext)]);
  RemapKeys(p->rates, topic_ids);
  for (auto& [id, ctx] : p->contexts) {
    RemapKeys(ctx.topics, topic_ids);
    RemapKeys(ctx.rates, topic_ids);
  }
  const FatigueTuning& ft = DefaultRankTuning().fatigue;
  auto topic_of = [&](std::uint32_t id) { return static_cast<std::uint32_t>(topic_ids[id]); };
  auto creator_of = [&](std::uint32_t id) { return static_cast<std::uint32_t>(creator_ids[id]); };
  f->topics.RemapKeys(topic_of, ft.topic_half_life_ms);
  f->creators.RemapKeys(creator_of, ft.creator_half_life_ms);
}

}  // namespace localrank
