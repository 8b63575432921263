// SPDX-License-Identifier: MIT
// The optional `fatigue` section of the profile JSON (the bookkeeping on
// every record is Engine::ApplyFatigue, in engine.cpp).
#include <nlohmann/json.hpp>

#include "localrank/engine.h"
#include "localrank/stages.h"

namespace localrank {

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
