// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "localrank/config.h"
#include "localrank/decayed.h"
#include "localrank/model.h"
#include "localrank/tuning.h"
#include "localrank/types.h"

namespace localrank {

/// Interest in one topic or creator, on two time horizons.
struct Affinity {
  Decayed long_term;
  Decayed short_term;
  std::uint32_t events = 0;
  double last_at = 0.0;

  /// Blended affinity at `now` (unbounded; positive = interest).
  double Blend(const Config& c, double now) const {
    return (1.0 - c.short_term_share) * long_term.At(now, c.long_half_life_ms) +
           c.short_term_share * short_term.At(now, c.short_half_life_ms);
  }
  void Add(const Config& c, double delta, double at) {
    long_term.Add(delta, at, c.long_half_life_ms);
    short_term.Add(delta, at, c.short_half_life_ms);
    ++events;
    if (at > last_at) last_at = at;
  }
};

/// Engagement-rate evidence for one topic: how much of what was shown on it
/// (impressions, by topic share) and how much engagement it got (the affinity
/// deltas of clicks, reads, likes, shares, comments and saves, by topic share;
/// a bounce counts against). Both decay with the long-term half-life.
struct TopicRate {
  Decayed shown;
  Decayed engaged;
  /// The newest time anything was recorded (retention keeps it until then + retention).
  double last_at = 0.0;
  void Add(const Config& c, double shown_delta, double engaged_delta, double at) {
    if (shown_delta != 0.0) shown.Add(shown_delta, at, c.long_half_life_ms);
    if (engaged_delta != 0.0) engaged.Add(engaged_delta, at, c.long_half_life_ms);
    if (at > last_at) last_at = at;
  }
};

/// A stored interaction, kept (bounded, within the retention period) so the
/// person can see what the profile learnt from.
struct StoredEvent {
  EventType type = EventType::kClick;
  double at = 0.0;
  double weight = 0.0;  ///< affinity delta actually applied
};

/// An explicit "show me more / less / never" choice for a topic or creator.
enum class Preference : std::int32_t { kNone = 0, kMore = 1, kLess = 2, kNever = 3 };
const char* PreferenceName(Preference p);
bool ParsePreference(std::string_view name, Preference* out);

/// What the profile learnt within one context key (e.g. "intent:commute").
struct ContextStats {
  Decayed weight;  ///< decayed count of events seen in this context
  std::unordered_map<std::uint32_t, Affinity> topics;
  /// Engagement-rate evidence of topics within this context.
  std::unordered_map<std::uint32_t, TopicRate> rates;
};

/// One event, as the profile sees it (already validated; ids are interned).
struct EventView {
  EventType type = EventType::kClick;
  double at = 0.0;
  double dwell_ms = 0.0;
  double expected_ms = 0.0;
  std::int32_t creator = -1;
  const std::int32_t* topic_ids = nullptr;
  const float* topic_weights = nullptr;
  int topic_count = 0;
  const std::int32_t* context_ids = nullptr;
  int context_count = 0;
  const float* embedding = nullptr;  ///< `dim` floats, or null
  /// An engagement with a post whose impression was not recorded: it was
  /// shown all the same, so it also counts as one impression (engagement rate).
  bool implied_impression = false;
};

/// The on-device interest profile. Names are ids of the engine's interners.
class Profile {
 public:
  std::unordered_map<std::uint32_t, Affinity> topics;
  std::unordered_map<std::uint32_t, Affinity> creators;
  std::unordered_map<std::uint32_t, ContextStats> contexts;
  /// Engagement-rate evidence per topic (all contexts).
  std::unordered_map<std::uint32_t, TopicRate> rates;
  std::unordered_map<std::uint32_t, Preference> topic_prefs;
  std::unordered_map<std::uint32_t, Preference> creator_prefs;
  /// Decayed user embedding (empty when dim = 0); `user_vector_at` is its time.
  std::vector<float> user_vector;
  double user_vector_at = 0.0;
  /// The person's learnt blend of the ranking signals (model.h).
  PersonModel model;
  std::deque<StoredEvent> events;
  double last_event_at = 0.0;
  std::uint64_t total_events = 0;
  /// Nothing in the profile (events, affinities, contexts) is older than
  /// this; -infinity = unknown. Lets Prune skip its scans while the retention
  /// cutoff is below it (recording one event must not walk the whole profile).
  double oldest_at = -INFINITY;

  /// Applies one validated event.
  void Apply(const Config& c, const EventView& e);
  /// Enforces caps and retention at `now`: drops events older than the
  /// retention period and evicts the least useful topics, creators and
  /// contexts beyond their caps.
  void Prune(const Config& c, double now);

  /// Affinity of a topic (blended, unbounded), 0 when unknown.
  double TopicAffinity(const Config& c, std::uint32_t topic, double now) const;
  double CreatorAffinity(const Config& c, std::uint32_t creator, double now) const;
  /// Precomputed per rerank: how the active contexts reweight topics.
  struct ContextLens {
    struct Entry {
      const ContextStats* stats;
      double lambda;  ///< weight / (weight + prior): trust in this context
      double rescale; ///< global positive mass / this context's positive mass
      std::uint32_t id;
    };
    std::vector<Entry> entries;
    double lambda_sum = 0.0;
    bool empty() const { return entries.empty(); }
  };
  ContextLens MakeContextLens(const Config& c, const std::int32_t* context_ids, int context_count, double now) const;
  /// Topic affinity as seen through the active contexts. A context's own
  /// affinities are rescaled to the global profile's magnitude (so "all of
  /// your workout reading is fitness" counts as a larger share than globally),
  /// then shrunk towards the global affinity by lambda, so sparse contexts
  /// stay close to the global profile.
  double ContextTopicAffinity(const Config& c, const ContextLens& lens, std::uint32_t topic, double global,
                              double now) const;
  /// Precomputed per rerank: what the engagement-rate lift needs.
  struct RateLens {
    /// The person's engagement per impression over all topics, shrunk
    /// towards kRateBasePrior: what a topic of average appeal gets.
    double base = kRateBasePrior;
    /// Active contexts that have rate evidence.
    std::vector<const ContextStats*> contexts;
  };
  RateLens MakeRateLens(const Config& c, const std::int32_t* context_ids, int context_count, double now) const;
  /// MakeRateLens's reused buffers (not profile state).
  mutable std::vector<double> rate_scratch_[2];
  /// The engagement-rate lift of a topic: engagement over what the person's
  /// base rate would give for what was shown, Gamma-Poisson shrunk towards 1
  /// (prior strength Config::rate_prior, in engagement units):
  ///   g = max(0, prior + engaged) / (prior + base * shown)
  /// then per active context the same estimate from the context's own counts,
  /// shrunk towards g (Config::rate_context_prior); the mean over the active
  /// contexts. 1 without evidence; above 1 = engaged with more often than
  /// average when shown.
  double TopicLift(const Config& c, const RateLens& lens, std::uint32_t topic, double now) const;

  Preference TopicPreference(std::uint32_t topic) const;
  Preference CreatorPreference(std::uint32_t creator) const;

  bool empty() const { return topics.empty() && creators.empty(); }
  void Clear();
};

/// True for the events whose affinity delta counts as engagement in the
/// engagement rate: click, dwell, like, share, comment, save.
bool IsRateEngagement(EventType type);

/// Affinity delta of an event before topic weighting. Dwell is scaled by read
/// ratio: a read of under a quarter of the expected time counts against.
double EventDelta(const Config& c, EventType type, double dwell_ms, double expected_ms);

}  // namespace localrank
