// SPDX-License-Identifier: MIT
#include "localrank/profile.h"

#include <algorithm>
#include <utility>


namespace localrank {

namespace {

constexpr const char* kPreferenceNames[] = {"none", "more", "less", "never"};

// Keeps the `cap` most useful entries of `m`: by absolute blended affinity
// at `now`, then by recency. Explicit preferences are kept regardless.
void EvictBeyond(std::unordered_map<std::uint32_t, Affinity>& m, int cap, const Config& c, double now,
                 const std::unordered_map<std::uint32_t, Preference>* keep) {
  if (static_cast<int>(m.size()) <= cap) return;
  std::vector<std::pair<double, std::uint32_t>> usefulness;
  usefulness.reserve(m.size());
  for (const auto& [id, a] : m) {
    double u = std::fabs(a.Blend(c, now));
    if (keep && keep->count(id)) u = INFINITY;
    usefulness.emplace_back(u, id);
  }
  // The `drop` least useful (ties by id so eviction is deterministic): a
  // selection, not a sort, since usually one entry goes.
  const std::size_t drop = m.size() - static_cast<std::size_t>(cap);
  std::nth_element(usefulness.begin(), usefulness.begin() + static_cast<std::ptrdiff_t>(drop - 1), usefulness.end());
  for (std::size_t i = 0; i < drop; ++i) m.erase(usefulness[i].second);
}

// Keeps the `cap` entries with the most (decayed) impressions, ties by id.
void EvictRatesBeyond(std::unordered_map<std::uint32_t, TopicRate>& m, int cap, const Config& c, double now) {
  if (static_cast<int>(m.size()) <= cap) return;
  std::vector<std::pair<double, std::uint32_t>> usefulness;
  usefulness.reserve(m.size());
  for (const auto& [id, r] : m) usefulness.emplace_back(r.shown.At(now, c.long_half_life_ms), id);
  const std::size_t drop = m.size() - static_cast<std::size_t>(cap);
  std::nth_element(usefulness.begin(), usefulness.begin() + static_cast<std::ptrdiff_t>(drop - 1), usefulness.end());
  for (std::size_t i = 0; i < drop; ++i) m.erase(usefulness[i].second);
}

}  // namespace

const char* PreferenceName(Preference p) {
  const int i = static_cast<int>(p);
  return i >= 0 && i <= 3 ? kPreferenceNames[i] : "none";
}

bool ParsePreference(std::string_view name, Preference* out) {
  for (int i = 0; i <= 3; ++i) {
    if (name == kPreferenceNames[i]) {
      *out = static_cast<Preference>(i);
      return true;
    }
  }
  return false;
}

double EventDelta(const Config& c, EventType type, double dwell_ms, double expected_ms) {
  const double w = c.event_weights[static_cast<int>(type)];
  if (type != EventType::kDwell) return w;
  const double expected = std::isfinite(expected_ms) && expected_ms > 0 ? expected_ms : kDefaultExpectedMs;
  const double ratio = std::isfinite(dwell_ms) ? std::max(0.0, dwell_ms) / expected : 0.0;
  // Below 25% of the expected time is a bounce (negative), a full read is +w,
  // longer reads saturate at 1.5w.
  if (ratio < 0.25) return -0.5 * w * (1.0 - ratio / 0.25);
  return w * std::min(1.5, (ratio - 0.25) / 0.75);
}

bool IsRateEngagement(EventType t) {
  switch (t) {
    case EventType::kClick:
    case EventType::kDwell:
    case EventType::kLike:
    case EventType::kShare:
    case EventType::kComment:
    case EventType::kSave:
      return true;
    default:
      return false;
  }
}

void Profile::Apply(const Config& c, const EventView& e) {
  oldest_at = std::min(oldest_at, e.at);
  const double delta = EventDelta(c, e.type, e.dwell_ms, e.expected_ms);
  // Engagement-rate evidence: what was shown, and how much of it was engaged with.
  const double shown = e.type == EventType::kImpression || e.implied_impression ? 1.0 : 0.0;
  const double engaged = IsRateEngagement(e.type) ? delta : 0.0;
  if (shown != 0.0 || engaged != 0.0) {
    double wsum = 0.0;
    for (int i = 0; i < e.topic_count; ++i) wsum += e.topic_weights[i];
    for (int i = 0; wsum > 0.0 && i < e.topic_count; ++i) {
      const double share = e.topic_weights[i] / wsum;
      if (share <= 0.0) continue;
      const auto topic = static_cast<std::uint32_t>(e.topic_ids[i]);
      rates[topic].Add(c, shown * share, engaged * share, e.at);
      for (int k = 0; k < e.context_count; ++k) {
        contexts[static_cast<std::uint32_t>(e.context_ids[k])].rates[topic].Add(c, shown * share, engaged * share, e.at);
      }
    }
  }
  if (delta != 0.0) {
    double wsum = 0.0;
    for (int i = 0; i < e.topic_count; ++i) wsum += e.topic_weights[i];
    const bool topical = wsum > 0.0 && e.type != EventType::kFollow;
    if (topical) {
      for (int i = 0; i < e.topic_count; ++i) {
        const double share = e.topic_weights[i] / wsum;
        topics[static_cast<std::uint32_t>(e.topic_ids[i])].Add(c, delta * share, e.at);
      }
    }
    for (int k = 0; k < e.context_count; ++k) {
      ContextStats& ctx = contexts[static_cast<std::uint32_t>(e.context_ids[k])];
      ctx.weight.Add(1.0, e.at, c.long_half_life_ms);
      if (!topical) continue;
      for (int i = 0; i < e.topic_count; ++i) {
        const double share = e.topic_weights[i] / wsum;
        ctx.topics[static_cast<std::uint32_t>(e.topic_ids[i])].Add(c, delta * share, e.at);
      }
    }
    if (e.creator >= 0) {
      // Creators get the full delta: follow is about the creator alone.
      creators[static_cast<std::uint32_t>(e.creator)].Add(c, delta, e.at);
    }
    // The user vector follows engagement, and moves away only on "not
    // interested" and "report", which speak about the kind of item. A hide
    // speaks about the post: it was usually shown for being close to what the
    // person engages with, so moving away from it would erase real interest
    // (on the MovieLens replay, where low ratings are hides, it cost 0.013
    // NDCG@10); hides act through topics, creators, fatigue and the model.
    const bool moves_vector = delta > 0.0 || e.type == EventType::kNotInterested || e.type == EventType::kReport;
    if (e.embedding != nullptr && c.dim > 0 && moves_vector) {
      // Decay the user vector to the event's time, then move it towards (or,
      // for negative feedback, away from) the unit-normalised item embedding.
      if (user_vector.size() != static_cast<std::size_t>(c.dim)) user_vector.assign(static_cast<std::size_t>(c.dim), 0.0f);
      double norm = 0.0;
      for (int k = 0; k < c.dim; ++k) norm += static_cast<double>(e.embedding[k]) * e.embedding[k];
      if (norm > 0.0) {
        const double decay = e.at > user_vector_at ? std::exp2(-(e.at - user_vector_at) / c.long_half_life_ms) : 1.0;
        const double older = e.at < user_vector_at ? std::exp2(-(user_vector_at - e.at) / c.long_half_life_ms) : 1.0;
        const double scale = delta * older / std::sqrt(norm);
        for (int k = 0; k < c.dim; ++k) {
          const auto ku = static_cast<std::size_t>(k);
          user_vector[ku] = static_cast<float>(user_vector[ku] * decay + scale * e.embedding[k]);
        }
        user_vector_at = std::max(user_vector_at, e.at);
      }
    }
  }
  events.push_back(StoredEvent{e.type, e.at, delta});
  while (static_cast<int>(events.size()) > c.max_events) events.pop_front();
  last_event_at = std::max(last_event_at, e.at);
  ++total_events;
}

void Profile::Prune(const Config& c, double now) {
  const double cutoff = now - c.retention_ms;
  // Data minimisation: nothing older than the retention period is kept.
  // Apply lowers oldest_at, so while the cutoff is below it there is nothing to drop.
  if (cutoff > oldest_at) {
    while (!events.empty() && events.front().at < cutoff) events.pop_front();
    if (!events.empty() && !std::is_sorted(events.begin(), events.end(),
                                           [](const StoredEvent& a, const StoredEvent& b) { return a.at < b.at; })) {
      events.erase(std::remove_if(events.begin(), events.end(), [&](const StoredEvent& ev) { return ev.at < cutoff; }),
                   events.end());
    }
    auto expire = [&](std::unordered_map<std::uint32_t, Affinity>& m) {
      for (auto it = m.begin(); it != m.end();) it = it->second.last_at < cutoff ? m.erase(it) : std::next(it);
    };
    auto expire_rates = [&](std::unordered_map<std::uint32_t, TopicRate>& m) {
      for (auto it = m.begin(); it != m.end();) it = it->second.last_at < cutoff ? m.erase(it) : std::next(it);
    };
    expire(topics);
    expire(creators);
    expire_rates(rates);
    for (auto it = contexts.begin(); it != contexts.end();) {
      expire(it->second.topics);
      expire_rates(it->second.rates);
      // A context known only from impressions has no weight yet: it goes with its last rate.
      it = it->second.weight.t < cutoff && it->second.rates.empty() ? contexts.erase(it) : std::next(it);
    }
    // The exact oldest time left: the next scan happens only once something
    // can actually expire, not on every call as the clock moves on.
    double oldest = INFINITY;
    for (const StoredEvent& ev : events) oldest = std::min(oldest, ev.at);
    for (const auto* m : {&topics, &creators}) {
      for (const auto& [id, a] : *m) oldest = std::min(oldest, a.last_at);
    }
    for (const auto& [id, r] : rates) oldest = std::min(oldest, r.last_at);
    for (const auto& [id, ctx] : contexts) {
      if (ctx.rates.empty()) oldest = std::min(oldest, ctx.weight.t);
      for (const auto& [t, a] : ctx.topics) oldest = std::min(oldest, a.last_at);
      for (const auto& [t, r] : ctx.rates) oldest = std::min(oldest, r.last_at);
    }
    oldest_at = std::max(oldest, cutoff);
  }
  EvictBeyond(topics, c.max_topics, c, now, &topic_prefs);
  EvictBeyond(creators, c.max_creators, c, now, &creator_prefs);
  EvictRatesBeyond(rates, c.max_topics, c, now);
  for (auto& [id, ctx] : contexts) {
    EvictBeyond(ctx.topics, c.max_context_topics, c, now, nullptr);
    EvictRatesBeyond(ctx.rates, c.max_context_topics, c, now);
  }
  if (static_cast<int>(contexts.size()) > c.max_contexts) {
    std::vector<std::pair<double, std::uint32_t>> by_weight;
    for (const auto& [id, ctx] : contexts) by_weight.emplace_back(ctx.weight.At(now, c.long_half_life_ms), id);
    const std::size_t drop = contexts.size() - static_cast<std::size_t>(c.max_contexts);
    std::nth_element(by_weight.begin(), by_weight.begin() + static_cast<std::ptrdiff_t>(drop - 1), by_weight.end());
    for (std::size_t i = 0; i < drop; ++i) contexts.erase(by_weight[i].second);
  }
}

double Profile::TopicAffinity(const Config& c, std::uint32_t topic, double now) const {
  auto it = topics.find(topic);
  return it == topics.end() ? 0.0 : it->second.Blend(c, now);
}

double Profile::CreatorAffinity(const Config& c, std::uint32_t creator, double now) const {
  auto it = creators.find(creator);
  return it == creators.end() ? 0.0 : it->second.Blend(c, now);
}

Profile::ContextLens Profile::MakeContextLens(const Config& c, const std::int32_t* context_ids, int context_count,
                                              double now) const {
  ContextLens lens;
  double global_mass = 0.0;
  bool have_global = false;
  for (int k = 0; k < context_count; ++k) {
    auto it = contexts.find(static_cast<std::uint32_t>(context_ids[k]));
    if (it == contexts.end()) continue;
    if (!have_global) {
      for (const auto& [id, a] : topics) global_mass += std::max(0.0, a.Blend(c, now));
      have_global = true;
    }
    double local_mass = 0.0;
    for (const auto& [id, a] : it->second.topics) local_mass += std::max(0.0, a.Blend(c, now));
    const double n = it->second.weight.At(now, c.long_half_life_ms);
    const double lambda = n / (n + c.context_prior);
    const double rescale = local_mass > 0.0 && global_mass > 0.0 ? global_mass / local_mass : 1.0;
    lens.entries.push_back({&it->second, lambda, rescale, it->first});
    lens.lambda_sum += lambda;
  }
  return lens;
}

double Profile::ContextTopicAffinity(const Config& c, const ContextLens& lens, std::uint32_t topic, double global,
                                     double now) const {
  if (lens.lambda_sum <= 0.0) return global;
  double shift = 0.0;
  for (const auto& e : lens.entries) {
    auto t = e.stats->topics.find(topic);
    const double local = t == e.stats->topics.end() ? 0.0 : t->second.Blend(c, now) * e.rescale;
    shift += e.lambda * (local - global);
  }
  return global + shift / std::max(1.0, lens.lambda_sum);
}

namespace {
// The sum of `v` taken in ascending order: the same for the same values in
// any order, so the hash-map iteration order (which a name compaction
// changes) never reaches a score.
double OrderFreeSum(std::vector<double>* v) {
  std::sort(v->begin(), v->end());
  double sum = 0.0;
  for (const double x : *v) sum += x;
  return sum;
}
}  // namespace

Profile::RateLens Profile::MakeRateLens(const Config& c, const std::int32_t* context_ids, int context_count,
                                        double now) const {
  RateLens lens;
  std::vector<double>& shown_v = rate_scratch_[0];
  std::vector<double>& engaged_v = rate_scratch_[1];
  shown_v.clear();
  engaged_v.clear();
  for (const auto& [id, r] : rates) {
    shown_v.push_back(r.shown.At(now, c.long_half_life_ms));
    engaged_v.push_back(r.engaged.At(now, c.long_half_life_ms));
  }
  const double shown = OrderFreeSum(&shown_v), engaged = OrderFreeSum(&engaged_v);
  lens.base = std::max(0.0, engaged + kRateBasePriorShown * kRateBasePrior) / (shown + kRateBasePriorShown);
  // Counts near DBL_MAX (an edited profile) overflow the sums: inf / inf.
  if (!std::isfinite(lens.base)) lens.base = kRateBasePrior;
  for (int k = 0; k < context_count; ++k) {
    auto it = contexts.find(static_cast<std::uint32_t>(context_ids[k]));
    if (it != contexts.end() && !it->second.rates.empty()) lens.contexts.push_back(&it->second);
  }
  return lens;
}

namespace {
// Far above any lift real evidence gives (a few dozen at most).
constexpr double kMaxLift = 1e6;
// Gamma-Poisson posterior mean of a lift with prior mean `mean` and strength `prior`.
double Lift(double prior, double mean, double engaged, double expected) {
  // Bounded so that its square stays finite whatever the (finite) counts.
  return std::min(kMaxLift, std::max(0.0, prior * mean + engaged) / (prior + expected));
}
}  // namespace

double Profile::TopicLift(const Config& c, const RateLens& lens, std::uint32_t topic, double now) const {
  auto it = rates.find(topic);
  if (it == rates.end()) return 1.0;
  const double hl = c.long_half_life_ms;
  const double g = Lift(c.rate_prior, 1.0, it->second.engaged.At(now, hl), lens.base * it->second.shown.At(now, hl));
  if (lens.contexts.empty()) return g;
  double sum = 0.0;
  for (const ContextStats* ctx : lens.contexts) {
    auto t = ctx->rates.find(topic);
    sum += t == ctx->rates.end()
               ? g
               : Lift(c.rate_context_prior, g, t->second.engaged.At(now, hl), lens.base * t->second.shown.At(now, hl));
  }
  return sum / static_cast<double>(lens.contexts.size());
}

Preference Profile::TopicPreference(std::uint32_t topic) const {
  auto it = topic_prefs.find(topic);
  return it == topic_prefs.end() ? Preference::kNone : it->second;
}

Preference Profile::CreatorPreference(std::uint32_t creator) const {
  auto it = creator_prefs.find(creator);
  return it == creator_prefs.end() ? Preference::kNone : it->second;
}

void Profile::Clear() { *this = Profile(); }

}  // namespace localrank
