// SPDX-License-Identifier: MIT
// The rerank stage: greedy slot filling with MMR, creator decay, a topic cap,
// calibration and exploration over the first top_k slots. Each adjustment
// becomes a reason, so reasons keep adding up to the final score.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "localrank/stages.h"

#include "rank/scratch.h"
#include "rank/similarity.h"
#include "rank/sort_by_score.h"
#include "util/int_pow.h"

namespace localrank {

double CalibrationKl(const std::vector<std::pair<std::int32_t, double>>& p, const double* mass, double items,
                     double alpha) {
  // ln x as log2(x) * ln 2 (within 2 units in the last place): the core then
  // needs only log2, and the wasm module leaves out musl's log and its 4 KB
  // table (about 4 KB gzip; BENCHMARKS.md, "Build choices").
  constexpr double kLn2 = 0.6931471805599453;
  double kl = 0.0;
  for (std::size_t k = 0; k < p.size(); ++k) {
    const double pk = p[k].second;
    if (pk <= 0.0) continue;
    const double q = items > 0.0 ? mass[k] / items : 0.0;
    kl += pk * (std::log2(pk / ((1.0 - alpha) * q + alpha * pk)) * kLn2);
  }
  return kl;
}

namespace {

// A beats `best` with a higher adjusted score, or an equal one at an earlier
// input position (what a scan in input order with a strict > would keep).
bool Better(const Choice& a, const Choice& best) {
  return a.adjusted > best.adjusted || (a.adjusted == best.adjusted && best.index >= 0 && a.index < best.index);
}

// table[k] = f(table[k - 1]) from table[0] = first, up to index `upto`;
// recomputed from scratch when `base` changed since the table was built.
template <typename F>
void Extend(std::vector<double>* table, double* built_for, double base, double first, std::size_t upto, F&& step) {
  if (*built_for != base) {
    table->assign(1, first);
    *built_for = base;
  }
  while (table->size() <= upto) table->push_back(step(table->back(), table->size()));
}

// The greedy filling of one rerank: the state the slots share, and one
// method per part of a slot's choice (MMR memory, creator and topic decay,
// the topic cap, calibration, the exploration draw).
class Reranker {
 public:
  Reranker(const RankTuning& t, const CandidateBatch& b, const BatchShape& shape, const ScoredBatch& sc,
           const RerankOptions& o, double s, RerankScratch* scratch)
      : t_(t), b_(b), shape_(shape), sc_(sc), r_(*scratch), n_(b.size()), s_(s), d_(std::clamp(o.diversity, 0.0, 1.0)),
        diverse_(d_ > 0.0), similarity_(b, shape, scratch), total_(sc.total.data()), m_(t.mmr_memory),
        mix_(sc.interest_mix), calibrate_(o.calibration && !sc.interest_mix.empty()) {
    r_.slots.resize(n_);
    Partition(o.top_k);
  }

  // Fills every slot; `rng` draws the exploration slots and their items.
  void Run(double exploration, Rng& rng) {
    MarkExploreSlots(exploration, rng);
    BuildScoreList();
    PrepareMemory();
    PrepareDecay();
    PrepareCalibration();
    int used_eligible = 0;
    std::size_t next_tail = 0;
    std::int32_t rest = -1;  // list position of the next item beyond the greedy depth
    for (std::size_t pos = 0; pos < n_; ++pos) {
      if (b_.flags[pos] & kFlagPinned) {
        Record(static_cast<std::int32_t>(pos), Choice{}, 0.0, 1.0, false);
        Placed(static_cast<std::int32_t>(pos), pos, used_eligible < depth_);
        continue;
      }
      if (used_eligible >= n_eligible_) {
        Record(r_.tail[next_tail++], Choice{}, 0.0, 1.0, false);
        continue;
      }
      if (used_eligible >= depth_) {
        // Beyond the greedy part the rest follows by score: the list no longer changes.
        if (used_eligible == depth_) rest = head_;
        Record(r_.by_total[static_cast<std::size_t>(rest)], Choice{}, 0.0, 1.0, false);
        rest = r_.next[static_cast<std::size_t>(rest)];
        ++used_eligible;
        continue;
      }
      FillSlot(pos, rng);
      ++used_eligible;
    }
  }

  // The result, rank by rank: the score stage's reasons, then this stage's.
  // A score is its reasons added up in that order.
  void Write(RankResult* out) const;

 private:
  // Pinned items keep their position; the others are eligible or sink to
  // the tail (by tier, then score; ties keep the input order).
  void Partition(int top_k) {
    // Sized once, filled through indexes (no push_back per item).
    r_.eligible.resize(n_);
    r_.tail.resize(n_);
    r_.free_positions.resize(n_);
    std::size_t n_free = 0, n_ok = 0, n_tail = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      max_main_topic_ = std::max(max_main_topic_, sc_.main_topic[i]);
      if (b_.flags[i] & kFlagPinned) continue;
      const auto idx = static_cast<std::int32_t>(i);
      r_.free_positions[n_free++] = idx;
      if (sc_.tier[i] == Tier::kEligible) {
        r_.eligible[n_ok++] = idx;
      } else {
        r_.tail[n_tail++] = idx;
      }
    }
    r_.free_positions.resize(n_free);
    r_.eligible.resize(n_ok);
    r_.tail.resize(n_tail);
    std::sort(r_.tail.begin(), r_.tail.end(), ByTierAndScore{sc_});
    n_eligible_ = static_cast<int>(r_.eligible.size());
    depth_ = std::min(n_eligible_, std::max(1, top_k));
  }

  // Filtered items by tier, then score; ties keep the input order.
  struct ByTierAndScore {
    const ScoredBatch& sc;
    bool operator()(std::int32_t x, std::int32_t z) const {
      const auto xu = static_cast<std::size_t>(x), zu = static_cast<std::size_t>(z);
      if (sc.tier[xu] != sc.tier[zu]) return sc.tier[xu] < sc.tier[zu];
      if (sc.total[xu] != sc.total[zu]) return sc.total[xu] > sc.total[zu];
      return x < z;
    }
  };

  // Exploration slots among the greedy part of the eligible positions.
  void MarkExploreSlots(double exploration, Rng& rng) {
    r_.explore_at.assign(n_, 0);
    if (const int k = ExploreSlotCount(exploration, n_eligible_); k > 0) {
      r_.explore_positions.assign(r_.free_positions.begin(), r_.free_positions.begin() + depth_);
      ChooseExploreSlots(r_.explore_positions, k, rng, &r_.pool, &r_.explore_slots);
      for (auto p : r_.explore_slots) r_.explore_at[static_cast<std::size_t>(p)] = 1;
    }
  }

  // Eligible items by score (input order on ties), as a doubly linked list
  // of those not placed yet: a slot scans it from the best score down.
  void BuildScoreList() {
    if (r_.eligible.size() < kRadixSortMinItems) {
      // All of one tier: by score, ties in input order (the same order as the
      // radix sort), with the tail's comparison and so its copy of std::sort.
      r_.by_total.assign(r_.eligible.begin(), r_.eligible.end());
      std::sort(r_.by_total.begin(), r_.by_total.end(), ByTierAndScore{sc_});
    } else {
      SortByScore(total_, r_.eligible, &r_, &r_.by_total);
    }
    const auto e_n = static_cast<std::int32_t>(r_.by_total.size());
    r_.next.resize(static_cast<std::size_t>(e_n));
    r_.prev.resize(static_cast<std::size_t>(e_n));
    r_.node.assign(n_, -1);
    for (std::int32_t p = 0; p < e_n; ++p) {
      r_.next[static_cast<std::size_t>(p)] = p + 1 < e_n ? p + 1 : -1;
      r_.prev[static_cast<std::size_t>(p)] = p - 1;
      r_.node[static_cast<std::size_t>(r_.by_total[static_cast<std::size_t>(p)])] = p;
    }
    head_ = e_n > 0 ? 0 : -1;
  }

  // MMR memory per item, brought up to date lazily: `updates` lists the
  // placements that update it, memory_upto[i] how many of them item i has
  // seen. The eager rule is memory = max(memory * m, similarity) for every
  // item at every placement. Rounding x * m is monotone, so it distributes
  // over max, and the result is exactly the largest of (similarity to the
  // q-th placement, multiplied by m once per later placement, rounding each
  // time) and the old memory so multiplied. Catching up therefore walks back
  // from the newest placement and stops once even the largest possible
  // similarity, that many placements old, could not exceed what was found
  // (memory_cap); then it replays the steps of that window forward, from 0.
  // The value is bit-identical to the eager one; only similarities that
  // cannot matter are never computed.
  void PrepareMemory() {
    const double m = m_;
    r_.memory.assign(n_, 0.0);
    r_.memory_upto.assign(n_, 0);
    r_.updates.clear();
    r_.sims.resize(n_);
    Extend(&r_.decay_power, &r_.decay_base, m, 1.0, n_, [&](double prev, std::size_t) { return prev * m; });
    early_stop_ = m >= 0.0 && m < 1.0;
    max_similarity_ = similarity_.Max();
    if (r_.cap_similarity != max_similarity_) r_.cap_base = -1.0;
    r_.cap_similarity = max_similarity_;
  }

  LOCALRANK_INLINE double MemoryOf(std::size_t i) {
    const double m = m_;
    const std::size_t u_n = r_.updates.size(), from = r_.memory_upto[i];
    if (from == u_n) return r_.memory[i];
    double* sims = r_.sims.data();
    std::size_t first = from;
    double found = 0.0;  // a lower bound of the up-to-date memory
    for (std::size_t q = u_n; q-- > from;) {
      const std::size_t k = u_n - 1 - q;  // placements after the q-th
      if (early_stop_) {
        if (k >= r_.memory_cap.size() || r_.cap_base != m) {
          Extend(&r_.memory_cap, &r_.cap_base, m, max_similarity_, k, [&](double prev, std::size_t) { return prev * m; });
        }
        if (r_.memory_cap[k] <= found) {
          first = q + 1;
          break;
        }
      }
      const double v = similarity_(i, static_cast<std::size_t>(r_.updates[q]));
      sims[q - from] = v;
      // decay_power[k] and the replayed value are each within k roundings
      // of m^k times their start (while normal: the bound skips subnormals).
      if (r_.decay_power[k] > 1e-290) found = std::max(found, v * r_.decay_power[k] * (1.0 - 1e-9));
    }
    double memory = first == from ? r_.memory[i] : 0.0;
    for (std::size_t q = first; q < u_n; ++q) memory = std::max(memory * m, sims[q - from]);
    r_.memory[i] = memory;
    r_.memory_upto[i] = static_cast<std::uint32_t>(u_n);
    return memory;
  }

  // Creator and main-topic decay: pow(factor, k - 1) by k, the counts of
  // items placed, and the topic cap.
  void PrepareDecay() {
    Extend(&r_.creator_power, &r_.creator_base, t_.creator_factor, IntPow(t_.creator_factor, -1), n_ + 1,
           [&](double, std::size_t k) { return IntPow(t_.creator_factor, static_cast<int>(k) - 1); });
    Extend(&r_.topic_power, &r_.topic_base, t_.topic_factor, IntPow(t_.topic_factor, -1), n_ + 1,
           [&](double, std::size_t k) { return IntPow(t_.topic_factor, static_cast<int>(k) - 1); });
    r_.creator_count.assign(static_cast<std::size_t>(shape_.max_creator + 1), 0);
    r_.topic_placed.assign(static_cast<std::size_t>(max_main_topic_ + 1), 0);
    r_.topic_count.assign(static_cast<std::size_t>(max_main_topic_ + 1), 0);
    cap_ = static_cast<int>(std::ceil(t_.topic_cap_share * t_.topic_cap_top_n));
  }

  // Calibration: p = the person's interest mix; mass[k] = list mass of p's topic k.
  void PrepareCalibration() {
    r_.mass.assign(mix_.size(), 0.0);
    r_.trial.assign(mix_.size(), 0.0);
    if (calibrate_) {
      // Every topic of the batch may carry mass, not only main topics.
      r_.mix_slot.assign(static_cast<std::size_t>(std::max(max_main_topic_, shape_.max_topic) + 1), -1);
      const std::int32_t top = static_cast<std::int32_t>(r_.mix_slot.size()) - 1;
      for (std::size_t k = 0; k < mix_.size(); ++k) {
        if (mix_[k].first <= top) r_.mix_slot[static_cast<std::size_t>(mix_[k].first)] = static_cast<std::int32_t>(k);
      }
    }
  }

  void AddMass(std::size_t i, std::vector<double>& mass) const {
    if (shape_.wsum[i] <= 0.0) return;
    for (int k = b_.topic_offsets[i]; k < b_.topic_offsets[i + 1]; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      const auto slot = r_.mix_slot[static_cast<std::size_t>(b_.topic_ids[ku])];
      if (slot >= 0) mass[static_cast<std::size_t>(slot)] += b_.topic_weights[ku] / shape_.wsum[i];
    }
  }

  bool Calibrating(std::size_t pos) const {
    return calibrate_ && pos < static_cast<std::size_t>(t_.calibration_top_n);
  }

  void Record(std::int32_t idx, const Choice& ch, double explore, double propensity, bool explored) {
    PlacedSlot p;
    p.index = idx;
    p.explored = explored;
    p.similar = ch.similar;
    p.creator = ch.creator;
    p.topic = ch.topic;
    p.calibration = ch.calibration;
    p.explore = explore;
    p.propensity = propensity;
    r_.slots[n_slots_++] = p;
  }

  // After an item is shown at `pos`, update what the next choices see.
  void Placed(std::int32_t idx, std::size_t pos, bool update_memory) {
    const auto i = static_cast<std::size_t>(idx);
    if (const std::int32_t p = r_.node[i]; p >= 0) {
      const std::int32_t pv = r_.prev[static_cast<std::size_t>(p)], nx = r_.next[static_cast<std::size_t>(p)];
      if (pv >= 0) r_.next[static_cast<std::size_t>(pv)] = nx; else head_ = nx;
      if (nx >= 0) r_.prev[static_cast<std::size_t>(nx)] = pv;
      r_.node[i] = -1;
    }
    const std::int32_t cr = b_.creator[i];
    if (cr >= 0) ++r_.creator_count[static_cast<std::size_t>(cr)];
    last_creator_[0] = last_creator_[1];
    last_creator_[1] = cr;
    if (sc_.main_topic[i] >= 0 && !sc_.main_tied[i]) {
      ++r_.topic_placed[static_cast<std::size_t>(sc_.main_topic[i])];
      if (pos < static_cast<std::size_t>(t_.topic_cap_top_n)) ++r_.topic_count[static_cast<std::size_t>(sc_.main_topic[i])];
    }
    if (Calibrating(pos)) {
      AddMass(i, r_.mass);
      list_items_ += 1.0;
    }
    if (update_memory && diverse_) {
      r_.updates.push_back(idx);
      similarity_.Focus(i);
    }
  }

  double CreatorPenalty(std::size_t i) const {
    if (!diverse_ || b_.creator[i] < 0) return 0.0;
    const int k = r_.creator_count[static_cast<std::size_t>(b_.creator[i])] + 1;
    if (k < 2) return 0.0;
    const double factor = std::max(t_.creator_floor, r_.creator_power[static_cast<std::size_t>(k)]);
    return s_ * (1.0 - factor) * std::max(0.0, total_[i]);
  }

  // Topic decay, on what the creator decay left of the positive score.
  double TopicPenalty(std::size_t i, double creator) const {
    if (!diverse_ || sc_.main_topic[i] < 0 || sc_.main_tied[i]) return 0.0;
    const int k = r_.topic_placed[static_cast<std::size_t>(sc_.main_topic[i])] + 1;
    if (k < 2) return 0.0;
    const double factor = std::max(t_.topic_floor, r_.topic_power[static_cast<std::size_t>(k)]);
    return (1.0 - factor) * std::max(0.0, s_ * std::max(0.0, total_[i]) - creator);
  }

  // An upper bound of item i's adjusted score without bringing its memory up
  // to date: each missed step keeps at least mmr_memory times the memory.
  // Calibration and exploration slots never use it (they scan everything).
  double AdjustedBound(std::size_t i) const {
    const std::size_t missed = r_.updates.size() - r_.memory_upto[i];
    const double memory_floor = r_.memory[i] * r_.decay_power[missed] * (1.0 - 1e-12);
    const double creator = CreatorPenalty(i);
    return total_[i] - s_ * d_ * t_.mmr_weight * memory_floor - creator - TopicPenalty(i, creator);
  }

  void Evaluate(std::size_t i, std::size_t pos, double kl_now, Choice* ch) {
    ch->index = static_cast<std::int32_t>(i);
    ch->similar = s_ * d_ * t_.mmr_weight * (diverse_ ? MemoryOf(i) : r_.memory[i]);
    ch->creator = CreatorPenalty(i);
    ch->topic = TopicPenalty(i, ch->creator);
    ch->calibration = 0.0;
    if (Calibrating(pos)) {
      r_.trial = r_.mass;
      AddMass(i, r_.trial);
      const double kl = CalibrationKl(mix_, r_.trial.data(), list_items_ + 1.0, t_.calibration_alpha);
      ch->calibration = s_ * t_.calibration_weight * (kl_now - kl);
    }
    ch->adjusted = total_[i] - ch->similar - ch->creator - ch->topic + ch->calibration;
  }

  // No third item of a creator in a row; at most `cap_` items of a main
  // topic in the capped top N.
  bool Allowed(std::size_t i, std::size_t pos) const {
    if (!diverse_) return true;
    const std::int32_t cr = b_.creator[i];
    if (cr >= 0 && last_creator_[0] == cr && last_creator_[1] == cr) return false;
    const std::int32_t mt = sc_.main_topic[i];
    if (pos < static_cast<std::size_t>(t_.topic_cap_top_n) && mt >= 0 && !sc_.main_tied[i] &&
        r_.topic_count[static_cast<std::size_t>(mt)] >= cap_) {
      return false;
    }
    return true;
  }

  // Chooses the item of greedy slot `pos` and places it.
  void FillSlot(std::size_t pos, Rng& rng) {
    const bool calibrating = Calibrating(pos);
    const double kl_now = calibrating ? CalibrationKl(mix_, r_.mass.data(), list_items_, t_.calibration_alpha) : 0.0;
    Choice best_ok, best_any, ch;
    r_.pool.clear();
    // Without calibration or exploration in this slot, an item's adjusted
    // score never exceeds its score (the penalties are >= 0): scanning by
    // score, the slot is decided once the next score is below the best
    // allowed adjusted score, and once an allowed item is found, items that
    // are not allowed or cannot reach it are passed over. Otherwise every
    // remaining item is looked at, in input order (as the exploration pool
    // always was).
    auto consider = [&](std::int32_t idx) {
      const auto i = static_cast<std::size_t>(idx);
      Evaluate(i, pos, kl_now, &ch);
      const bool ok = Allowed(i, pos);
      // Ties keep the earlier input position.
      if (Better(ch, best_any)) best_any = ch;
      if (ok && Better(ch, best_ok)) best_ok = ch;
      if (ok && r_.explore_at[pos] && !sc_.known[i]) r_.pool.push_back(idx);
    };
    if (r_.explore_at[pos] || calibrating) {
      for (const std::int32_t idx : r_.eligible) {
        if (r_.node[static_cast<std::size_t>(idx)] >= 0) consider(idx);
      }
    } else {
      for (std::int32_t p = head_; p >= 0; p = r_.next[static_cast<std::size_t>(p)]) {
        const auto idx = r_.by_total[static_cast<std::size_t>(p)];
        const auto i = static_cast<std::size_t>(idx);
        if (best_ok.index >= 0) {
          if (total_[i] < best_ok.adjusted) break;
          // Only best_ok can be picked now.
          if (!Allowed(i, pos)) continue;
          // Cannot reach the best allowed choice even with the least memory it may have (1e-9: rounding margin).
          if (diverse_ && AdjustedBound(i) + 1e-9 < best_ok.adjusted) continue;
        }
        consider(idx);
      }
    }
    Choice pick = best_ok.index >= 0 ? best_ok : best_any;
    double explore = 0.0, propensity = 1.0;
    const bool explored = !r_.pool.empty();
    if (explored) DrawExplored(pos, kl_now, rng, &pick, &explore, &propensity);
    Record(pick.index, pick, explore, propensity, explored);
    Placed(pick.index, pos, true);
  }

  // Topic-level draw: the items outside known interests grouped by main
  // topic, each group's best item (by adjusted score); one group drawn with
  // probability proportional to that item's positive adjusted score raised
  // to `explore_power` (0 = uniformly, so a few popular topics cannot crowd
  // the pool), and its best item placed instead of `*pick`. `*explore` is
  // the lift it needed to win the slot, `*propensity` the probability of the draw.
  void DrawExplored(std::size_t pos, double kl_now, Rng& rng, Choice* pick, double* explore, double* propensity) {
    auto& pool = r_.pool;
    std::sort(pool.begin(), pool.end(), [&](std::int32_t x, std::int32_t z) {
      const auto tx = sc_.main_topic[static_cast<std::size_t>(x)], tz = sc_.main_topic[static_cast<std::size_t>(z)];
      return tx != tz ? tx < tz : x < z;
    });
    r_.group_best.clear();
    Choice trial;
    for (std::size_t q = 0; q < pool.size(); ++q) {
      const auto idx = static_cast<std::size_t>(pool[q]);
      if (q == 0 || sc_.main_topic[idx] != sc_.main_topic[static_cast<std::size_t>(pool[q - 1])]) r_.group_best.emplace_back();
      Evaluate(idx, pos, kl_now, &trial);
      if (trial.adjusted > r_.group_best.back().adjusted) r_.group_best.back() = trial;
    }
    const std::size_t groups = r_.group_best.size();
    r_.group_weight.resize(groups);
    double weight_sum = 0.0;
    for (std::size_t g = 0; g < groups; ++g) {
      r_.group_weight[g] = t_.explore_power > 0 ? IntPow(std::max(0.0, r_.group_best[g].adjusted), t_.explore_power) : 1.0;
      weight_sum += r_.group_weight[g];
    }
    if (!(weight_sum > 0.0) || !std::isfinite(weight_sum)) {
      std::fill(r_.group_weight.begin(), r_.group_weight.end(), 1.0);
      weight_sum = static_cast<double>(groups);
    }
    // The first group whose cumulative weight passes the draw (the last
    // weighted one when rounding leaves the draw beyond them all).
    const double u = rng.NextDouble() * weight_sum;
    std::size_t g = 0;
    double cumulative = 0.0;
    for (std::size_t q = 0; q < groups; ++q) {
      if (r_.group_weight[q] <= 0.0) continue;
      g = q;
      cumulative += r_.group_weight[q];
      if (u < cumulative) break;
    }
    const double best = pick->adjusted;
    *pick = r_.group_best[g];
    *explore = std::max(0.0, best - pick->adjusted);
    *propensity = r_.group_weight[g] / weight_sum;
  }

  const RankTuning& t_;
  const CandidateBatch& b_;
  const BatchShape& shape_;
  const ScoredBatch& sc_;
  RerankScratch& r_;
  const std::size_t n_;
  const double s_, d_;
  const bool diverse_;
  Similarity similarity_;
  const double* const total_;
  std::size_t n_slots_ = 0;
  std::int32_t max_main_topic_ = -1;  // largest main topic
  int n_eligible_ = 0, depth_ = 0;    // eligible items; greedy slots among them
  std::int32_t head_ = -1;            // the first not-placed item of the score list
  // MMR memory (MemoryOf).
  const double m_;
  bool early_stop_ = false;
  double max_similarity_ = 0.0;
  // Decay and the topic cap.
  std::int32_t last_creator_[2] = {-1, -1};
  int cap_ = 0;
  // Calibration.
  const std::vector<std::pair<std::int32_t, double>>& mix_;
  const bool calibrate_;
  double list_items_ = 0.0;
};

void Reranker::Write(RankResult* out) const {
  // The reasons this stage adds, by rank (the item's own stay by item: RankResult).
  std::size_t count = 0;
  for (std::size_t rank = 0; rank < n_slots_; ++rank) {
    const PlacedSlot& p = r_.slots[rank];
    count += ((b_.flags[static_cast<std::size_t>(p.index)] & kFlagPinned) ? 1 : 0) + (p.similar != 0.0) +
             (p.creator != 0.0) + (p.topic != 0.0) + (p.calibration != 0.0) + (p.explored ? 1 : 0);
  }
  out->order.resize(n_);
  out->score.resize(n_);
  out->propensity.resize(n_);
  ReasonList& x = out->by_rank;
  x.offsets.resize(n_ + 1);
  x.reasons.resize(count);
  std::size_t w = 0;
  auto put = [&](ReasonKind k, LabelKind lk, std::int32_t l, double v) {
    x.reasons[w++] = StoredReason(k, ReasonLabel{lk, l}, v);
  };
  x.offsets[0] = 0;
  for (std::size_t rank = 0; rank < n_slots_; ++rank) {
    const PlacedSlot& p = r_.slots[rank];
    const auto i = static_cast<std::size_t>(p.index);
    out->order[rank] = p.index;
    out->propensity[rank] = p.propensity;
    // First, so that it comes before the item's own reasons (RankResult::ReasonsAt).
    if (b_.flags[i] & kFlagPinned) put(ReasonKind::kPinned, LabelKind::kNone, -1, 0.0);
    double score = sc_.reason_sum[i];
    const std::pair<ReasonPart, double> extra[] = {{ReasonPart::kSimilar, -p.similar},
                                                   {ReasonPart::kCreatorShown, -p.creator},
                                                   {ReasonPart::kTopicShown, -p.topic},
                                                   {ReasonPart::kCalibration, p.calibration}};
    for (const auto& [l, v] : extra) {
      if (v == 0.0) continue;
      put(ReasonKind::kDiversity, LabelKind::kPart, static_cast<std::int32_t>(l), v);
      score += v;
    }
    if (p.explored) {
      put(ReasonKind::kExplore, LabelKind::kNone, -1, p.explore);
      score += p.explore;
    }
    out->score[rank] = score;
    x.offsets[rank + 1] = static_cast<std::int32_t>(w);
  }
}

}  // namespace

void RerankStage(const Config& /*c: no setting of it is used here yet*/, const RankTuning& t, const CandidateBatch& b,
                 const BatchShape& shape, const ScoredBatch& sc, const RerankOptions& o, double s, Rng& rng,
                 RerankScratch* scratch, RankResult* out) {
  Reranker reranker(t, b, shape, sc, o, s, scratch);
  reranker.Run(o.exploration, rng);
  reranker.Write(out);
}

}  // namespace localrank
