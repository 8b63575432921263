// SPDX-License-Identifier: MIT
// The Engine's configuration and its profile state: Snapshot and Replace, the
// exports and imports through the two codecs (core/src/storage), and the
// summary shown to the person.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "localrank/engine.h"
#include "localrank/stages.h"

#include "profile/name_uses.h"
#include "storage/codecs.h"
#include "storage/json_guard.h"
#include "storage/json_text.h"

namespace localrank {

using nlohmann::json;

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

std::string Engine::ExportJson(double now) const { return EncodeProfileJson(state_, now); }

void Engine::ExportSnapshot(std::vector<std::uint8_t>* out) const { EncodeSnapshot(state_, out); }

namespace {

// Interned rather than copied: no copy of the interner's tables in the wasm.
void CopyNames(const Interner (&from)[kNameKindCount], ProfileState* to) {
  for (int k = 0; k < kNameKindCount; ++k) {
    for (const std::string& name : from[k].names()) to->names[k].Intern(name);
  }
}

}  // namespace

Status Engine::ImportJson(std::string_view text) {
  // Decoded onto a copy of the engine's name tables: the names it has keep
  // their ids and new ones are added in the order the profile names them.
  ProfileState next;
  CopyNames(state_.names, &next);
  Status s = DecodeProfileJson(text, &next);
  return s.ok() ? Replace(std::move(next), StateFields::kJson) : s;
}

Status Engine::ImportSnapshot(const std::uint8_t* data, std::size_t size) {
  ProfileState next;
  CopyNames(state_.names, &next);
  Status s = DecodeSnapshot(data, size, &next);
  if (s.ok()) s = Replace(std::move(next), StateFields::kSnapshot);
  if (s.ok() || s.code() != Code::kCorruptProfile || NameCount() == 0) return s;
  // Refused, by an engine with names of its own: read it again with only its
  // own name table, whose order is the snapshot's, to name the entry at fault
  // by its index in the snapshot (an error path only).
  ProfileState alone;
  if (!DecodeSnapshot(data, size, &alone).ok()) return s;
  const Status at_index = CheckProfileState(alone, config_, StateFields::kSnapshot);
  return at_index.ok() ? s : at_index;
}

Status Engine::Replace(ProfileState&& next, StateFields fields) {
  Status s = CheckProfileState(next, config_, fields);
  if (!s.ok()) return s;
  // Valid: only now touch the engine. The imports decode onto a copy of the
  // engine's tables, so their ids are the engine's and this only adds names.
  std::vector<std::int32_t> remap[kNameKindCount];
  bool same_ids = true;
  for (int k = 0; k < kNameKindCount; ++k) {
    const Interner& from = next.names[k];
    remap[k].reserve(from.size());
    for (std::uint32_t i = 0; i < from.size(); ++i) {
      remap[k].push_back(static_cast<std::int32_t>(state_.names[k].Intern(from.Name(i))));
      same_ids = same_ids && remap[k].back() == static_cast<std::int32_t>(i);
    }
  }
  if (!same_ids) RemapNameIds(&next.profile, &next.fatigue, remap);
  Profile& p = next.profile;
  // Beyond this build's cap, the newest events stay.
  while (static_cast<int>(p.events.size()) > std::max(config_.max_events, 0)) p.events.pop_front();
  // A vector of another dimension cannot be compared with this build's embeddings.
  if (p.user_vector.size() != static_cast<std::size_t>(config_.dim)) {
    p.user_vector.clear();
    p.user_vector_at = 0.0;
  }
  state_.profile = std::move(p);
  state_.fatigue = std::move(next.fatigue);
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
  for (const std::uint32_t id : IdsByName(state_.profile.contexts, names(NameKind::kContext))) {
    const ContextStats& ctx = state_.profile.contexts.at(id);
    json c{{"name", names(NameKind::kContext).Name(id)}, {"events", ctx.weight.At(now, config_.long_half_life_ms)},
           {"topics", list(ctx.topics, NameKind::kTopic, std::min(top, 5))}};
    contexts.push_back(std::move(c));
  }
  // Engagement rate (what the `rate` reasons use): the topics with the most
  // evidence first, each with its lift outside any context.
  std::vector<std::pair<double, std::uint32_t>> rated;
  for (const auto& [id, r] : state_.profile.rates) rated.emplace_back(r.shown.At(now, config_.long_half_life_ms), id);
  SortByValueThenName(&rated, names(NameKind::kTopic));
  const Profile::RateLens lens = state_.profile.MakeRateLens(config_, nullptr, 0, now);
  json engagement = json::array();
  for (std::size_t i = 0; i < rated.size() && static_cast<int>(i) < top; ++i) {
    const TopicRate& r = state_.profile.rates.at(rated[i].second);
    engagement.push_back(json{{"name", names(NameKind::kTopic).Name(rated[i].second)},
                              {"lift", state_.profile.TopicLift(config_, lens, rated[i].second, now)},
                              {"shown", rated[i].first},
                              {"engaged", r.engaged.At(now, config_.long_half_life_ms)}});
  }
  json j{{"topics", list(state_.profile.topics, NameKind::kTopic, top)},
         {"creators", list(state_.profile.creators, NameKind::kCreator, top)},
         {"contexts", std::move(contexts)},
         {"engagement", std::move(engagement)},
         {"preferences", json{{"topics", PreferenceMap(state_.profile.topic_prefs, names(NameKind::kTopic))},
                              {"creators", PreferenceMap(state_.profile.creator_prefs, names(NameKind::kCreator))}}},
         {"model", SummaryModel()},
         {"totalEvents", state_.profile.total_events},
         {"storedEvents", state_.profile.events.size()},
         {"lastEventAt", state_.profile.last_event_at}};
  return j.dump();
}

// The weights the person's scores use now and the prior's, by signal.
nlohmann::json Engine::SummaryModel() const {
  const auto weights = ModelWeights(config_, state_.profile.model);
  const auto prior = PriorMean(config_);
  return json{{"weights", SignalObject(weights.data(), kSignalCount)},
              {"prior", SignalObject(prior.data(), kSignalCount)},
              {"evidence", SignalObject(state_.profile.model.evidence.data(), kSignalCount)},
              {"choices", state_.profile.model.choices},
              {"learning", config_.learning}};
}

void Engine::ResetProfile() {
  state_.profile.Clear();
  state_.fatigue.Clear();
  ForgetRankings();
}

}  // namespace localrank
