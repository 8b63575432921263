// SPDX-License-Identifier: MIT
// The Engine's per-call work: rerank, record (with its fatigue bookkeeping)
// and preference adjustments. Configuration, the profile state (Snapshot,
// Replace, the exports and imports) and the summary are in
// engine_profile.cpp.
#include "localrank/engine.h"

#include "localrank/stages.h"

#include "rank/scratch.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace localrank {

namespace {

std::string EventField(int i, const char* field) {
  return "events[" + std::to_string(i) + "]." + field;
}

}  // namespace

Engine::Engine() : scratch_(std::make_unique<RankScratch>()) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Status Engine::Rerank(double now) {
  Status s = ValidateRerank(now, false);
  if (!s.ok()) {
    result_.Clear();
    return s;
  }
  // Rank rewrites every array of result_; keeping their sizes from the last
  // call means a rerank of the same size neither allocates nor clears.
  Rank(config_, state_.profile, state_.fatigue, candidates_, options_, now, rng_, scratch_.get(), &result_);
  Remember(now);
  return Status::Ok();
}

Status Engine::RerankPacked(double now) {
  Status s = ValidateRerank(now, true);
  // The packed rules used to be checked before anything else: a batch that
  // breaks them gets their error whatever else is wrong with the call. Only
  // a refused call walks the whole batch again for them.
  if (!s.ok() && !PackedRulesHold(candidates_, state_.names[static_cast<int>(NameKind::kTopic)].size())) {
    s = PackedRulesError();
  }
  if (!s.ok()) {
    result_.Clear();
    return s;
  }
  Rank(config_, state_.profile, state_.fatigue, candidates_, options_, now, rng_, scratch_.get(), &result_);
  Remember(now);
  return Status::Ok();
}

// The learner's view of the ranking just made: the eligible items of the
// first kMemoRanks ranks with their signals, in place of the oldest ranking
// remembered. Nothing in the non-profiling mode (strength 0): it learns
// nothing.
void Engine::Remember(double now) {
  if (!config_.learning || options_.strength <= 0.0) return;
  LearnMemo& memo = memos_[memo_next_];
  memo_next_ = (memo_next_ + 1) % kMemoRankings;
  memo.at = now;
  const ScoredBatch& sb = scratch_->scored;
  const std::size_t n = std::min(result_.order.size(), static_cast<std::size_t>(kMemoRanks));
  memo.items.resize(n);
  std::size_t kept = 0;
  for (; kept < n; ++kept) {
    const auto i = static_cast<std::size_t>(result_.order[kept]);
    if (sb.tier[i] != Tier::kEligible) break;  // the sunk items follow the ranked ones
    LearnItem& item = memo.items[kept];
    item.key = candidates_.key[i];
    std::copy_n(sb.signals.data() + i * kSignalCount, kSignalCount, item.signals.data());
    item.fixed = sb.fixed[i];
    item.used = false;
  }
  memo.items.resize(kept);
}

void Engine::ForgetRankings() {
  for (LearnMemo& memo : memos_) memo.Clear();
  memo_next_ = 0;
}

// An engagement with an item of a remembered ranking (the newest that holds
// it) is a choice among the head of that ranking; a hide, not interested or
// report a rejection (model.h). One choice per item and ranking.
void Engine::Learn(const EventView& v, double key, double delta) {
  if (std::isnan(key)) return;
  const bool negative = v.type == EventType::kHide || v.type == EventType::kNotInterested || v.type == EventType::kReport;
  const bool positive = !negative && IsEngagement(v.type, delta);
  if (!positive && !negative) return;
  for (int back = 1; back <= kMemoRankings; ++back) {
    LearnMemo& memo = memos_[(memo_next_ - back + kMemoRankings) % kMemoRankings];
    for (std::size_t r = 0; r < memo.items.size(); ++r) {
      if (memo.items[r].key != key) continue;
      if (!memo.items[r].used) LearnChoice(config_, &memo, static_cast<int>(r), positive, &state_.profile.model);
      return;
    }
  }
}

Status Engine::ValidateRerank(double now, bool packed_rules) {
  if (!std::isfinite(now)) return Status::Error(Code::kInvalidArgument, "now", -1, "now() must return a finite time in ms");
  const std::size_t counts[kNameKindCount] = {state_.names[0].size(), state_.names[1].size(), state_.names[2].size()};
  // Fills scratch_.shape for Rank while it checks the batch (one pass).
  Status s = ValidateBatch(config_, candidates_, counts, packed_rules, &scratch_->shape);
  if (!s.ok()) return s;
  if (!std::isfinite(options_.strength) || options_.strength < 0 || options_.strength > 1) {
    return Status::Error(Code::kInvalidArgument, "options.strength", -1, "options.strength must be in [0, 1]");
  }
  if (!std::isfinite(options_.diversity) || options_.diversity < 0 || options_.diversity > 1) {
    return Status::Error(Code::kInvalidArgument, "options.diversity", -1, "options.diversity must be in [0, 1]");
  }
  if (!std::isfinite(options_.exploration) || options_.exploration < 0 || options_.exploration > 1) {
    return Status::Error(Code::kInvalidArgument, "options.exploration", -1, "options.exploration must be in [0, 1]");
  }
  if (options_.top_k < 1) {
    return Status::Error(Code::kInvalidArgument, "options.topK", -1, "options.topK must be an integer >= 1");
  }
  return Status::Ok();
}

Status Engine::ValidateEvents(double now) const {
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
  if (!e.embeddings.empty()) {
    if (config_.dim == 0 || e.embeddings.size() != n * static_cast<std::size_t>(config_.dim)) {
      return Status::Error(Code::kDimensionMismatch, "events", -1,
                           "events: embeddings must hold n * dim = " + std::to_string(n * static_cast<std::size_t>(config_.dim)) + " floats");
    }
    for (std::size_t k = 0; k < e.embeddings.size(); ++k) {
      if (!std::isfinite(e.embeddings[k])) {
        const int i = static_cast<int>(k / static_cast<std::size_t>(config_.dim));
        return Status::Error(Code::kInvalidEvent, EventField(i, "embedding"), i, EventField(i, "embedding") + " must contain finite numbers");
      }
    }
  }
  for (std::size_t u = 0; u < n; ++u) {
    const int i = static_cast<int>(u);
    if (e.type[u] < 0 || e.type[u] >= kEventTypeCount) {
      return Status::Error(Code::kInvalidEvent, EventField(i, "type"), i, EventField(i, "type") + " is not an event type");
    }
    if (!std::isfinite(e.at[u]) || e.at[u] < 0) {
      return Status::Error(Code::kInvalidEvent, EventField(i, "at"), i, EventField(i, "at") + " must be a finite time in ms");
    }
    if (e.at[u] > now + kMaxEventFutureMs) {
      return Status::Error(Code::kInvalidEvent, EventField(i, "at"), i, EventField(i, "at") + " is more than 366 days after now");
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
    const int clo = e.context_offsets[u], chi = e.context_offsets[u + 1];
    // Offsets must stay inside the id arrays before anything is read through them.
    if (hi < lo || lo < 0 || static_cast<std::size_t>(hi) > e.topic_ids.size() || chi < clo || clo < 0 ||
        static_cast<std::size_t>(chi) > e.context_ids.size()) {
      return Status::Error(Code::kInvalidArgument, EventField(i, "topics"), i, "events: inconsistent offsets");
    }
    if (hi - lo > kMaxTopicsPerItem) {
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
    for (int k = clo; k < chi; ++k) {
      const auto id = e.context_ids[static_cast<std::size_t>(k)];
      if (id < 0 || static_cast<std::size_t>(id) >= names(NameKind::kContext).size()) {
        return Status::Error(Code::kInvalidEvent, EventField(i, "context"), i,
                             EventField(i, "context") + " names an unknown context key");
      }
    }
    if (e.type[u] == static_cast<int>(EventType::kFollow) && e.creator[u] < 0) {
      return Status::Error(Code::kInvalidEvent, EventField(i, "creatorId"), i,
                           EventField(i, "creatorId") + " is required for a follow event");
    }
  }
  return Status::Ok();
}

Status Engine::Record(double now) {
  if (!std::isfinite(now)) return Status::Error(Code::kInvalidArgument, "now", -1, "now() must return a finite time in ms");
  Status s = ValidateEvents(now);
  if (!s.ok()) return s;
  const EventBatch& e = events_;
  const bool with_embeddings = !e.embeddings.empty();
  for (std::size_t u = 0; u < e.size(); ++u) {
    EventView v;
    v.type = static_cast<EventType>(e.type[u]);
    v.at = e.at[u];
    v.dwell_ms = e.dwell_ms[u];
    v.expected_ms = e.expected_ms[u];
    v.creator = e.creator[u];
    const int lo = e.topic_offsets[u];
    v.topic_ids = e.topic_ids.data() + lo;
    v.topic_weights = e.topic_weights.data() + lo;
    v.topic_count = e.topic_offsets[u + 1] - lo;
    const int clo = e.context_offsets[u];
    v.context_ids = e.context_ids.data() + clo;
    v.context_count = e.context_offsets[u + 1] - clo;
    if (with_embeddings) {
      const float* emb = e.embeddings.data() + u * static_cast<std::size_t>(config_.dim);
      // An all-zero row means "no embedding for this event".
      bool any = false;
      for (int k = 0; k < config_.dim && !any; ++k) any = emb[k] != 0.0f;
      v.embedding = any ? emb : nullptr;
    }
    // An engaged post was shown: without a recorded impression (none pending
    // for the item and not opened before, or no item id), its engagement also
    // counts as one impression. Reads follow an open, so a dwell without an id does not.
    if (IsRateEngagement(v.type)) {
      const double key = e.key[u];
      v.implied_impression = std::isnan(key) ? v.type != EventType::kDwell
                                             : state_.fatigue.items.entries().count(key) == 0 && state_.fatigue.opened.entries().count(key) == 0;
    }
    const double delta = EventDelta(config_, v.type, v.dwell_ms, v.expected_ms);
    Learn(v, e.key[u], delta);
    state_.profile.Apply(config_, v);
    ApplyFatigue(v, e.key[u], delta);
  }
  state_.profile.Prune(config_, now);
  state_.fatigue.Prune(DefaultRankTuning().fatigue, now);
  return Status::Ok();
}

Status Engine::Adjust(NameKind kind, std::int32_t id, Preference preference) {
  if (kind != NameKind::kTopic && kind != NameKind::kCreator) {
    return Status::Error(Code::kInvalidArgument, "adjust", -1, "adjust takes a topic or a creatorId");
  }
  if (id < 0 || static_cast<std::size_t>(id) >= names(kind).size()) {
    return Status::Error(Code::kInvalidArgument, kind == NameKind::kTopic ? "adjust.topic" : "adjust.creatorId", -1,
                         "adjust: unknown name id");
  }
  const int p = static_cast<int>(preference);
  if (p < 0 || p > 3) {
    return Status::Error(Code::kInvalidArgument, "adjust.preference", -1,
                         "adjust.preference must be one of more, less, never, none");
  }
  auto& prefs = kind == NameKind::kTopic ? state_.profile.topic_prefs : state_.profile.creator_prefs;
  const auto key = static_cast<std::uint32_t>(id);
  if (preference == Preference::kNone) {
    prefs.erase(key);
  } else {
    prefs[key] = preference;
  }
  return Status::Ok();
}

void Engine::ApplyFatigue(const EventView& v, double key, double delta) {
  const FatigueTuning& f = DefaultRankTuning().fatigue;
  if (v.type == EventType::kImpression) {
    state_.fatigue.Impression(f, key, v.creator, v.topic_ids, v.topic_weights, v.topic_count, v.at);
  } else if (IsEngagement(v.type, delta)) {
    state_.fatigue.Engaged(f, key, v.creator, v.topic_ids, v.topic_count, v.at);
  }
}

}  // namespace localrank
