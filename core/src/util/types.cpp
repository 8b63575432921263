// SPDX-License-Identifier: MIT
#include "localrank/types.h"

namespace localrank {

namespace {
constexpr const char* kEventNames[kEventTypeCount] = {
    "impression", "click", "dwell", "like", "share", "comment",
    "save", "follow", "hide", "notInterested", "report"};
constexpr const char* kReasonNames[static_cast<int>(ReasonKind::kCount)] = {
    "server", "topic", "creator", "freshness", "context", "embedding", "diversity",
    "explore", "fatigue", "adjustment", "notPersonalized", "never", "pinned", "duplicate", "seen",
    "rate"};
}  // namespace

const char* EventTypeName(EventType type) {
  const int i = static_cast<int>(type);
  return i >= 0 && i < kEventTypeCount ? kEventNames[i] : "unknown";
}

bool ParseEventType(std::string_view name, EventType* out) {
  for (int i = 0; i < kEventTypeCount; ++i) {
    if (name == kEventNames[i]) {
      *out = static_cast<EventType>(i);
      return true;
    }
  }
  return false;
}

const char* ReasonKindName(ReasonKind kind) {
  const int i = static_cast<int>(kind);
  return i >= 0 && i < static_cast<int>(ReasonKind::kCount) ? kReasonNames[i] : "unknown";
}

void CandidateBatch::Resize(std::size_t n) {
  key.resize(n);
  server_score.resize(n);
  published_at.resize(n);
  creator.resize(n);
  flags.resize(n);
  topic_offsets.resize(n + 1);
}

void EventBatch::Resize(std::size_t n) {
  type.resize(n);
  at.resize(n);
  key.resize(n);
  creator.resize(n);
  dwell_ms.resize(n);
  expected_ms.resize(n);
  topic_offsets.resize(n + 1);
  context_offsets.resize(n + 1);
}

void RankResult::Clear() {
  order.clear();
  score.clear();
  propensity.clear();
  reason_offsets.clear();
  reason_kind.clear();
  reason_label.clear();
  reason_value.clear();
}

}  // namespace localrank
