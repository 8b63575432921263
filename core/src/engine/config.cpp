// SPDX-License-Identifier: MIT
#include "localrank/config.h"

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

namespace localrank {

namespace {

// Reads an optional number; false (with `err`) when present but invalid.
bool ReadNumber(const nlohmann::json& j, const char* key, double lo, double hi, double* out, Status* err) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return true;
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < lo ||
      it->get<double>() > hi) {
    *err = Status::Error(Code::kInvalidArgument, std::string("config.") + key, -1,
                         std::string("config.") + key + " must be a number in [" + std::to_string(lo) +
                             ", " + std::to_string(hi) + "]");
    return false;
  }
  *out = it->get<double>();
  return true;
}

}  // namespace

Status Config::MergeJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::Error(Code::kInvalidArgument, "config", -1, "config must be an object");
  Config c = *this;
  Status err;
  double dim = c.dim, max_topics = c.max_topics, max_creators = c.max_creators, max_events = c.max_events;
  double max_contexts = c.max_contexts, max_context_topics = c.max_context_topics;
  double seed = static_cast<double>(c.seed);
  const double kYear = 366 * kMsPerDay;
  bool ok = ReadNumber(j, "longHalfLifeMs", 1, 10 * kYear, &c.long_half_life_ms, &err) &&
            ReadNumber(j, "shortHalfLifeMs", 1, 10 * kYear, &c.short_half_life_ms, &err) &&
            ReadNumber(j, "shortTermShare", 0, 1, &c.short_term_share, &err) &&
            ReadNumber(j, "freshnessHalfLifeMs", 1, 10 * kYear, &c.freshness_half_life_ms, &err) &&
            ReadNumber(j, "serverWeight", 0, 100, &c.w_server, &err) &&
            ReadNumber(j, "topicWeight", 0, 100, &c.w_topic, &err) &&
            ReadNumber(j, "creatorWeight", 0, 100, &c.w_creator, &err) &&
            ReadNumber(j, "freshnessWeight", 0, 100, &c.w_freshness, &err) &&
            ReadNumber(j, "contextWeight", 0, 100, &c.w_context, &err) &&
            ReadNumber(j, "embeddingWeight", 0, 100, &c.w_embedding, &err) &&
            ReadNumber(j, "rateWeight", 0, 100, &c.w_rate, &err) &&
            ReadNumber(j, "modelPrecision", 1e-3, 1e6, &c.model_precision, &err) &&
            ReadNumber(j, "positionWeight", 0, 8, &c.w_position, &err) &&
            ReadNumber(j, "choiceScale", 1e-3, 1e3, &c.choice_scale, &err) &&
            ReadNumber(j, "ratePrior", 1e-3, 1e6, &c.rate_prior, &err) &&
            ReadNumber(j, "rateContextPrior", 1e-3, 1e6, &c.rate_context_prior, &err) &&
            ReadNumber(j, "affinityScale", 1e-3, 1e6, &c.affinity_scale, &err) &&
            ReadNumber(j, "contextPrior", 0, 1e6, &c.context_prior, &err) &&
            ReadNumber(j, "maxContexts", 1, 10000, &max_contexts, &err) &&
            ReadNumber(j, "maxContextTopics", 1, 100000, &max_context_topics, &err) &&
            ReadNumber(j, "maxTopics", 1, 100000, &max_topics, &err) &&
            ReadNumber(j, "maxCreators", 1, 100000, &max_creators, &err) &&
            ReadNumber(j, "maxEvents", 0, 1000000, &max_events, &err) &&
            ReadNumber(j, "retentionMs", kMsPerHour, 10 * kYear, &c.retention_ms, &err) &&
            ReadNumber(j, "dim", 0, kMaxEmbeddingDim, &dim, &err) &&
            ReadNumber(j, "seed", 0, 9007199254740991.0, &seed, &err);
  if (!ok) return err;
  auto w = j.find("eventWeights");
  if (w != j.end() && !w->is_null()) {
    if (!w->is_object()) {
      return Status::Error(Code::kInvalidArgument, "config.eventWeights", -1,
                           "config.eventWeights must be an object of {type: number}");
    }
    for (auto it = w->begin(); it != w->end(); ++it) {
      EventType t;
      if (!ParseEventType(it.key(), &t)) {
        return Status::Error(Code::kInvalidArgument, "config.eventWeights." + it.key(), -1,
                             "config.eventWeights." + it.key() + " is not an event type");
      }
      if (!it->is_number() || !std::isfinite(it->get<double>()) || std::fabs(it->get<double>()) > 1000) {
        return Status::Error(Code::kInvalidArgument, "config.eventWeights." + it.key(), -1,
                             "config.eventWeights." + it.key() + " must be a finite number in [-1000, 1000]");
      }
      c.event_weights[static_cast<int>(t)] = it->get<double>();
    }
  }
  auto learning = j.find("learning");
  if (learning != j.end() && !learning->is_null()) {
    if (!learning->is_boolean()) {
      return Status::Error(Code::kInvalidArgument, "config.learning", -1, "config.learning must be true or false");
    }
    c.learning = learning->get<bool>();
  }
  if (dim != std::floor(dim) || max_topics != std::floor(max_topics) || max_creators != std::floor(max_creators) ||
      max_events != std::floor(max_events) || seed != std::floor(seed) || max_contexts != std::floor(max_contexts) ||
      max_context_topics != std::floor(max_context_topics)) {
    return Status::Error(Code::kInvalidArgument, "config", -1,
                         "config.dim, maxTopics, maxCreators, maxContexts, maxContextTopics, maxEvents and seed must be integers");
  }
  c.dim = static_cast<int>(dim);
  c.max_topics = static_cast<int>(max_topics);
  c.max_creators = static_cast<int>(max_creators);
  c.max_events = static_cast<int>(max_events);
  c.max_contexts = static_cast<int>(max_contexts);
  c.max_context_topics = static_cast<int>(max_context_topics);
  c.seed = static_cast<std::uint64_t>(seed);
  *this = c;
  return Status::Ok();
}

}  // namespace localrank
