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

void ReasonList::Clear() {
  offsets.clear();
  reasons.clear();
}

std::vector<RankedReason> RankResult::ReasonsAt(std::size_t rank) const {
  std::vector<RankedReason> out;
  const auto i = static_cast<std::size_t>(order[rank]);
  auto take = [&](const ReasonList& l, std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to; ++k) out.push_back(l.reasons[k].Unpacked());
  };
  auto lo = static_cast<std::size_t>(by_rank.offsets[rank]);
  const auto hi = static_cast<std::size_t>(by_rank.offsets[rank + 1]);
  if (lo < hi && by_rank.reasons[lo].kind == static_cast<std::uint16_t>(ReasonKind::kPinned)) {
    take(by_rank, lo, lo + 1);
    ++lo;
  }
  take(by_item, static_cast<std::size_t>(by_item.offsets[i]), static_cast<std::size_t>(by_item.offsets[i + 1]));
  take(by_rank, lo, hi);
  return out;
}

void RankResult::Clear() {
  order.clear();
  score.clear();
  propensity.clear();
  by_item.Clear();
  by_rank.Clear();
}

}  // namespace localrank
