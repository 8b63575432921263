// SPDX-License-Identifier: MIT
#include "localrank/fatigue.h"

// The fatigue tables, on the path of every record and rerank; their JSON form
// is in storage/fatigue_json.cpp.
#include <algorithm>
#include <cmath>
#include <vector>

#include "util/order.h"

namespace localrank {

namespace {

// Heap order: the top is the lowest rank, and among equal ranks the larger
// key (the one a sort by count desc, key asc would drop first).
template <typename K>
bool Below(const std::pair<double, K>& a, const std::pair<double, K>& b) {
  if (a.first != b.first) return a.first > b.first;
  return a.second < b.second;
}

}  // namespace

template <typename K, typename H>
void FatigueTable<K, H>::Push(K key, const Decayed& d) {
  heap_.emplace_back(d.Rank(half_life_ms_), key);
  std::push_heap(heap_.begin(), heap_.end(), Below<K>);
  max_t_ = std::max(max_t_, d.t);
  // Stale entries pile up as counts change: keep the heap within 2x the table.
  if (heap_.size() > 2 * map_.size() + 32) Rebuild(half_life_ms_);
}

template <typename K, typename H>
void FatigueTable<K, H>::Rebuild(double half_life_ms) {
  half_life_ms_ = half_life_ms;
  heap_.clear();
  heap_.reserve(map_.size());
  max_t_ = -INFINITY;
  for (const auto& [k, d] : map_) {
    heap_.emplace_back(d.Rank(half_life_ms), k);
    max_t_ = std::max(max_t_, d.t);
  }
  std::make_heap(heap_.begin(), heap_.end(), Below<K>);
}

template <typename K, typename H>
void FatigueTable<K, H>::Add(K key, double delta, double at, double half_life_ms) {
  if (half_life_ms != half_life_ms_) Rebuild(half_life_ms);
  Decayed& d = map_[key];
  d.Add(delta, at, half_life_ms);
  Push(key, d);
}

template <typename K, typename H>
void FatigueTable<K, H>::Set(K key, const Decayed& d, double half_life_ms) {
  if (half_life_ms != half_life_ms_) Rebuild(half_life_ms);
  map_[key] = d;
  Push(key, d);
}

template <typename K, typename H>
void FatigueTable<K, H>::Assign(const std::vector<std::pair<K, Decayed>>& entries, double half_life_ms) {
  map_.clear();
  map_.reserve(entries.size());
  for (const auto& [k, d] : entries) map_[k] = d;
  Rebuild(half_life_ms);
}

template <typename K, typename H>
void FatigueTable<K, H>::Prune(double half_life_ms, double forget_below, int cap, double now) {
  if (half_life_ms != half_life_ms_) Rebuild(half_life_ms);
  const std::size_t limit = static_cast<std::size_t>(std::max(cap, 0));
  if (max_t_ > now) {
    // An entry from the future does not decay until now reaches it, so ranks
    // do not order the counts: scan (rare, needs events stamped after now).
    for (auto it = map_.begin(); it != map_.end();) {
      it = it->second.At(now, half_life_ms) < forget_below ? map_.erase(it) : std::next(it);
    }
    if (map_.size() > limit) {
      // Both key types (item keys, 32-bit ids) are integers a double holds exactly.
      std::vector<std::pair<double, double>> v;
      v.reserve(map_.size());
      for (const auto& [k, d] : map_) v.emplace_back(d.At(now, half_life_ms), static_cast<double>(k));
      // Keep the most fatigued entries; ties by key so pruning is deterministic.
      SortByValueDescThenKey(&v);
      for (std::size_t i = limit; i < v.size(); ++i) map_.erase(static_cast<K>(v[i].second));
    }
    Rebuild(half_life_ms);
    return;
  }
  // The top has the lowest rank, so it is the first entry to fall below
  // forget_below: at h * (rank - log2(forget_below)). Until then (less a
  // millisecond for rounding) nothing can expire, and within the cap there is
  // nothing to evict: no lookup, no exp2.
  if (forget_below != forget_below_) {
    forget_below_ = forget_below;
    log2_forget_ = std::log2(forget_below);
  }
  if (map_.size() <= limit && !heap_.empty() && now < half_life_ms * (heap_.front().first - log2_forget_) - 1.0) return;
  while (!heap_.empty()) {
    const auto [rank, key] = heap_.front();
    auto it = map_.find(key);
    const bool stale = it == map_.end() || it->second.Rank(half_life_ms) != rank;
    if (!stale && it->second.At(now, half_life_ms) >= forget_below && map_.size() <= limit) break;
    if (!stale) map_.erase(it);
    std::pop_heap(heap_.begin(), heap_.end(), Below<K>);
    heap_.pop_back();
  }
}

template <typename K, typename H>
void FatigueTable<K, H>::Clear() {
  map_.clear();
  heap_.clear();
  max_t_ = -INFINITY;
}

template class FatigueTable<double, ItemKeyHash>;
template class FatigueTable<std::uint32_t>;

void FatigueState::Impression(const FatigueTuning& f, double key, std::int32_t creator, const std::int32_t* topic_ids,
                              const float* topic_weights, int topic_count, double at) {
  if (!std::isnan(key)) items.Add(key, 1.0, at, f.item_half_life_ms);
  if (creator >= 0) creators.Add(static_cast<std::uint32_t>(creator), 1.0, at, f.creator_half_life_ms);
  double wsum = 0.0;
  for (int i = 0; i < topic_count; ++i) wsum += topic_weights[i];
  if (wsum <= 0.0) return;
  for (int i = 0; i < topic_count; ++i) {
    if (topic_weights[i] <= 0.0f) continue;
    topics.Add(static_cast<std::uint32_t>(topic_ids[i]), topic_weights[i] / wsum, at, f.topic_half_life_ms);
  }
}

void FatigueState::Engaged(const FatigueTuning& f, double key, std::int32_t creator, const std::int32_t* topic_ids,
                           int topic_count, double at) {
  if (!std::isnan(key)) {
    items.Erase(key);
    auto it = opened.entries().find(key);
    if (it == opened.end() || at >= it->second.t) opened.Set(key, Decayed{1.0, at}, f.opened_half_life_ms);
  }
  if (creator >= 0) creators.Erase(static_cast<std::uint32_t>(creator));
  for (int i = 0; i < topic_count; ++i) topics.Erase(static_cast<std::uint32_t>(topic_ids[i]));
}

void FatigueState::Prune(const FatigueTuning& f, double now) {
  items.Prune(f.item_half_life_ms, f.forget_below, f.max_items, now);
  creators.Prune(f.creator_half_life_ms, f.forget_below, f.max_creators, now);
  topics.Prune(f.topic_half_life_ms, f.forget_below, f.max_topics, now);
  opened.Prune(f.opened_half_life_ms, f.forget_below, f.max_items, now);
}

bool FatigueState::Opened(const FatigueTuning& f, double key, double now) const {
  return opened.At(key, f.opened_half_life_ms, now) >= 0.5;
}

double FatigueState::ItemCount(const FatigueTuning& f, double key, double now) const {
  return items.At(key, f.item_half_life_ms, now);
}
double FatigueState::CreatorCount(const FatigueTuning& f, std::uint32_t creator, double now) const {
  return creators.At(creator, f.creator_half_life_ms, now);
}
double FatigueState::TopicCount(const FatigueTuning& f, std::uint32_t topic, double now) const {
  return topics.At(topic, f.topic_half_life_ms, now);
}

void FatigueState::Clear() {
  items.Clear();
  opened.Clear();
  creators.Clear();
  topics.Clear();
}

bool IsEngagement(EventType type, double delta) {
  switch (type) {
    case EventType::kClick:
    case EventType::kLike:
    case EventType::kShare:
    case EventType::kComment:
    case EventType::kSave:
    case EventType::kFollow:
      return true;
    case EventType::kDwell:
      return delta > 0.0;
    default:
      return false;
  }
}

}  // namespace localrank
