// SPDX-License-Identifier: MIT
// Name-table compaction: keeps the interners bounded by what the profile
// actually refers to.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "localrank/engine.h"
#include "localrank/stages.h"

#include "profile/name_uses.h"

namespace localrank {

namespace {

constexpr std::int32_t kUnused = -1;

// New ids for the names marked used, in their old order; kUnused for the rest.
std::vector<std::int32_t> Renumber(const std::vector<char>& used) {
  std::vector<std::int32_t> remap(used.size(), kUnused);
  std::int32_t next = 0;
  for (std::size_t i = 0; i < used.size(); ++i) {
    if (used[i]) remap[i] = next++;
  }
  return remap;
}

}  // namespace

std::size_t Engine::NameCount() const {
  std::size_t n = 0;
  for (const Interner& in : state_.names) n += in.size();
  return n;
}

bool Engine::CompactNames() {
  std::vector<char> used[kNameKindCount];
  for (int k = 0; k < kNameKindCount; ++k) used[k].assign(state_.names[k].size(), 0);
  ForEachNameUse(state_.profile, state_.fatigue, [&](NameKind kind, std::uint32_t id) { used[static_cast<int>(kind)][id] = 1; });
  bool dropped = false;
  for (int k = 0; k < kNameKindCount; ++k) {
    for (char u : used[k]) dropped = dropped || !u;
  }
  if (!dropped) return false;

  std::vector<std::int32_t> remap[kNameKindCount];
  for (int k = 0; k < kNameKindCount; ++k) {
    remap[k] = Renumber(used[k]);
    Interner fresh;
    for (std::size_t i = 0; i < used[k].size(); ++i) {
      if (used[k][i]) fresh.Intern(state_.names[k].Name(static_cast<std::uint32_t>(i)));
    }
    state_.names[k] = std::move(fresh);
  }
  RemapNameIds(&state_.profile, &state_.fatigue, remap);
  // The batches and the last result hold ids of the old tables.
  candidates_ = CandidateBatch();
  events_ = EventBatch();
  options_.context_ids.clear();
  result_.Clear();
  return true;
}

}  // namespace localrank
