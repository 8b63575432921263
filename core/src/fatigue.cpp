// SPDX-License-Identifier: MIT
#include "localrank/fatigue.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

namespace localrank {

using nlohmann::json;

void FatigueCounter::Add(double delta, double at, double half_life_ms) {
  if (at >= t) {
    count = At(at, half_life_ms) + delta;
    t = at;
  } else {
    count += delta * std::exp2(-(t - at) / half_life_ms);
  }
}

void FatigueState::Impression(const FatigueTuning& f, double key, std::int32_t creator, const std::int32_t* topic_ids,
                              const float* topic_weights, int topic_count, double at) {
  if (!std::isnan(key)) items[key].Add(1.0, at, f.item_half_life_ms);
  if (creator >= 0) creators[static_cast<std::uint32_t>(creator)].Add(1.0, at, f.creator_half_life_ms);
  double wsum = 0.0;
  for (int i = 0; i < topic_count; ++i) wsum += topic_weights[i];
  if (wsum <= 0.0) return;
  for (int i = 0; i < topic_count; ++i) {
    if (topic_weights[i] <= 0.0f) continue;
    topics[static_cast<std::uint32_t>(topic_ids[i])].Add(topic_weights[i] / wsum, at, f.topic_half_life_ms);
  }
}

void FatigueState::Engaged(double key, std::int32_t creator, const std::int32_t* topic_ids, int topic_count,
                           double at) {
  if (!std::isnan(key)) {
    items.erase(key);
    FatigueCounter& o = opened[key];
    if (at >= o.t) o = FatigueCounter{1.0, at};
  }
  if (creator >= 0) creators.erase(static_cast<std::uint32_t>(creator));
  for (int i = 0; i < topic_count; ++i) topics.erase(static_cast<std::uint32_t>(topic_ids[i]));
}

namespace {

template <typename K, typename H>
void PruneMap(std::unordered_map<K, FatigueCounter, H>& m, double half_life_ms, double forget_below, int cap, double now) {
  for (auto it = m.begin(); it != m.end();) {
    if (it->second.At(now, half_life_ms) < forget_below) {
      it = m.erase(it);
    } else {
      ++it;
    }
  }
  if (static_cast<int>(m.size()) <= cap) return;
  std::vector<std::pair<double, K>> v;
  v.reserve(m.size());
  for (const auto& [k, c] : m) v.emplace_back(c.At(now, half_life_ms), k);
  // Keep the most fatigued entries; ties by key so pruning is deterministic.
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second < b.second;
  });
  for (std::size_t i = static_cast<std::size_t>(cap); i < v.size(); ++i) m.erase(v[i].second);
}

template <typename K, typename H>
double CountOf(const std::unordered_map<K, FatigueCounter, H>& m, K k, double half_life_ms, double now) {
  auto it = m.find(k);
  return it == m.end() ? 0.0 : it->second.At(now, half_life_ms);
}

json CounterJson(const FatigueCounter& c) { return json{{"count", c.count}, {"at", c.t}}; }

}  // namespace

void FatigueState::Prune(const FatigueTuning& f, double now) {
  PruneMap(items, f.item_half_life_ms, f.forget_below, f.max_items, now);
  PruneMap(creators, f.creator_half_life_ms, f.forget_below, f.max_creators, now);
  PruneMap(topics, f.topic_half_life_ms, f.forget_below, f.max_topics, now);
  PruneMap(opened, f.opened_half_life_ms, f.forget_below, f.max_items, now);
}

bool FatigueState::Opened(const FatigueTuning& f, double key, double now) const {
  return CountOf(opened, key, f.opened_half_life_ms, now) >= 0.5;
}

double FatigueState::ItemCount(const FatigueTuning& f, double key, double now) const {
  return CountOf(items, key, f.item_half_life_ms, now);
}
double FatigueState::CreatorCount(const FatigueTuning& f, std::uint32_t creator, double now) const {
  return CountOf(creators, creator, f.creator_half_life_ms, now);
}
double FatigueState::TopicCount(const FatigueTuning& f, std::uint32_t topic, double now) const {
  return CountOf(topics, topic, f.topic_half_life_ms, now);
}

void FatigueState::Clear() {
  items.clear();
  opened.clear();
  creators.clear();
  topics.clear();
}

json FatigueState::ToJson(const Interner& topic_names, const Interner& creator_names) const {
  auto keyed = [](const std::unordered_map<double, FatigueCounter, ItemKeyHash>& m) {
    json arr = json::array();
    std::vector<double> keys;
    keys.reserve(m.size());
    for (const auto& kv : m) keys.push_back(kv.first);
    std::sort(keys.begin(), keys.end());
    for (double k : keys) {
      json e = CounterJson(m.at(k));
      e["key"] = k;
      arr.push_back(std::move(e));
    }
    return arr;
  };
  auto named = [](const std::unordered_map<std::uint32_t, FatigueCounter>& m, const Interner& names) {
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
      FatigueCounter c;
      if (!e.is_object() || !FiniteAt(e, "count", 0.0, &c.count) || !FiniteAt(e, "at", 0.0, &c.t)) {
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
        if (n == e.end() || !n->is_string() || n->get<std::string>().empty() ||
            n->get<std::string>().size() > static_cast<std::size_t>(kMaxNameLength)) {
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

FatigueState FatigueImport::Commit(Interner& topic_names, Interner& creator_names) const {
  FatigueState st;
  for (const auto& [k, c] : items) st.items[k] = c;
  for (const auto& [k, c] : opened) st.opened[k] = c;
  for (const auto& [n, c] : creators) st.creators[creator_names.Intern(n)] = c;
  for (const auto& [n, c] : topics) st.topics[topic_names.Intern(n)] = c;
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
