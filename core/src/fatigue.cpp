// SPDX-License-Identifier: MIT
#include "localrank/fatigue.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

namespace localrank {

using nlohmann::json;

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
      std::vector<std::pair<double, K>> v;
      v.reserve(map_.size());
      for (const auto& [k, d] : map_) v.emplace_back(d.At(now, half_life_ms), k);
      // Keep the most fatigued entries; ties by key so pruning is deterministic.
      std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first > b.first;
        return a.second < b.second;
      });
      for (std::size_t i = limit; i < v.size(); ++i) map_.erase(v[i].second);
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

namespace {

json CounterJson(const Decayed& c) { return json{{"count", c.value}, {"at", c.t}}; }

}  // namespace

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

json FatigueState::ToJson(const Interner& topic_names, const Interner& creator_names) const {
  auto keyed = [](const FatigueTable<double, ItemKeyHash>& m) {
    json arr = json::array();
    std::vector<double> keys;
    keys.reserve(m.size());
    for (const auto& kv : m) keys.push_back(kv.first);
    std::sort(keys.begin(), keys.end());
    for (double k : keys) {
      json e = CounterJson(m.entries().at(k));
      e["key"] = k;
      arr.push_back(std::move(e));
    }
    return arr;
  };
  auto named = [](const FatigueTable<std::uint32_t>& m, const Interner& names) {
    json arr = json::array();
    for (const auto& [id, c] : m) {
      json e = CounterJson(c);
      e["name"] = names.Name(id);
      arr.push_back(std::move(e));
    }
    std::sort(arr.begin(), arr.end(),
              [](const json& x, const json& y) { return x["name"].get<std::string>() < y["name"].get<std::string>(); });
    return arr;
  };
  return json{{"items", keyed(items)},
              {"opened", keyed(opened)},
              {"creators", named(creators, creator_names)},
              {"topics", named(topics, topic_names)}};
}

namespace {

bool FiniteAt(const json& e, const char* k, double lo, double* out) {
  auto it = e.find(k);
  if (it == e.end() || !it->is_number()) return false;
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < lo) return false;
  *out = v;
  return true;
}

Status Corrupt(const std::string& field, const std::string& why) {
  return Status::Error(Code::kCorruptProfile, field, -1, field + " " + why);
}

}  // namespace

Status FatigueImport::Parse(const json& j, const FatigueTuning& f) {
  items.clear();
  opened.clear();
  creators.clear();
  topics.clear();
  if (!j.is_object()) return Corrupt("profile.fatigue", "must be an object");
  auto section = [&](const char* name, int cap, bool keyed) -> Status {
    const std::string field = std::string("profile.fatigue.") + name;
    auto arr = j.find(name);
    if (arr == j.end()) return Status::Ok();
    if (!arr->is_array()) return Corrupt(field, "must be an array");
    if (static_cast<int>(arr->size()) > cap) return Corrupt(field, "has more entries than the cap of " + std::to_string(cap));
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const json& e = (*arr)[i];
      const std::string fi = field + "[" + std::to_string(i) + "]";
      Decayed c;
      if (!e.is_object() || !FiniteAt(e, "count", 0.0, &c.value) || !FiniteAt(e, "at", 0.0, &c.t)) {
        return Corrupt(fi, "must be {count >= 0, at >= 0}");
      }
      if (keyed) {
        double key = 0.0;
        // Item keys are 53-bit hashes: integers that a double holds exactly.
        if (!FiniteAt(e, "key", 0.0, &key) || key != std::floor(key) || key > 9007199254740991.0) {
          return Corrupt(fi + ".key", "must be an item hash (an integer 0..2^53-1)");
        }
        (std::string(name) == "opened" ? opened : items).emplace_back(key, c);
      } else {
        auto n = e.find("name");
        if (n == e.end() || !n->is_string() || !NameLengthOk(n->get<std::string>())) {
          return Corrupt(fi + ".name", "must be a non-empty name");
        }
        (std::string(name) == "creators" ? creators : topics).emplace_back(n->get<std::string>(), c);
      }
    }
    return Status::Ok();
  };
  Status s = section("items", f.max_items, true);
  if (s.ok()) s = section("opened", f.max_items, true);
  if (s.ok()) s = section("creators", f.max_creators, false);
  if (s.ok()) s = section("topics", f.max_topics, false);
  return s;
}

FatigueState FatigueImport::Commit(const FatigueTuning& f, Interner& topic_names, Interner& creator_names) const {
  FatigueState st;
  for (const auto& [k, c] : items) st.items.Set(k, c, f.item_half_life_ms);
  for (const auto& [k, c] : opened) st.opened.Set(k, c, f.opened_half_life_ms);
  for (const auto& [n, c] : creators) st.creators.Set(creator_names.Intern(n), c, f.creator_half_life_ms);
  for (const auto& [n, c] : topics) st.topics.Set(topic_names.Intern(n), c, f.topic_half_life_ms);
  return st;
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
