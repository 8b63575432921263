// SPDX-License-Identifier: MIT
// The Engine's configuration and its profile JSON: export, validated import
// (all or nothing), and the summary shown to the person.
#include "localrank/engine.h"

#include "localrank/stages.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/json_text.h"

#include "storage/json_guard.h"

namespace localrank {

using nlohmann::json;

namespace {

bool IsFiniteNumber(const json& j) { return j.is_number() && std::isfinite(j.get<double>()); }

}  // namespace

Status Engine::Configure(std::string_view config_json) {
  if (config_json.size() > kMaxConfigBytes) {
    return Status::Error(Code::kLimitExceeded, "config", -1,
                         "config is larger than " + std::to_string(kMaxConfigBytes) + " bytes");
  }
  if (!JsonDepthWithin(config_json, kMaxJsonDepth)) {
    return Status::Error(Code::kInvalidArgument, "config", -1, "config is nested too deeply");
  }
  json j = ParseJson(config_json);
  if (j.is_discarded()) return Status::Error(Code::kInvalidArgument, "config", -1, "config is not valid JSON");
  Status s = config_.MergeJson(j);
  if (s.ok()) rng_.Seed(config_.seed);
  return s;
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

json PreferenceMap(const std::unordered_map<std::uint32_t, Preference>& m, const Interner& names) {
  json obj = json::object();
  for (const auto& [id, p] : m) obj[names.Name(id)] = PreferenceName(p);
  return obj;
}

// {signal: value} of the model's first n parameters (model.h's order).
json SignalObject(const double* v, int n) {
  json o = json::object();
  for (int k = 0; k < n; ++k) o[SignalName(k)] = v[k];
  return o;
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
      const double v = e->get<double>();
      if (is_shift ? std::fabs(v) > 2 * kMaxModelWeight : v < 0 || v > kMaxModelEvidence) {
        return corrupt(at, is_shift ? "must be in [-16, 16]" : "must be in [0, 10000]");
      }
      (is_shift ? m.shift : m.evidence)[static_cast<std::size_t>(k)] = v;
    }
  }
  *out = m;
  return Status::Ok();
}

}  // namespace

std::string Engine::ExportJson(double now) const {
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
  ExportFatigue(&j);
  return j.dump();
}

namespace {

Status Corrupt(const std::string& field, const std::string& why) {
  return Status::Error(Code::kCorruptProfile, field, -1, field + " " + why);
}

struct Named {
  std::string name;
  Affinity a;
};
struct NamedRate {
  std::string name;
  TopicRate r;
};
struct NamedContext {
  std::string name;
  Decayed weight;
  std::vector<Named> topics;
  std::vector<NamedRate> rates;
};

// A read profile whose names are not interned yet: the engine interns them
// only once the whole profile proved valid.
struct ReadProfile {
  std::vector<Named> topics, creators;
  std::vector<NamedRate> rates;
  std::vector<NamedContext> contexts;
  std::vector<std::pair<std::string, Preference>> topic_prefs, creator_prefs;
  std::vector<float> user_vector;
  double user_vector_at = 0.0;
  Profile next;  // what is not keyed by name: model, events, totals
};

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

Status ReadAffinityList(const json& arr, const std::string& field, int cap, std::vector<Named>* out) {
  if (!arr.is_array()) return Corrupt(field, "must be an array");
  if (static_cast<int>(arr.size()) > cap) return Corrupt(field, "has more entries than the cap of " + std::to_string(cap));
  for (std::size_t i = 0; i < arr.size(); ++i) {
    Named n;
    if (!ParseAffinity(arr[i], &n.name, &n.a)) return Corrupt(field + "[" + std::to_string(i) + "]", "is malformed");
    out->push_back(std::move(n));
  }
  return Status::Ok();
}

// v3: engagement-rate evidence; `field` names the list in errors.
Status ReadRateList(const json& arr, const std::string& field, int cap, std::vector<NamedRate>* out) {
  if (!arr.is_array()) return Corrupt(field, "must be an array");
  if (static_cast<int>(arr.size()) > cap) return Corrupt(field, "has more entries than the cap of " + std::to_string(cap));
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const json& rj = arr[i];
    const std::string f = field + "[" + std::to_string(i) + "]";
    if (!rj.is_object() || !rj.contains("name") || !rj["name"].is_string() ||
        !NameLengthOk(rj["name"].get<std::string>())) {
      return Corrupt(f + ".name", "must be a topic name of 1.." + std::to_string(kMaxNameLength) + " characters");
    }
    NamedRate n;
    n.name = rj["name"].get<std::string>();
    for (const auto& [key, out_value] : {std::pair<const char*, double*>{"shown", &n.r.shown.value},
                                         {"shownAt", &n.r.shown.t},
                                         {"engaged", &n.r.engaged.value},
                                         {"engagedAt", &n.r.engaged.t},
                                         {"lastAt", &n.r.last_at}}) {
      auto it = rj.find(key);
      if (it == rj.end() || !IsFiniteNumber(*it)) return Corrupt(f + "." + key, "must be a finite number");
      *out_value = it->get<double>();
    }
    if (n.r.shown.value < 0) return Corrupt(f + ".shown", "must be >= 0");
    out->push_back(std::move(n));
  }
  return Status::Ok();
}

Status ReadTopicsAndCreators(const json& j, const Config& c, ReadProfile* out) {
  for (const char* key : {"topics", "creators"}) {
    auto arr = j.find(key);
    if (arr == j.end()) return Corrupt(std::string("profile.") + key, "must be an array");
    const bool is_topics = std::string(key) == "topics";
    Status s = ReadAffinityList(*arr, std::string("profile.") + key, is_topics ? c.max_topics : c.max_creators,
                                is_topics ? &out->topics : &out->creators);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// v2; per context rates from v3.
Status ReadContexts(const json& j, const Config& c, long long ver, ReadProfile* out) {
  auto ctxs = j.find("contexts");
  if (ctxs == j.end()) return Status::Ok();
  if (!ctxs->is_array() || static_cast<int>(ctxs->size()) > c.max_contexts) {
    return Corrupt("profile.contexts", "must be an array of at most " + std::to_string(c.max_contexts));
  }
  for (std::size_t i = 0; i < ctxs->size(); ++i) {
    const json& cj = (*ctxs)[i];
    const std::string f = "profile.contexts[" + std::to_string(i) + "]";
    if (!cj.is_object() || !cj.contains("name") || !cj["name"].is_string() || cj["name"].get<std::string>().empty() ||
        !cj.contains("weight") || !IsFiniteNumber(cj["weight"]) || !cj.contains("weightAt") ||
        !IsFiniteNumber(cj["weightAt"]) || !cj.contains("topics")) {
      return Corrupt(f, "is malformed");
    }
    NamedContext nc;
    nc.name = cj["name"].get<std::string>();
    nc.weight.value = cj["weight"].get<double>();
    nc.weight.t = cj["weightAt"].get<double>();
    Status s = ReadAffinityList(cj["topics"], f + ".topics", c.max_context_topics, &nc.topics);
    if (!s.ok()) return s;
    if (ver >= 3 && cj.contains("rates")) {
      s = ReadRateList(cj["rates"], f + ".rates", c.max_context_topics, &nc.rates);
      if (!s.ok()) return s;
    }
    out->contexts.push_back(std::move(nc));
  }
  return Status::Ok();
}

// v2.
Status ReadPreferences(const json& j, ReadProfile* out) {
  auto prefs = j.find("preferences");
  if (prefs == j.end()) return Status::Ok();
  if (!prefs->is_object()) return Corrupt("profile.preferences", "must be an object");
  for (const char* key : {"topics", "creators"}) {
    auto m = prefs->find(key);
    if (m == prefs->end()) continue;
    const std::string f = std::string("profile.preferences.") + key;
    if (!m->is_object()) return Corrupt(f, "must be an object");
    for (auto it = m->begin(); it != m->end(); ++it) {
      Preference p;
      if (!NameLengthOk(it.key()) || !it->is_string() || !ParsePreference(it->get<std::string>(), &p)) {
        return Corrupt(f + "." + it.key(), "must be more, less or never");
      }
      (std::string(key) == "topics" ? out->topic_prefs : out->creator_prefs).emplace_back(it.key(), p);
    }
  }
  return Status::Ok();
}

// v2.
Status ReadUserVector(const json& j, const Config& c, ReadProfile* out) {
  auto uv = j.find("userVector");
  if (uv == j.end() || uv->is_null()) return Status::Ok();
  if (!uv->is_object() || !uv->contains("values") || !(*uv)["values"].is_array() || !uv->contains("at") ||
      !IsFiniteNumber((*uv)["at"])) {
    return Corrupt("profile.userVector", "is malformed");
  }
  const json& values = (*uv)["values"];
  if (values.size() > static_cast<std::size_t>(kMaxEmbeddingDim)) return Corrupt("profile.userVector", "is too long");
  for (const auto& v : values) {
    // Stored as float: a finite double beyond its range would become infinite.
    if (!IsFiniteNumber(v) || !std::isfinite(v.get<float>())) {
      return Corrupt("profile.userVector.values", "must be finite numbers within the float32 range");
    }
    out->user_vector.push_back(v.get<float>());
  }
  out->user_vector_at = (*uv)["at"].get<double>();
  // A vector of another dimension cannot be compared with this build's embeddings.
  if (out->user_vector.size() != static_cast<std::size_t>(c.dim)) out->user_vector.clear();
  return Status::Ok();
}

// Events (beyond the cap, the newest stay) and the totals.
Status ReadEvents(const json& j, const Config& c, Profile* next) {
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
    while (static_cast<int>(next->events.size()) > c.max_events) next->events.pop_front();
  }
  for (const char* key : {"totalEvents", "lastEventAt"}) {
    auto it = j.find(key);
    // 2^53: exact in a double and in JavaScript.
    if (it != j.end() && (!IsFiniteNumber(*it) || it->get<double>() < 0 || it->get<double>() > 9007199254740992.0)) {
      return Corrupt(std::string("profile.") + key, "must be a number in [0, 2^53]");
    }
  }
  next->total_events = static_cast<std::uint64_t>(j.value("totalEvents", 0.0));
  next->last_event_at = j.value("lastEventAt", 0.0);
  return Status::Ok();
}

}  // namespace

Status Engine::ImportJson(std::string_view text) {
  if (text.size() > kMaxProfileBytes) {
    return Status::Error(Code::kLimitExceeded, "profile", -1,
                         "profile is larger than the limit of " + std::to_string(kMaxProfileBytes) + " bytes");
  }
  if (!JsonDepthWithin(text, kMaxJsonDepth)) return Corrupt("profile", "is nested too deeply");
  json j = ParseJson(text);
  if (j.is_discarded() || !j.is_object()) return Corrupt("profile", "is not a JSON object");
  long long ver = 0;
  Status s = ReadHeader(j, &ver);
  ReadProfile in;
  if (s.ok()) s = ReadTopicsAndCreators(j, config_, &in);
  // v2 sections; a v1 profile has none of them and migrates with empty ones.
  if (s.ok() && ver >= 2) s = ReadContexts(j, config_, ver, &in);
  auto rates = j.find("rates");
  if (s.ok() && ver >= 3 && rates != j.end()) s = ReadRateList(*rates, "profile.rates", config_.max_topics, &in.rates);
  if (s.ok() && ver >= 2) s = ReadPreferences(j, &in);
  if (s.ok() && ver >= 2) s = ReadUserVector(j, config_, &in);
  FatigueImport fatigue;
  if (s.ok()) s = ParseFatigue(j, &fatigue);
  Profile& next = in.next;
  auto mj = j.find("model");
  if (s.ok() && ver >= 4 && mj != j.end() && !mj->is_null()) s = ParseModel(*mj, &next.model);
  if (s.ok()) s = ReadEvents(j, config_, &next);
  if (!s.ok()) return s;
  // Everything parsed: only now touch the engine's state.
  Interner& tn = names(NameKind::kTopic);
  Interner& cn = names(NameKind::kCreator);
  for (auto& n : in.topics) next.topics[tn.Intern(n.name)] = n.a;
  for (auto& n : in.creators) next.creators[cn.Intern(n.name)] = n.a;
  for (auto& nc : in.contexts) {
    ContextStats& cs = next.contexts[names(NameKind::kContext).Intern(nc.name)];
    cs.weight = nc.weight;
    for (auto& n : nc.topics) cs.topics[tn.Intern(n.name)] = n.a;
    for (auto& n : nc.rates) cs.rates[tn.Intern(n.name)] = n.r;
  }
  for (auto& n : in.rates) next.rates[tn.Intern(n.name)] = n.r;
  for (auto& [name, p] : in.topic_prefs) next.topic_prefs[tn.Intern(name)] = p;
  for (auto& [name, p] : in.creator_prefs) next.creator_prefs[cn.Intern(name)] = p;
  next.user_vector = std::move(in.user_vector);
  next.user_vector_at = in.user_vector_at;
  profile_ = std::move(next);
  fatigue_ = fatigue.Commit(DefaultRankTuning().fatigue, tn, cn);
  ForgetRankings();
  return Status::Ok();
}

std::string Engine::SummaryJson(double now, int top) const {
  auto list = [&](const std::unordered_map<std::uint32_t, Affinity>& m, NameKind kind, int limit) {
    std::vector<std::pair<double, std::uint32_t>> v;
    for (const auto& [id, a] : m) v.emplace_back(a.Blend(config_, now), id);
    SortByValueThenName(&v, names(kind));
    json arr = json::array();
    for (std::size_t i = 0; i < v.size() && static_cast<int>(i) < limit; ++i) {
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
  json contexts = json::array();
  for (const std::uint32_t id : IdsByName(profile_.contexts, names(NameKind::kContext))) {
    const ContextStats& ctx = profile_.contexts.at(id);
    json c{{"name", names(NameKind::kContext).Name(id)}, {"events", ctx.weight.At(now, config_.long_half_life_ms)},
           {"topics", list(ctx.topics, NameKind::kTopic, std::min(top, 5))}};
    contexts.push_back(std::move(c));
  }
  // Engagement rate (what the `rate` reasons use): the topics with the most
  // evidence first, each with its lift outside any context.
  std::vector<std::pair<double, std::uint32_t>> rated;
  for (const auto& [id, r] : profile_.rates) rated.emplace_back(r.shown.At(now, config_.long_half_life_ms), id);
  SortByValueThenName(&rated, names(NameKind::kTopic));
  const Profile::RateLens lens = profile_.MakeRateLens(config_, nullptr, 0, now);
  json engagement = json::array();
  for (std::size_t i = 0; i < rated.size() && static_cast<int>(i) < top; ++i) {
    const TopicRate& r = profile_.rates.at(rated[i].second);
    engagement.push_back(json{{"name", names(NameKind::kTopic).Name(rated[i].second)},
                              {"lift", profile_.TopicLift(config_, lens, rated[i].second, now)},
                              {"shown", rated[i].first},
                              {"engaged", r.engaged.At(now, config_.long_half_life_ms)}});
  }
  json j{{"topics", list(profile_.topics, NameKind::kTopic, top)},
         {"creators", list(profile_.creators, NameKind::kCreator, top)},
         {"contexts", std::move(contexts)},
         {"engagement", std::move(engagement)},
         {"preferences", json{{"topics", PreferenceMap(profile_.topic_prefs, names(NameKind::kTopic))},
                              {"creators", PreferenceMap(profile_.creator_prefs, names(NameKind::kCreator))}}},
         {"model", SummaryModel()},
         {"totalEvents", profile_.total_events},
         {"storedEvents", profile_.events.size()},
         {"lastEventAt", profile_.last_event_at}};
  return j.dump();
}

// The weights the person's scores use now and the prior's, by signal.
nlohmann::json Engine::SummaryModel() const {
  const auto weights = ModelWeights(config_, profile_.model);
  const auto prior = PriorMean(config_);
  return json{{"weights", SignalObject(weights.data(), kSignalCount)},
              {"prior", SignalObject(prior.data(), kSignalCount)},
              {"evidence", SignalObject(profile_.model.evidence.data(), kSignalCount)},
              {"choices", profile_.model.choices},
              {"learning", config_.learning}};
}

void Engine::ResetProfile() {
  profile_.Clear();
  fatigue_.Clear();
  ForgetRankings();
}

}  // namespace localrank
