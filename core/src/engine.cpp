// SPDX-License-Identifier: MIT
#include "localrank/engine.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace localrank {

using nlohmann::json;

namespace {

std::string EventField(int i, const char* field) {
  return "events[" + std::to_string(i) + "]." + field;
}

bool IsFiniteNumber(const json& j) { return j.is_number() && std::isfinite(j.get<double>()); }

}  // namespace

Status Engine::Configure(std::string_view config_json) {
  json j = json::parse(config_json.begin(), config_json.end(), nullptr, false);
  if (j.is_discarded()) return Status::Error(Code::kInvalidArgument, "config", -1, "config is not valid JSON");
  Status s = config_.MergeJson(j);
  if (s.ok()) rng_.Seed(config_.seed);
  return s;
}

Status Engine::Rerank(double now) {
  result_.Clear();
  if (!std::isfinite(now)) return Status::Error(Code::kInvalidArgument, "now", -1, "now() must return a finite time in ms");
  const std::size_t counts[kNameKindCount] = {names_[0].size(), names_[1].size(), names_[2].size()};
  Status s = ValidateBatch(config_, candidates_, counts);
  if (!s.ok()) return s;
  if (!std::isfinite(options_.strength) || options_.strength < 0 || options_.strength > 1) {
    return Status::Error(Code::kInvalidArgument, "options.strength", -1, "options.strength must be in [0, 1]");
  }
  Rank(config_, profile_, candidates_, options_, now, rng_, &result_);
  return Status::Ok();
}

Status Engine::ValidateEvents() const {
  const EventBatch& e = events_;
  const std::size_t n = e.size();
  if (n > static_cast<std::size_t>(kMaxEventsPerCall)) {
    return Status::Error(Code::kLimitExceeded, "events", -1,
                         "events: " + std::to_string(n) + " events exceed the limit of " +
                             std::to_string(kMaxEventsPerCall) + " per call");
  }
  if (e.at.size() != n || e.key.size() != n || e.creator.size() != n || e.dwell_ms.size() != n ||
      e.expected_ms.size() != n || e.topic_offsets.size() != n + 1 || e.context_offsets.size() != n + 1 ||
      e.topic_offsets[0] != 0 || static_cast<std::size_t>(e.topic_offsets[n]) != e.topic_ids.size() ||
      e.topic_ids.size() != e.topic_weights.size() || e.context_offsets[0] != 0 ||
      static_cast<std::size_t>(e.context_offsets[n]) != e.context_ids.size()) {
    return Status::Error(Code::kInvalidArgument, "events", -1, "events: inconsistent batch arrays");
  }
  for (std::size_t u = 0; u < n; ++u) {
    const int i = static_cast<int>(u);
    if (e.type[u] < 0 || e.type[u] >= kEventTypeCount) {
      return Status::Error(Code::kInvalidEvent, EventField(i, "type"), i, EventField(i, "type") + " is not an event type");
    }
    if (!std::isfinite(e.at[u]) || e.at[u] < 0) {
      return Status::Error(Code::kInvalidEvent, EventField(i, "at"), i, EventField(i, "at") + " must be a finite time in ms");
    }
    if (e.type[u] == static_cast<int>(EventType::kDwell) && (!std::isfinite(e.dwell_ms[u]) || e.dwell_ms[u] < 0)) {
      return Status::Error(Code::kInvalidEvent, EventField(i, "dwellMs"), i,
                           EventField(i, "dwellMs") + " must be a finite number >= 0 for a dwell event");
    }
    if (std::isinf(e.expected_ms[u]) || e.expected_ms[u] <= 0) {
      return Status::Error(Code::kInvalidEvent, EventField(i, "expectedMs"), i,
                           EventField(i, "expectedMs") + " must be a finite number > 0");
    }
    if (e.creator[u] < -1 || (e.creator[u] >= 0 && static_cast<std::size_t>(e.creator[u]) >=
                                                       names(NameKind::kCreator).size())) {
      return Status::Error(Code::kInvalidEvent, EventField(i, "creatorId"), i,
                           EventField(i, "creatorId") + " is not a known creator id");
    }
    const int lo = e.topic_offsets[u], hi = e.topic_offsets[u + 1];
    if (hi < lo || hi - lo > kMaxTopicsPerItem) {
      return Status::Error(Code::kLimitExceeded, EventField(i, "topics"), i,
                           EventField(i, "topics") + " has more than " + std::to_string(kMaxTopicsPerItem) + " topics");
    }
    for (int k = lo; k < hi; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      if (e.topic_ids[ku] < 0 || static_cast<std::size_t>(e.topic_ids[ku]) >= names(NameKind::kTopic).size() ||
          !std::isfinite(e.topic_weights[ku]) || e.topic_weights[ku] < 0) {
        return Status::Error(Code::kInvalidEvent, EventField(i, "topics"), i,
                             EventField(i, "topics") + " has an unknown topic or a weight that is not finite and >= 0");
      }
    }
    if (e.type[u] == static_cast<int>(EventType::kFollow) && e.creator[u] < 0) {
      return Status::Error(Code::kInvalidEvent, EventField(i, "creatorId"), i,
                           EventField(i, "creatorId") + " is required for a follow event");
    }
  }
  return Status::Ok();
}

Status Engine::Record() {
  Status s = ValidateEvents();
  if (!s.ok()) return s;
  const EventBatch& e = events_;
  for (std::size_t u = 0; u < e.size(); ++u) {
    const int lo = e.topic_offsets[u];
    profile_.Apply(config_, static_cast<EventType>(e.type[u]), e.at[u], e.dwell_ms[u], e.expected_ms[u],
                   e.creator[u], e.topic_ids.data() + lo, e.topic_weights.data() + lo,
                   e.topic_offsets[u + 1] - lo);
  }
  return Status::Ok();
}

namespace {

json AffinityJson(const std::string& name, const Affinity& a) {
  return json{{"name", name},          {"long", a.long_term.value},  {"longAt", a.long_term.t},
              {"short", a.short_term.value}, {"shortAt", a.short_term.t}, {"events", a.events},
              {"lastAt", a.last_at}};
}

// Reads one affinity entry; false when any field is missing or malformed.
bool ParseAffinity(const json& j, std::string* name, Affinity* a) {
  if (!j.is_object()) return false;
  auto get = [&](const char* k, double* out) {
    auto it = j.find(k);
    if (it == j.end() || !IsFiniteNumber(*it)) return false;
    *out = it->get<double>();
    return true;
  };
  auto nit = j.find("name");
  if (nit == j.end() || !nit->is_string()) return false;
  *name = nit->get<std::string>();
  if (name->empty() || name->size() > static_cast<std::size_t>(kMaxNameLength)) return false;
  double events = 0;
  if (!get("long", &a->long_term.value) || !get("longAt", &a->long_term.t) || !get("short", &a->short_term.value) ||
      !get("shortAt", &a->short_term.t) || !get("events", &events) || !get("lastAt", &a->last_at)) {
    return false;
  }
  if (events < 0 || events > 4e9) return false;
  a->events = static_cast<std::uint32_t>(events);
  return true;
}

}  // namespace

std::string Engine::ExportJson(double now) const {
  json topics = json::array(), creators = json::array(), events = json::array();
  for (const auto& [id, a] : profile_.topics) topics.push_back(AffinityJson(names(NameKind::kTopic).Name(id), a));
  for (const auto& [id, a] : profile_.creators)
    creators.push_back(AffinityJson(names(NameKind::kCreator).Name(id), a));
  // Sorted by name so the same profile always serializes to the same bytes.
  auto by_name = [](const json& x, const json& y) { return x["name"].get<std::string>() < y["name"].get<std::string>(); };
  std::sort(topics.begin(), topics.end(), by_name);
  std::sort(creators.begin(), creators.end(), by_name);
  for (const auto& ev : profile_.events) {
    events.push_back(json{{"type", EventTypeName(ev.type)}, {"at", ev.at}, {"weight", ev.weight}});
  }
  json j{{"schema", "localrank.profile"},
         {"version", kProfileSchemaVersion},
         {"exportedAt", now},
         {"totalEvents", profile_.total_events},
         {"lastEventAt", profile_.last_event_at},
         {"topics", topics},
         {"creators", creators},
         {"events", events}};
  return j.dump();
}

Status Engine::ImportJson(std::string_view text) {
  auto corrupt = [](const std::string& field, const std::string& why) {
    return Status::Error(Code::kCorruptProfile, field, -1, field + " " + why);
  };
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return corrupt("profile", "is not a JSON object");
  auto schema = j.find("schema");
  if (schema == j.end() || !schema->is_string() || *schema != "localrank.profile") {
    return corrupt("profile.schema", "must be \"localrank.profile\"");
  }
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer()) return corrupt("profile.version", "must be an integer");
  if (version->get<int>() < 1 || version->get<int>() > kProfileSchemaVersion) {
    return corrupt("profile.version", "is " + std::to_string(version->get<long long>()) +
                                          ", this build reads versions 1.." + std::to_string(kProfileSchemaVersion));
  }
  Profile next;
  struct Named {
    std::string name;
    Affinity a;
  };
  std::vector<Named> topics, creators;
  for (const char* key : {"topics", "creators"}) {
    auto arr = j.find(key);
    if (arr == j.end() || !arr->is_array()) return corrupt(std::string("profile.") + key, "must be an array");
    const int cap = std::string(key) == "topics" ? config_.max_topics : config_.max_creators;
    if (static_cast<int>(arr->size()) > cap) {
      return corrupt(std::string("profile.") + key, "has more entries than the cap of " + std::to_string(cap));
    }
    auto& dst = std::string(key) == "topics" ? topics : creators;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      Named n;
      if (!ParseAffinity((*arr)[i], &n.name, &n.a)) {
        return corrupt(std::string("profile.") + key + "[" + std::to_string(i) + "]", "is malformed");
      }
      dst.push_back(std::move(n));
    }
  }
  auto evs = j.find("events");
  if (evs != j.end()) {
    if (!evs->is_array()) return corrupt("profile.events", "must be an array");
    for (std::size_t i = 0; i < evs->size(); ++i) {
      const json& ev = (*evs)[i];
      const std::string f = "profile.events[" + std::to_string(i) + "]";
      EventType t;
      if (!ev.is_object() || !ev.contains("type") || !ev["type"].is_string() ||
          !ParseEventType(ev["type"].get<std::string>(), &t) || !ev.contains("at") || !IsFiniteNumber(ev["at"]) ||
          !ev.contains("weight") || !IsFiniteNumber(ev["weight"])) {
        return corrupt(f, "is malformed");
      }
      next.events.push_back(StoredEvent{t, ev["at"].get<double>(), ev["weight"].get<double>()});
    }
    while (static_cast<int>(next.events.size()) > config_.max_events) next.events.pop_front();
  }
  for (const char* key : {"totalEvents", "lastEventAt"}) {
    auto it = j.find(key);
    if (it != j.end() && (!IsFiniteNumber(*it) || it->get<double>() < 0)) {
      return corrupt(std::string("profile.") + key, "must be a number >= 0");
    }
  }
  next.total_events = static_cast<std::uint64_t>(j.value("totalEvents", 0.0));
  next.last_event_at = j.value("lastEventAt", 0.0);
  // Everything parsed: only now touch the engine's state.
  for (auto& n : topics) next.topics[names(NameKind::kTopic).Intern(n.name)] = n.a;
  for (auto& n : creators) next.creators[names(NameKind::kCreator).Intern(n.name)] = n.a;
  profile_ = std::move(next);
  return Status::Ok();
}

std::string Engine::SummaryJson(double now, int top) const {
  auto list = [&](const std::unordered_map<std::uint32_t, Affinity>& m, NameKind kind) {
    std::vector<std::pair<double, std::uint32_t>> v;
    for (const auto& [id, a] : m) v.emplace_back(a.Blend(config_, now), id);
    std::sort(v.begin(), v.end(), [&](const auto& x, const auto& y) {
      if (x.first != y.first) return x.first > y.first;
      return names(kind).Name(x.second) < names(kind).Name(y.second);
    });
    json arr = json::array();
    for (std::size_t i = 0; i < v.size() && static_cast<int>(i) < top; ++i) {
      const Affinity& a = m.at(v[i].second);
      arr.push_back(json{{"name", names(kind).Name(v[i].second)},
                         {"weight", v[i].first},
                         {"longTerm", a.long_term.At(now, config_.long_half_life_ms)},
                         {"shortTerm", a.short_term.At(now, config_.short_half_life_ms)},
                         {"events", a.events},
                         {"lastAt", a.last_at}});
    }
    return arr;
  };
  json j{{"topics", list(profile_.topics, NameKind::kTopic)},
         {"creators", list(profile_.creators, NameKind::kCreator)},
         {"totalEvents", profile_.total_events},
         {"storedEvents", profile_.events.size()},
         {"lastEventAt", profile_.last_event_at}};
  return j.dump();
}

void Engine::ResetProfile() { profile_.Clear(); }

}  // namespace localrank
