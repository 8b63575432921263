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

template <typename V>
void RemapKeys(std::unordered_map<std::uint32_t, V>& m, const std::vector<std::int32_t>& remap) {
  std::unordered_map<std::uint32_t, V> out;
  out.reserve(m.size());
  for (auto& [id, v] : m) out.emplace(static_cast<std::uint32_t>(remap[id]), std::move(v));
  m = std::move(out);
}

}  // namespace

std::size_t Engine::NameCount() const {
  std::size_t n = 0;
  for (const Interner& in : names_) n += in.size();
  return n;
}

bool Engine::CompactNames() {
  std::vector<char> used[kNameKindCount];
  for (int k = 0; k < kNameKindCount; ++k) used[k].assign(names_[k].size(), 0);
  ForEachNameUse(profile_, fatigue_, [&](NameKind kind, std::uint32_t id) { used[static_cast<int>(kind)][id] = 1; });
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
      if (used[k][i]) fresh.Intern(names_[k].Name(static_cast<std::uint32_t>(i)));
    }
    names_[k] = std::move(fresh);
  }
  const auto& topic_ids = remap[static_cast<int>(NameKind::kTopic)];
  const auto& creator_ids = remap[static_cast<int>(NameKind::kCreator)];
  RemapKeys(profile_.topics, topic_ids);
  RemapKeys(profile_.topic_prefs, topic_ids);
  RemapKeys(profile_.creators, creator_ids);
  RemapKeys(profile_.creator_prefs, creator_ids);
  RemapKeys(profile_.contexts, remap[static_cast<int>(NameKind::kContext)]);
  RemapKeys(profile_.rates, topic_ids);
  for (auto& [id, ctx] : profile_.contexts) {
    RemapKeys(ctx.topics, topic_ids);
    RemapKeys(ctx.rates, topic_ids);
  }
  const FatigueTuning& f = DefaultRankTuning().fatigue;
  auto topic_of = [&](std::uint32_t id) { return static_cast<std::uint32_t>(topic_ids[id]); };
  auto creator_of = [&](std::uint32_t id) { return static_cast<std::uint32_t>(creator_ids[id]); };
  fatigue_.topics.RemapKeys(topic_of, f.topic_half_life_ms);
  fatigue_.creators.RemapKeys(creator_of, f.creator_half_life_ms);
  // The batches and the last result hold ids of the old tables.
  candidates_ = CandidateBatch();
  events_ = EventBatch();
  options_.context_ids.clear();
  result_.Clear();
  return true;
}

}  // namespace localrank
