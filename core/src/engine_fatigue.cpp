// SPDX-License-Identifier: MIT
// The Engine's fatigue bookkeeping: impressions and engagement from
// Record(), and the optional `fatigue` section of the profile JSON.
#include <nlohmann/json.hpp>

#include "localrank/engine.h"
#include "localrank/stages.h"

namespace localrank {

void Engine::ApplyFatigue(const EventView& v, double key) {
  const FatigueTuning& f = DefaultRankTuning().fatigue;
  if (v.type == EventType::kImpression) {
    fatigue_.Impression(f, key, v.creator, v.topic_ids, v.topic_weights, v.topic_count, v.at);
  } else if (IsEngagement(v.type, EventDelta(config_, v.type, v.dwell_ms, v.expected_ms))) {
    fatigue_.Engaged(f, key, v.creator, v.topic_ids, v.topic_count, v.at);
  }
}

void Engine::ExportFatigue(nlohmann::json* profile) const {
  if (fatigue_.empty()) return;
  (*profile)["fatigue"] = fatigue_.ToJson(names(NameKind::kTopic), names(NameKind::kCreator));
}

Status Engine::ParseFatigue(const nlohmann::json& profile, FatigueImport* out) const {
  auto it = profile.find("fatigue");
  if (it == profile.end() || it->is_null()) return Status::Ok();
  return out->Parse(*it, DefaultRankTuning().fatigue);
}

}  // namespace localrank
