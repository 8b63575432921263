// SPDX-License-Identifier: MIT
// The `fatigue` section of the profile JSON: export and import (the JSON
// codec's, codecs.h; the limits are CheckProfileState's).
// Apart from fatigue.cpp (the tables, hot on every record and rerank) so the
// wasm build can optimise the two for speed and for size (wasm/CMakeLists.txt).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/json_text.h"

#include "localrank/fatigue.h"
#include "localrank/stages.h"
#include "storage/codecs.h"

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

// A number that fits a double; its bounds are CheckProfileState's.
bool FiniteAt(const json& e, const char* k, double* out) {
  auto it = e.find(k);
  if (it == e.end() || !it->is_number()) return false;
  const double v = it->get<double>();
  if (!std::isfinite(v)) return false;
  *out = v;
  return true;
}

Status Corrupt(const std::string& field, const std::string& why) {
  return Status::Error(Code::kCorruptProfile, field, -1, field + " " + why);
}

}  // namespace

Status DecodeFatigueJson(const json& j, ProfileState* out) {
  if (!j.is_object()) return Corrupt("profile.fatigue", "must be an object");
  const FatigueTuning& f = DefaultRankTuning().fatigue;
  FatigueState& st = out->fatigue;
  auto section = [&](const char* name, bool keyed) -> Status {
    const std::string field = std::string("profile.fatigue.") + name;
    auto arr = j.find(name);
    if (arr == j.end()) return Status::Ok();
    if (!arr->is_array()) return Corrupt(field, "must be an array");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const json& e = (*arr)[i];
      const std::string fi = field + "[" + std::to_string(i) + "]";
      Decayed c;
      if (!e.is_object() || !FiniteAt(e, "count", &c.value) || !FiniteAt(e, "at", &c.t)) {
        return Corrupt(fi, "must be {count >= 0, at >= 0}");
      }
      if (keyed) {
        double key = 0.0;
        if (!FiniteAt(e, "key", &key) || ItemKeyFault(key) != nullptr) {
          return Corrupt(fi + ".key", "must be an item hash (an integer 0..2^53-1)");
        }
        if (std::string(name) == "opened") {
          st.opened.Set(key, c, f.opened_half_life_ms);
        } else {
          st.items.Set(key, c, f.item_half_life_ms);
        }
      } else {
        auto n = e.find("name");
        if (n == e.end() || !n->is_string() || !NameLengthOk(n->get<std::string>())) {
          return Corrupt(fi + ".name", "must be a non-empty name");
        }
        const bool creators = std::string(name) == "creators";
        const std::uint32_t id = out->table(creators ? NameKind::kCreator : NameKind::kTopic).Intern(n->get<std::string>());
        if (creators) {
          st.creators.Set(id, c, f.creator_half_life_ms);
        } else {
          st.topics.Set(id, c, f.topic_half_life_ms);
        }
      }
    }
    return Status::Ok();
  };
  Status s = section("items", true);
  if (s.ok()) s = section("opened", true);
  if (s.ok()) s = section("creators", false);
  if (s.ok()) s = section("topics", false);
  return s;
}

}  // namespace localrank
