// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "localrank/config.h"
#include "localrank/fatigue.h"
#include "localrank/hash.h"
#include "localrank/interner.h"
#include "localrank/profile.h"
#include "localrank/profile_state.h"
#include "localrank/ranker.h"
#include "localrank/stages.h"
#include "localrank/status.h"
#include "localrank/types.h"

namespace localrank {

/// One person's personalizer: configuration, name tables, profile and the
/// reusable batch buffers. All state a caller can change goes through methods
/// that either succeed completely or change nothing.
class Engine {
 public:
  Engine();
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  /// Applies a JSON configuration (see Config::MergeJson). Call before use.
  Status Configure(std::string_view config_json);
  const Config& config() const { return config_; }

  Interner& names(NameKind kind) { return state_.table(kind); }
  const Interner& names(NameKind kind) const { return state_.table(kind); }

  /// Input buffers, filled by the caller before Rerank / Record.
  CandidateBatch& candidates() { return candidates_; }
  EventBatch& events() { return events_; }
  RerankOptions& options() { return options_; }
  /// Output of the last successful Rerank.
  const RankResult& result() const { return result_; }
  /// Exchanges result() with `*other` in O(1): a caller can keep a result
  /// (and hand its buffers to the engine to reuse) while the engine ranks again.
  void SwapResult(RankResult* other) { std::swap(result_, *other); }

  /// Ranks candidates() with options(). On error, result() is empty.
  Status Rerank(double now);
  /// Rerank for the packed API's batches, which must also name no topic twice
  /// within an item and have flags 0 or kFlagPinned only (PackedRulesHold in
  /// ranker.h); a batch breaking these rules is refused with
  /// PackedRulesError(), whatever else is wrong with the call.
  Status RerankPacked(double now);
  /// Validates every event in events(), then applies them all (or none), and
  /// enforces caps and retention at `now`.
  Status Record(double now);
  /// Sets an explicit preference for a topic or creator id (kNone clears it).
  Status Adjust(NameKind kind, std::int32_t id, Preference preference);

  const Profile& profile() const { return state_.profile; }
  /// Impressions without engagement, feeding the fatigue stage (fatigue.h).
  const FatigueState& fatigue() const { return state_.fatigue; }

  /// A copy of everything learnt and the name tables (what the exports carry).
  ProfileState Snapshot() const { return state_; }
  /// Installs `state` in place of the profile, the fatigue state and the
  /// learnt model, once CheckProfileState passes (its errors name fields as
  /// `fields` says); on error the engine is unchanged. The state's names are
  /// interned into the engine's tables (ids the engine has stay); events
  /// beyond Config::max_events (the oldest) and a user vector of another
  /// dimension than Config::dim are dropped. The last rankings are forgotten.
  Status Replace(ProfileState&& state, StateFields fields = StateFields::kJson);

  /// Versioned, portable JSON of the profile state (names, not ids;
  /// core/src/storage/profile_json.cpp).
  std::string ExportJson(double now) const;
  /// Replaces the profile state with `json` (any supported schema version):
  /// decoded, then Replace. On error the current state is unchanged.
  Status ImportJson(std::string_view json);
  /// The same state as ExportJson in the compact binary storage format
  /// (docs/storage.md; core/src/storage/snapshot_writer.cpp): tagged sections,
  /// names as strings. Replaces the contents of `out` (its capacity is
  /// reused). The same state always gives the same bytes.
  void ExportSnapshot(std::vector<std::uint8_t>* out) const;
  /// Replaces the profile state with a snapshot of any supported version
  /// (snapshot_reader.cpp), then Replace. Every byte is checked first: a cut,
  /// corrupted or hostile snapshot fails with CORRUPT_PROFILE naming the field
  /// (LIMIT_EXCEEDED when larger than kMaxProfileBytes) and the engine is
  /// unchanged.
  Status ImportSnapshot(const std::uint8_t* data, std::size_t size);
  /// Human-readable summary: top topics and creators with weights.
  std::string SummaryJson(double now, int top) const;
  /// Forgets everything learnt (names are kept: they are not personal data).
  void ResetProfile();

  /// Total entries in the three name tables.
  std::size_t NameCount() const;
  /// Drops the names the profile no longer refers to and renumbers the rest,
  /// keeping their relative order; the input batches and the last result are
  /// cleared (their ids are stale). Exports and summaries are unchanged, and
  /// so are rankings up to floating-point rounding. Without it, a long session that keeps meeting new topics and
  /// creators would grow the tables without bound. Returns true when any name
  /// was dropped: callers that mirror the tables must then re-read them.
  /// Any new state keyed by a name id (profile, fatigue, ...) must be
  /// marked used (ForEachNameUse) and remapped here and in Replace
  /// (core/src/engine/engine_names.cpp).
  bool CompactNames();

 private:
  // Also fills scratch_.shape (ValidateBatch).
  Status ValidateRerank(double now, bool packed_rules);
  Status ValidateEvents(double now) const;
  void ApplyFatigue(const EventView& v, double key, double delta);

  Config config_;
  // The name tables, the profile (with the learnt model) and the fatigue state.
  ProfileState state_;
  CandidateBatch candidates_;
  EventBatch events_;
  RerankOptions options_;
  RankResult result_;
  // Reused by every Rerank (core/src/rank/scratch.h, private to the core).
  std::unique_ptr<RankScratch> scratch_;
  // The last rankings' items, for learning from the choices made among them
  // (model.h): a ring of kMemoRankings, so that a feed that loads more
  // posts by ranking the rest still learns from choices on earlier pages.
  // Filled by Rerank, cleared with the profile.
  LearnMemo memos_[kMemoRankings];
  int memo_next_ = 0;
  void ForgetRankings();
  void Remember(double now);
  nlohmann::json SummaryModel() const;
  // `delta`: the event's affinity delta (EventDelta), taken once per event in Record.
  void Learn(const EventView& v, double key, double delta);
  Rng rng_;
};

}  // namespace localrank
