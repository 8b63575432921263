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
#include "localrank/hash.h"
#include "localrank/interner.h"
#include "localrank/status.h"
#include "localrank/types.h"

namespace localrank {

/// Fatigue tuning. Impressions without engagement accumulate as decayed
/// counts; the penalty saturates, and half-lives let it recover over time.
struct FatigueTuning {
  double item_half_life_ms = 24 * kMsPerHour;
  double creator_half_life_ms = 24 * kMsPerHour;
  double topic_half_life_ms = 24 * kMsPerHour;
  /// Score penalty per unengaged impression, and its ceiling.
  double item_step = 0.15;
  double item_max = 0.6;
  double creator_step = 0.04;
  double creator_max = 0.25;
  double topic_step = 0.03;
  double topic_max = 0.3;
  /// An item shown this many times (decayed) without engagement is filtered
  /// out of the ranked part of the feed (it sinks to the end, marked `seen`).
  double item_seen_limit = 5.0;
  /// An item the person engaged with (opened, liked, ...) is not served again
  /// at the top: it sinks (marked `seen`, "already opened") while its decayed
  /// mark is >= 0.5, i.e. for one half-life.
  double opened_half_life_ms = 3 * 24 * kMsPerHour;
  /// Bounded memory: entries kept per table, and a count below this is forgotten.
  int max_items = 2000;
  int max_creators = 500;
  int max_topics = 500;
  double forget_below = 0.05;
};

/// One decayed impression counter.
struct FatigueCounter {
  double count = 0.0;
  double t = 0.0;  ///< ms timestamp `count` refers to

  double At(double now, double half_life_ms) const {
    if (now <= t || count == 0.0) return count;
    return count * std::exp2(-(now - t) / half_life_ms);
  }
  void Add(double delta, double at, double half_life_ms);
};

/// Per-person impression state that feeds the fatigue stage: items (by
/// HashId key), creators and topics that were shown without engagement.
/// Owned by the Engine next to the Profile; exported as the optional
/// `fatigue` section of the profile JSON.
class FatigueState {
 public:
  std::unordered_map<double, FatigueCounter, ItemKeyHash> items;
  std::unordered_map<std::uint32_t, FatigueCounter> creators;
  std::unordered_map<std::uint32_t, FatigueCounter> topics;
  /// Items the person engaged with, by key (count 1 at the engagement time).
  std::unordered_map<double, FatigueCounter, ItemKeyHash> opened;

  /// Counts one impression (`key` NaN when unknown; topic weights are shares).
  void Impression(const FatigueTuning& f, double key, std::int32_t creator, const std::int32_t* topic_ids,
                  const float* topic_weights, int topic_count, double at);
  /// Positive engagement clears the fatigue of the item, its creator and
  /// topics, and marks the item as opened at `at`.
  void Engaged(double key, std::int32_t creator, const std::int32_t* topic_ids, int topic_count, double at);
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

/// A parsed `fatigue` section whose names are not interned yet: the engine
/// interns them only once the whole profile proved valid.
struct FatigueImport {
  std::vector<std::pair<double, FatigueCounter>> items;
  std::vector<std::pair<double, FatigueCounter>> opened;
  std::vector<std::pair<std::string, FatigueCounter>> creators;
  std::vector<std::pair<std::string, FatigueCounter>> topics;

  /// Parses `j` (the value of the `fatigue` key); errors name the field.
  Status Parse(const nlohmann::json& j, const FatigueTuning& f);
  /// Builds the state, interning names.
  FatigueState Commit(Interner& topic_names, Interner& creator_names) const;
};

/// True for events that show interest in what was shown (click, positive
/// dwell, like, share, comment, save, follow).
bool IsEngagement(EventType type, double delta);

}  // namespace localrank
