// SPDX-License-Identifier: MIT
// The profile JSON codec: ProfileState <-> JSON text. It checks what reading
// JSON needs (types, names as strings, numbers that fit their C++ type);
// every limit of the state is CheckProfileState's (profile/profile_state.cpp).
#include "storage/codecs.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/json_guard.h"
#include "storage/json_text.h"

namespace localrank {

using nlohmann::json;

namespace {

bool IsFiniteNumber(const json& j) { return j.is_number() && std::isfinite(j.get<double>()); }

}  // namespace

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
  if (!NameLengthOk(*name)) return false;
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

namespace {

// Lists are sorted by name so the same profile always serializes to the same bytes.
json AffinityList(const std::unordered_map<std::uint32_t, Affinity>& m, const Interner& names) {
  json arr = json::array();
  for (const std::uint32_t id : IdsByName(m, names)) arr.push_back(AffinityJson(names.Name(id), m.at(id)));
  return arr;
}

json RateList(const std::unordered_map<std::uint32_t, TopicRate>& m, const Interner& names) {
  json arr = json::array();
  for (const std::uint32_t id : IdsByName(m, names)) {
    const TopicRate& r = m.at(id);
    arr.push_back(json{{"name", names.Name(id)},      {"shown", r.shown.value},     {"shownAt", r.shown.t},
                       {"engaged", r.engaged.value}, {"engagedAt", r.engaged.t}, {"lastAt", r.last_at}});
  }
  return arr;
}

// v4: the learnt model, null until a choice was learnt from.
json ModelJson(const PersonModel& m) {
  if (m.empty()) return nullptr;
  return json{{"choices", m.choices},
              {"shift", SignalObject(m.shift.data(), kModelParams)},
              {"evidence", SignalObject(m.evidence.data(), kModelParams)}};
}

// Reads ModelJson's output; unknown signal names are refused (a typo would
// silently drop what was learnt), missing ones are 0.
Status ParseModel(const json& j, PersonModel* out) {
  auto corrupt = [](const std::string& field, const char* why) {
    return Status::Error(Code::kCorruptProfile, field, -1, field + " " + why);
  };
  PersonModel m;
  if (!j.is_object()) return corrupt("profile.model", "must be an object or null");
  auto choices = j.find("choices");
  const double n = choices != j.end() && IsFiniteNumber(*choices) ? choices->get<double>() : 0.0;
  if (n < 1 || n > 4294967295.0 || n != std::floor(n)) return corrupt("profile.model.choices", "must be an integer >= 1");
  m.choices = static_cast<std::uint32_t>(n);
  for (const char* key : {"shift", "evidence"}) {
    const std::string f = std::string("profile.model.") + key;
    auto it = j.find(key);
    if (it == j.end() || !it->is_object()) return corrupt(f, "must be an object of {signal: number}");
    const bool is_shift = key[0] == 's';
    for (auto e = it->begin(); e != it->end(); ++e) {
      const std::string at = f + "." + e.key();
      int k;
      if (!ParseSignal(e.key().c_str(), &k)) return corrupt(at, "is not a signal");
      if (!IsFiniteNumber(*e)) return corrupt(at, "must be a finite number");
      // Its bounds are CheckProfileState's.
      (is_shift ? m.shift : m.evidence)[static_cast<std::size_t>(k)] = e->get<double>();
    }
  }
  *out = m;
  return Status::Ok();
}

}  // namespace

std::string EncodeProfileJson(const ProfileState& s, double now) {
  const Profile& profile_ = s.profile;
  auto names = [&s](NameKind k) -> const Interner& { return s.table(k); };
  json events = json::array();
  events.get_ref<json::array_t&>().reserve(profile_.events.size());
  for (const auto& ev : profile_.events) {
    events.push_back(json{{"type", EventTypeName(ev.type)}, {"at", ev.at}, {"weight", ev.weight}});
  }
  json contexts = json::array();
  for (const std::uint32_t id : IdsByName(profile_.contexts, names(NameKind::kContext))) {
    const ContextStats& ctx = profile_.contexts.at(id);
    contexts.push_back(json{{"name", names(NameKind::kContext).Name(id)},
                            {"weight", ctx.weight.value},
                            {"weightAt", ctx.weight.t},
                            {"topics", AffinityList(ctx.topics, names(NameKind::kTopic))},
                            {"rates", RateList(ctx.rates, names(NameKind::kTopic))}});
  }
  json user_vector = nullptr;
  if (!profile_.user_vector.empty()) {
    user_vector = json{{"dim", profile_.user_vector.size()}, {"at", profile_.user_vector_at}, {"values", profile_.user_vector}};
  }
  json j{{"schema", "localrank.profile"},
         {"version", kProfileSchemaVersion},
         {"exportedAt", now},
         {"totalEvents", profile_.total_events},
         {"lastEventAt", profile_.last_event_at},
         {"topics", AffinityList(profile_.topics, names(NameKind::kTopic))},
         {"creators", AffinityList(profile_.creators, names(NameKind::kCreator))},
         {"contexts", std::move(contexts)},
         {"rates", RateList(profile_.rates, names(NameKind::kTopic))},
         {"preferences", json{{"topics", PreferenceMap(profile_.topic_prefs, names(NameKind::kTopic))},
                              {"creators", PreferenceMap(profile_.creator_prefs, names(NameKind::kCreator))}}},
         {"userVector", std::move(user_vector)},
         {"model", ModelJson(profile_.model)},
         // Moved, not copied: the events are most of a large profile.
         {"events", std::move(events)}};
  if (!s.fatigue.empty()) j["fatigue"] = s.fatigue.ToJson(names(NameKind::kTopic), names(NameKind::kCreator));
  return j.dump();
}

namespace {

Status Corrupt(const std::string& field, const std::string& why) {
  return Status::Error(Code::kCorruptProfile, field, -1, field + " " + why);
}

// The schema and version; the version in `*version`.
Status ReadHeader(const json& j, long long* version) {
  auto schema = j.find("schema");
  if (schema == j.end() || !schema->is_string() || schema->get_ref<const std::string&>() != "localrank.profile") {
    return Corrupt("profile.schema", "must be \"localrank.profile\"");
  }
  auto v = j.find("version");
  if (v == j.end() || !v->is_number_integer()) return Corrupt("profile.version", "must be an integer");
  const long long ver = v->get<long long>();
  if (ver < 1 || ver > kProfileSchemaVersion) {
    return Corrupt("profile.version", "is " + std::to_string(ver) + ", this build reads versions 1.." +
                                          std::to_string(kProfileSchemaVersion));
  }
  *version = ver;
  return Status::Ok();
}

// Names are interned as they are read, in the order of the lists; the limits
// of the entries are CheckProfileState's.
Status ReadAffinityList(const json& arr, const std::string& field, Interner& names,
                        std::unordered_map<std::uint32_t, Affinity>* out) {
  if (!arr.is_array()) return Corrupt(field, "must be an array");
  for (std::size_t i = 0; i < arr.size(); ++i) {
    std::string name;
    Affinity a;
    if (!ParseAffinity(arr[i], &name, &a)) return Corrupt(field + "[" + std::to_string(i) + "]", "is malformed");
    (*out)[names.Intern(name)] = a;
  }
  return Status::Ok();
}

// v3: engagement-rate evidence; `field` names the list in errors.
Status ReadRateList(const json& arr, const std::string& field, Interner& names,
                    std::unordered_map<std::uint32_t, TopicRate>* out) {
  if (!arr.is_array()) return Corrupt(field, "must be an array");
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const json& rj = arr[i];
    const std::string f = field + "[" + std::to_string(i) + "]";
    if (!rj.is_object() || !rj.contains("name") || !rj["name"].is_string() ||
        !NameLengthOk(rj["name"].get<std::string>())) {
      return Corrupt(f + ".name", "must be a topic name of 1.." + std::to_string(kMaxNameLength) + " characters");
    }
    TopicRate r;
    for (const auto& [key, out_value] : {std::pair<const char*, double*>{"shown", &r.shown.value},
                                         {"shownAt", &r.shown.t},
                                         {"engaged", &r.engaged.value},
                                         {"engagedAt", &r.engaged.t},
                                         {"lastAt", &r.last_at}}) {
      auto it = rj.find(key);
      if (it == rj.end() || !IsFiniteNumber(*it)) return Corrupt(f + "." + key, "must be a finite number");
      *out_value = it->get<double>();
    }
    (*out)[names.Intern(rj["name"].get<std::string>())] = r;
  }
  return Status::Ok();
}

Status ReadTopicsAndCreators(const json& j, ProfileState* out) {
  for (const char* key : {"topics", "creators"}) {
    auto arr = j.find(key);
    if (arr == j.end()) return Corrupt(std::string("profile.") + key, "must be an array");
    const bool is_topics = std::string(key) == "topics";
    Status s = ReadAffinityList(*arr, std::string("profile.") + key,
                                out->table(is_topics ? NameKind::kTopic : NameKind::kCreator),
                                is_topics ? &out->profile.topics : &out->profile.creators);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// v2; per context rates from v3.
Status ReadContexts(const json& j, long long ver, ProfileState* out) {
  auto ctxs = j.find("contexts");
  if (ctxs == j.end()) return Status::Ok();
  if (!ctxs->is_array()) return Corrupt("profile.contexts", "must be an array");
  for (std::size_t i = 0; i < ctxs->size(); ++i) {
    const json& cj = (*ctxs)[i];
    const std::string f = "profile.contexts[" + std::to_string(i) + "]";
    if (!cj.is_object() || !cj.contains("name") || !cj["name"].is_string() || cj["name"].get<std::string>().empty() ||
        !cj.contains("weight") || !IsFiniteNumber(cj["weight"]) || !cj.contains("weightAt") ||
        !IsFiniteNumber(cj["weightAt"]) || !cj.contains("topics")) {
      return Corrupt(f, "is malformed");
    }
    ContextStats& cs = out->profile.contexts[out->table(NameKind::kContext).Intern(cj["name"].get<std::string>())];
    cs.weight.value = cj["weight"].get<double>();
    cs.weight.t = cj["weightAt"].get<double>();
    Status s = ReadAffinityList(cj["topics"], f + ".topics", out->table(NameKind::kTopic), &cs.topics);
    if (!s.ok()) return s;
    if (ver >= 3 && cj.contains("rates")) {
      s = ReadRateList(cj["rates"], f + ".rates", out->table(NameKind::kTopic), &cs.rates);
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

// v2.
Status ReadPreferences(const json& j, ProfileState* out) {
  auto prefs = j.find("preferences");
  if (prefs == j.end()) return Status::Ok();
  if (!prefs->is_object()) return Corrupt("profile.preferences", "must be an object");
  for (const char* key : {"topics", "creators"}) {
    auto m = prefs->find(key);
    if (m == prefs->end()) continue;
    const std::string f = std::string("profile.preferences.") + key;
    if (!m->is_object()) return Corrupt(f, "must be an object");
    const bool topics = std::string(key) == "topics";
    for (auto it = m->begin(); it != m->end(); ++it) {
      Preference p;
      if (!NameLengthOk(it.key()) || !it->is_string() || !ParsePreference(it->get<std::string>(), &p)) {
        return Corrupt(f + "." + it.key(), "must be more, less or never");
      }
      const std::uint32_t id = out->table(topics ? NameKind::kTopic : NameKind::kCreator).Intern(it.key());
      (topics ? out->profile.topic_prefs : out->profile.creator_prefs)[id] = p;
    }
  }
  return Status::Ok();
}

// v2.
Status ReadUserVector(const json& j, Profile* out) {
  auto uv = j.find("userVector");
  if (uv == j.end() || uv->is_null()) return Status::Ok();
  if (!uv->is_object() || !uv->contains("values") || !(*uv)["values"].is_array() || !uv->contains("at") ||
      !IsFiniteNumber((*uv)["at"])) {
    return Corrupt("profile.userVector", "is malformed");
  }
  const json& values = (*uv)["values"];
  for (const auto& v : values) {
    if (!IsFiniteNumber(v)) return Corrupt("profile.userVector.values", "must be finite numbers within the float32 range");
    // A finite double beyond the float range becomes infinite: CheckProfileState refuses it.
    out->user_vector.push_back(v.get<float>());
  }
  out->user_vector_at = (*uv)["at"].get<double>();
  return Status::Ok();
}

// Events and the totals.
Status ReadEvents(const json& j, Profile* next) {
  auto evs = j.find("events");
  if (evs != j.end()) {
    if (!evs->is_array()) return Corrupt("profile.events", "must be an array");
    for (std::size_t i = 0; i < evs->size(); ++i) {
      const json& ev = (*evs)[i];
      const std::string f = "profile.events[" + std::to_string(i) + "]";
      EventType t;
      if (!ev.is_object() || !ev.contains("type") || !ev["type"].is_string() ||
          !ParseEventType(ev["type"].get<std::string>(), &t) || !ev.contains("at") || !IsFiniteNumber(ev["at"]) ||
          !ev.contains("weight") || !IsFiniteNumber(ev["weight"])) {
        return Corrupt(f, "is malformed");
      }
      next->events.push_back(StoredEvent{t, ev["at"].get<double>(), ev["weight"].get<double>()});
    }
  }
  // totalEvents becomes an integer: its range is checked before the conversion.
  auto total = j.find("totalEvents");
  if (total != j.end() && (!IsFiniteNumber(*total) || total->get<double>() < 0 || total->get<double>() > 9007199254740992.0)) {
    return Corrupt("profile.totalEvents", "must be a number in [0, 2^53]");
  }
  auto last = j.find("lastEventAt");
  if (last != j.end() && !IsFiniteNumber(*last)) return Corrupt("profile.lastEventAt", "must be a number in [0, 2^53]");
  next->total_events = static_cast<std::uint64_t>(j.value("totalEvents", 0.0));
  next->last_event_at = j.value("lastEventAt", 0.0);
  return Status::Ok();
}

}  // namespace

Status DecodeProfileJson(std::string_view text, ProfileState* out) {
  if (text.size() > kMaxProfileBytes) {
    return Status::Error(Code::kLimitExceeded, "profile", -1,
                         "profile is larger than the limit of " + std::to_string(kMaxProfileBytes) + " bytes");
  }
  if (!JsonDepthWithin(text, kMaxJsonDepth)) return Corrupt("profile", "is nested too deeply");
  json j = ParseJson(text);
  if (j.is_discarded() || !j.is_object()) return Corrupt("profile", "is not a JSON object");
  long long ver = 0;
  Status s = ReadHeader(j, &ver);
  if (s.ok()) s = ReadTopicsAndCreators(j, out);
  // v2 sections; a v1 profile has none of them and migrates with empty ones.
  if (s.ok() && ver >= 2) s = ReadContexts(j, ver, out);
  auto rates = j.find("rates");
  if (s.ok() && ver >= 3 && rates != j.end()) {
    s = ReadRateList(*rates, "profile.rates", out->table(NameKind::kTopic), &out->profile.rates);
  }
  if (s.ok() && ver >= 2) s = ReadPreferences(j, out);
  if (s.ok() && ver >= 2) s = ReadUserVector(j, &out->profile);
  auto fatigue = j.find("fatigue");
  if (s.ok() && fatigue != j.end() && !fatigue->is_null()) s = DecodeFatigueJson(*fatigue, out);
  auto mj = j.find("model");
  if (s.ok() && ver >= 4 && mj != j.end() && !mj->is_null()) s = ParseModel(*mj, &out->profile.model);
  if (s.ok()) s = ReadEvents(j, &out->profile);
  return s;
}

}  // namespace localrank
