// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "localrank/config.h"
#include "localrank/decayed.h"
#include "localrank/hash.h"
#include "localrank/interner.h"
#include "localrank/status.h"
#include "localrank/tuning.h"
#include "localrank/types.h"

namespace localrank {

/// Decayed counters of one kind (items, opened items, creators or topics),
/// all with one half-life. Because they share it, the order of their decayed
/// values does not change over time (Decayed::Rank), so a lazy min-heap finds
/// the least fatigued entry without a scan: pruning after an event costs
/// O(log n) per entry the event touched, not O(n) per call. Entries stamped
/// after `now` (clock skew) do not decay yet; while there are any, Prune
/// falls back to a full scan.
template <typename K, typename Hash = std::hash<K>>
class FatigueTable {
 public:
  using Map = std::unordered_map<K, Decayed, Hash>;

  const Map& entries() const { return map_; }
  std::size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  typename Map::const_iterator begin() const { return map_.begin(); }
  typename Map::const_iterator end() const { return map_.end(); }

  /// The decayed count of `key` at `now` (0 when absent).
  double At(K key, double half_life_ms, double now) const {
    auto it = map_.find(key);
    return it == map_.end() ? 0.0 : it->second.At(now, half_life_ms);
  }
  void Add(K key, double delta, double at, double half_life_ms);
  /// Replaces the entry of `key`.
  void Set(K key, const Decayed& d, double half_life_ms);
  /// Replaces the whole table (an import): one heap build, not one push per entry.
  void Assign(const std::vector<std::pair<K, Decayed>>& entries, double half_life_ms);
  void Erase(K key) { map_.erase(key); }
  /// Drops entries whose count at `now` is below `forget_below`, then the
  /// least fatigued beyond `cap` (ties: the larger key goes first).
  void Prune(double half_life_ms, double forget_below, int cap, double now);
  /// Renumbers the keys (name-table compaction); `remap(key)` gives the new key.
  template <typename F>
  void RemapKeys(F remap, double half_life_ms) {
    Map out;
    out.reserve(map_.size());
    for (auto& [k, d] : map_) out.emplace(remap(k), d);
    map_ = std::move(out);
    Rebuild(half_life_ms);
  }
  void Clear();

 private:
  void Push(K key, const Decayed& d);
  void Rebuild(double half_life_ms);

  Map map_;
  /// (rank, key); an entry whose rank no longer matches map_ is stale and skipped.
  std::vector<std::pair<double, K>> heap_;
  double half_life_ms_ = 0.0;  ///< the half-life heap_ ranks were computed with
  double max_t_ = -INFINITY;   ///< upper bound of the entries' t
  double forget_below_ = NAN, log2_forget_ = NAN;  ///< last Prune threshold and its log2
};

/// Per-person impression state that feeds the fatigue stage: items (by
/// HashId key), creators and topics that were shown without engagement.
/// Owned by the Engine next to the Profile; exported as the optional
/// `fatigue` section of the profile JSON.
class FatigueState {
 public:
  /// Item tables hash keys with ItemKeyHash (cheaper than std::hash<double>).
  FatigueTable<double, ItemKeyHash> items;
  FatigueTable<std::uint32_t> creators;
  FatigueTable<std::uint32_t> topics;
  /// Items the person engaged with, by key (count 1 at the engagement time).
  FatigueTable<double, ItemKeyHash> opened;

  /// Counts one impression (`key` NaN when unknown; topic weights are shares).
  void Impression(const FatigueTuning& f, double key, std::int32_t creator, const std::int32_t* topic_ids,
                  const float* topic_weights, int topic_count, double at);
  /// Positive engagement clears the fatigue of the item, its creator and
  /// topics, and marks the item as opened at `at`.
  void Engaged(const FatigueTuning& f, double key, std::int32_t creator, const std::int32_t* topic_ids,
               int topic_count, double at);
  /// Drops recovered entries and enforces the caps (least fatigued go first).
  void Prune(const FatigueTuning& f, double now);

  double ItemCount(const FatigueTuning& f, double key, double now) const;
  double CreatorCount(const FatigueTuning& f, std::uint32_t creator, double now) const;
  double TopicCount(const FatigueTuning& f, std::uint32_t topic, double now) const;
  /// True while an engaged-with item is still within its opened half-life.
  bool Opened(const FatigueTuning& f, double key, double now) const;

  bool empty() const { return items.empty() && creators.empty() && topics.empty() && opened.empty(); }
  void Clear();

  /// `{"items":[{key,count,at}], "creators":[{name,count,at}], "topics":[...]}`
  /// with names from the interners; sorted so the bytes are stable.
  nlohmann::json ToJson(const Interner& topic_names, const Interner& creator_names) const;
};

/// True for events that show interest in what was shown (click, positive
/// dwell, like, share, comment, save, follow).
bool IsEngagement(EventType type, double delta);

}  // namespace localrank
