// SPDX-License-Identifier: MIT
#include "fixture.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace localrank::testing {

using nlohmann::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

template <typename Batch>
void AppendTopics(Engine& engine, const json& topics, Batch& b) {
  if (topics.is_array()) {
    for (const auto& t : topics) {
      b.topic_ids.push_back(static_cast<std::int32_t>(engine.names(NameKind::kTopic).Intern(t.get<std::string>())));
      b.topic_weights.push_back(1.0f);
    }
  } else if (topics.is_object()) {
    for (auto it = topics.begin(); it != topics.end(); ++it) {
      b.topic_ids.push_back(static_cast<std::int32_t>(engine.names(NameKind::kTopic).Intern(it.key())));
      b.topic_weights.push_back(it->get<float>());
    }
  }
}

// Embeddings are all-or-none per batch: every entry of a fixture that uses them has one.
void AppendEmbedding(const json& j, std::vector<float>& out) {
  auto it = j.find("embedding");
  if (it == j.end() || !it->is_array()) return;
  for (const auto& x : *it) out.push_back(x.get<float>());
}

double NumberOr(const json& j, const char* key, double fallback) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? fallback : it->get<double>();
}

std::int32_t CreatorId(Engine& engine, const json& j) {
  auto it = j.find("creatorId");
  if (it == j.end() || it->is_null()) return -1;
  return static_cast<std::int32_t>(engine.names(NameKind::kCreator).Intern(it->get<std::string>()));
}

}  // namespace

void FillCandidates(Engine& engine, const json& items) {
  CandidateBatch& b = engine.candidates();
  b.Resize(items.size());
  b.topic_ids.clear();
  b.topic_weights.clear();
  b.embeddings.clear();
  b.topic_offsets[0] = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const json& it = items[i];
    b.key[i] = static_cast<double>(HashId(it["id"].get<std::string>()));
    b.server_score[i] = NumberOr(it, "serverScore", NAN);
    b.published_at[i] = NumberOr(it, "publishedAt", NAN);
    b.creator[i] = CreatorId(engine, it);
    b.flags[i] = it.value("pinned", false) ? kFlagPinned : 0;
    if (it.contains("topics")) AppendTopics(engine, it["topics"], b);
    b.topic_offsets[i + 1] = static_cast<std::int32_t>(b.topic_ids.size());
    AppendEmbedding(it, b.embeddings);
  }
}

void FillEvents(Engine& engine, const json& events) {
  EventBatch& e = engine.events();
  e.Resize(events.size());
  e.topic_ids.clear();
  e.topic_weights.clear();
  e.context_ids.clear();
  e.embeddings.clear();
  e.topic_offsets[0] = 0;
  e.context_offsets[0] = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const json& ev = events[i];
    EventType t = EventType::kClick;
    ParseEventType(ev["type"].get<std::string>(), &t);
    e.type[i] = static_cast<std::int32_t>(t);
    e.at[i] = ev["at"].get<double>();
    e.key[i] = ev.contains("itemId") ? static_cast<double>(HashId(ev["itemId"].get<std::string>())) : NAN;
    e.creator[i] = CreatorId(engine, ev);
    e.dwell_ms[i] = NumberOr(ev, "dwellMs", NAN);
    e.expected_ms[i] = NumberOr(ev, "expectedMs", NAN);
    if (ev.contains("topics")) AppendTopics(engine, ev["topics"], e);
    e.topic_offsets[i + 1] = static_cast<std::int32_t>(e.topic_ids.size());
    AppendEmbedding(ev, e.embeddings);
    // Context keys as the facade derives them (e.g. "intent:commute").
    if (ev.contains("contextKeys")) {
      for (const auto& k : ev["contextKeys"]) {
        e.context_ids.push_back(static_cast<std::int32_t>(engine.names(NameKind::kContext).Intern(k.get<std::string>())));
      }
    }
    e.context_offsets[i + 1] = static_cast<std::int32_t>(e.context_ids.size());
  }
}

json RunFixture(const json& fixture) {
  Engine engine;
  engine.Configure(fixture.value("config", json::object()).dump());
  FillEvents(engine, fixture["events"]);
  Status s = engine.Record(fixture["now"].get<double>());
  if (!s.ok()) return json{{"error", s.message()}};
  FillCandidates(engine, fixture["items"]);
  const json& opts = fixture.value("options", json::object());
  engine.options().strength = opts.value("strength", 1.0);
  s = engine.Rerank(fixture["now"].get<double>());
  if (!s.ok()) return json{{"error", s.message()}};
  const RankResult& r = engine.result();
  json out = json::array();
  for (std::size_t rank = 0; rank < r.order.size(); ++rank) {
    const int idx = r.order[rank];
    json reasons = json::array();
    for (const RankedReason& x : r.ReasonsAt(rank)) {
      const auto kind = static_cast<ReasonKind>(x.kind);
      std::string label;
      if (kind == ReasonKind::kTopic) label = engine.names(NameKind::kTopic).Name(static_cast<std::uint32_t>(x.label.id));
      if (kind == ReasonKind::kCreator) label = engine.names(NameKind::kCreator).Name(static_cast<std::uint32_t>(x.label.id));
      reasons.push_back(json{{"kind", ReasonKindName(kind)}, {"label", label}, {"contribution", x.value}});
    }
    out.push_back(json{{"id", fixture["items"][static_cast<std::size_t>(idx)]["id"]},
                       {"score", r.score[rank]},
                       {"originalIndex", idx},
                       {"reasons", reasons}});
  }
  return out;
}

}  // namespace localrank::testing
