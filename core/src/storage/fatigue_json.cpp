// SPDX-License-Identifier: MIT
// The `fatigue` section of the profile JSON: export and validated import.
// Apart from fatigue.cpp (the tables, hot on every record and rerank) so the
// wasm build can optimise the two for speed and for size (wasm/CMakeLists.txt).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/json_text.h"

#include "localrank/fatigue.h"

namespace localrank {

using nlohmann::json;

namespace {

json CounterJson(const Decayed& c) { return json{{"count", c.value}, {"at", c.t}}; }

}  // namespace

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
    for (const std::uint32_t id : IdsByName(m.entries(), names)) {
      json e = CounterJson(m.entries().at(id));
      e["name"] = names.Name(id);
      arr.push_back(std::move(e));
    }
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

}  // namespace localrank
