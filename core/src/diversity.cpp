// SPDX-License-Identifier: MIT
// The rerank stage: greedy slot filling with MMR, creator decay, a topic cap,
// calibration and exploration. Each adjustment becomes a reason, so reasons
// keep adding up to the final score.
#include <algorithm>
#include <cmath>

#include "localrank/stages.h"

#include "kernels.h"
#include "memo.h"

namespace localrank {

double CalibrationKl(const std::vector<std::pair<std::int32_t, double>>& p, const double* mass, double items,
                     double alpha) {
  double kl = 0.0;
  for (std::size_t k = 0; k < p.size(); ++k) {
    const double pk = p[k].second;
    if (pk <= 0.0) continue;
    const double q = items > 0.0 ? mass[k] / items : 0.0;
    kl += pk * std::log(pk / ((1.0 - alpha) * q + alpha * pk));
  }
  return kl;
}

namespace {

void AddReason(RankResult* out, ReasonKind kind, std::int32_t label, double value) {
  out->reason_kind.push_back(static_cast<std::int32_t>(kind));
  out->reason_label.push_back(label);
  out->reason_value.push_back(value);
}

// Read-only views of the batch that the similarity needs, precomputed once
// per rerank: each topic's share in its item, and embedding norms.
struct Items {
  const CandidateBatch& b;
  std::vector<double> wsum;   // topic weight sum per item
  std::vector<double> share;  // topic_weights[k] / wsum of its item (0 when wsum <= 0)
  std::vector<std::uint8_t> unique_topics;  // 1 when no topic id repeats within the item
  std::vector<std::uint64_t> topic_mask;    // bit (id % 64) set for each topic of the item
  std::vector<double> norm;   // embedding norm per item (empty without embeddings)
  int dim = 0;
  // Topic -> share of the item most recently passed to Focus() (valid where stamp == focus).
  mutable std::vector<double> focus_share;
  mutable std::vector<std::uint32_t> focus_stamp;
  mutable std::uint32_t focus = 0;
  mutable std::size_t focus_item = 0;

  Items(const CandidateBatch& batch, int d) : b(batch) {
    const std::size_t n = b.size();
    wsum.assign(n, 0.0);
    share.assign(b.topic_weights.size(), 0.0);
    unique_topics.assign(n, 1);
    topic_mask.assign(n, 0);
    std::int32_t max_topic = -1;
    for (auto id : b.topic_ids) max_topic = std::max(max_topic, id);
    focus_share.assign(static_cast<std::size_t>(max_topic + 1), 0.0);
    focus_stamp.assign(static_cast<std::size_t>(max_topic + 1), 0);
    for (std::size_t i = 0; i < n; ++i) {
      for (int k = b.topic_offsets[i]; k < b.topic_offsets[i + 1]; ++k) wsum[i] += b.topic_weights[static_cast<std::size_t>(k)];
      for (int k = b.topic_offsets[i]; k < b.topic_offsets[i + 1]; ++k) {
        const auto ku = static_cast<std::size_t>(k);
        if (wsum[i] > 0.0) share[ku] = b.topic_weights[ku] / wsum[i];
        topic_mask[i] |= std::uint64_t{1} << (static_cast<std::uint32_t>(b.topic_ids[ku]) & 63u);
        for (int z = b.topic_offsets[i]; z < k; ++z) {
          if (b.topic_ids[static_cast<std::size_t>(z)] == b.topic_ids[ku]) unique_topics[i] = 0;
        }
      }
    }
    if (d > 0 && b.embeddings.size() == n * static_cast<std::size_t>(d)) {
      dim = d;
      norm.assign(n, 0.0);
      for (std::size_t i = 0; i < n; ++i) {
        norm[i] = std::sqrt(static_cast<double>(kernels::SquaredNorm(b.embeddings.data() + i * static_cast<std::size_t>(d), d)));
      }
    }
  }

  // Makes `j` the item that Similarity(i, j) compares against through a
  // topic -> share table: 8 lookups instead of 8 x 8 comparisons per pair.
  void Focus(std::size_t j) const {
    focus_item = j;
    if (++focus == 0) {
      std::fill(focus_stamp.begin(), focus_stamp.end(), 0);
      focus = 1;
    }
    if (!unique_topics[j]) return;
    for (int z = b.topic_offsets[j]; z < b.topic_offsets[j + 1]; ++z) {
      const auto zu = static_cast<std::size_t>(z);
      const auto id = static_cast<std::size_t>(b.topic_ids[zu]);
      focus_stamp[id] = focus;
      focus_share[id] = share[zu];
    }
  }

  // Topic overlap (sum of the smaller shares, 0..1), averaged with the
  // positive embedding cosine when both items have embeddings. The sum runs
  // over i's topics in order whether or not j is focused, so both paths give
  // the same value; the cosine uses the fixed-order kernel (core/src/kernels.h).
  double Similarity(std::size_t i, std::size_t j) const {
    double topic = 0.0;
    if (wsum[i] > 0.0 && wsum[j] > 0.0) {
      if (j == focus_item && unique_topics[j]) {
        for (int a = b.topic_offsets[i]; a < b.topic_offsets[i + 1]; ++a) {
          const auto au = static_cast<std::size_t>(a);
          const auto id = static_cast<std::size_t>(b.topic_ids[au]);
          if (focus_stamp[id] == focus) topic += std::min(share[au], focus_share[id]);
        }
      } else if (topic_mask[i] & topic_mask[j]) {
        // Only topics whose bit is in j's mask can match (same order of additions as without the mask).
        for (int a = b.topic_offsets[i]; a < b.topic_offsets[i + 1]; ++a) {
          const auto au = static_cast<std::size_t>(a);
          if (!((topic_mask[j] >> (static_cast<std::uint32_t>(b.topic_ids[au]) & 63u)) & 1u)) continue;
          for (int z = b.topic_offsets[j]; z < b.topic_offsets[j + 1]; ++z) {
            const auto zu = static_cast<std::size_t>(z);
            if (b.topic_ids[au] == b.topic_ids[zu]) topic += std::min(share[au], share[zu]);
          }
        }
      }
    }
    if (dim == 0 || norm[i] == 0.0 || norm[j] == 0.0) return topic;
    const float* x = b.embeddings.data() + i * static_cast<std::size_t>(dim);
    const float* y = b.embeddings.data() + j * static_cast<std::size_t>(dim);
    const double dot = kernels::Dot(x, y, dim);
    return 0.5 * topic + 0.5 * std::max(0.0, dot / (norm[i] * norm[j]));
  }
};

// What choosing an item for the current slot would add to its score.
struct Choice {
  std::int32_t index = -1;
  double adjusted = -INFINITY;
  double similar = 0.0;
  double creator = 0.0;
  double calibration = 0.0;
};

// A beats `best` with a higher adjusted score, or an equal one at an earlier
// input position (what a scan in input order with a strict > would keep).
bool Better(const Choice& a, const Choice& best) {
  return a.adjusted > best.adjusted || (a.adjusted == best.adjusted && best.index >= 0 && a.index < best.index);
}

}  // namespace

void RerankStage(const Config& c, const RankTuning& t, const CandidateBatch& b, const ScoredBatch& sc,
                 const RerankOptions& o, double s, Rng& rng, RankResult* out) {
  out->Clear();
  out->reason_offsets.push_back(0);
  const std::size_t n = b.size();
  if (n == 0) return;
  const double d = std::clamp(o.diversity, 0.0, 1.0);
  const bool diverse = d > 0.0;
  const Items items(b, c.dim);

  std::vector<std::int32_t> eligible, tail, free_positions;
  std::int32_t max_creator = -1, max_topic = -1;
  for (std::size_t i = 0; i < n; ++i) {
    max_creator = std::max(max_creator, b.creator[i]);
    max_topic = std::max(max_topic, sc.main_topic[i]);
    if (b.flags[i] & kFlagPinned) continue;
    free_positions.push_back(static_cast<std::int32_t>(i));
    (sc.tier[i] == Tier::kEligible ? eligible : tail).push_back(static_cast<std::int32_t>(i));
  }
  std::stable_sort(tail.begin(), tail.end(), [&](std::int32_t x, std::int32_t z) {
    const auto xu = static_cast<std::size_t>(x), zu = static_cast<std::size_t>(z);
    if (sc.tier[xu] != sc.tier[zu]) return sc.tier[xu] < sc.tier[zu];
    return sc.total[xu] > sc.total[zu];
  });
  const int n_eligible = static_cast<int>(eligible.size());
  const int depth = std::min(n_eligible, std::max(0, t.greedy_depth));

  // Exploration slots among the greedy part of the eligible positions.
  std::vector<std::uint8_t> explore_at(n, 0);
  {
    std::vector<std::int32_t> positions(free_positions.begin(), free_positions.begin() + depth);
    const int k = ExploreSlotCount(o.exploration, n_eligible);
    for (auto p : ChooseExploreSlots(positions, k, rng)) explore_at[static_cast<std::size_t>(p)] = 1;
  }

  // Greedy state.
  std::vector<std::uint8_t> remaining(n, 0);
  for (auto i : eligible) remaining[static_cast<std::size_t>(i)] = 1;
  // MMR memory per item, brought up to date lazily: `updates` lists the
  // placements that update it, memory_upto[i] how many of them item i has
  // seen. Catching up applies the same max(memory * m, similarity) steps in
  // the same order as updating every item at each placement, so the values
  // are identical, but items that are never evaluated again cost nothing.
  std::vector<double> memory(n, 0.0);
  std::vector<std::uint32_t> memory_upto(n, 0);
  std::vector<std::int32_t> updates;
  auto memory_of = [&](std::size_t i) {
    for (std::size_t u = memory_upto[i]; u < updates.size(); ++u) {
      memory[i] = std::max(memory[i] * t.mmr_memory, items.Similarity(i, static_cast<std::size_t>(updates[u])));
    }
    memory_upto[i] = static_cast<std::uint32_t>(updates.size());
    return memory[i];
  };
  // mmr_memory^k, for the bound on memory that lets a slot skip items.
  std::vector<double> decay_power(n + 1, 1.0);
  for (std::size_t k = 1; k <= n; ++k) decay_power[k] = decay_power[k - 1] * t.mmr_memory;
  // pow(creator_factor, k - 1) by k, computed once per rerank.
  IdMemo creator_power;
  creator_power.Reset(n + 2);
  std::vector<int> creator_count(static_cast<std::size_t>(max_creator + 1), 0);
  std::vector<int> topic_count(static_cast<std::size_t>(max_topic + 1), 0);
  std::int32_t last_creator[2] = {-1, -1};
  const int cap = static_cast<int>(std::ceil(t.topic_cap_share * t.topic_cap_top_n));

  // Calibration: p = the person's interest mix; mass[k] = list mass of p's topic k.
  const auto& mix = sc.interest_mix;
  const bool calibrate = o.calibration && !mix.empty();
  std::vector<std::int32_t> mix_slot(static_cast<std::size_t>(std::max<std::int32_t>(max_topic, 0) + 1), -1);
  std::vector<double> mass(mix.size(), 0.0), trial(mix.size(), 0.0);
  double list_items = 0.0;
  if (calibrate) {
    // Every topic of the batch may carry mass, not only main topics.
    std::int32_t top = max_topic;
    for (auto id : b.topic_ids) top = std::max(top, id);
    mix_slot.assign(static_cast<std::size_t>(top + 1), -1);
    for (std::size_t k = 0; k < mix.size(); ++k) {
      if (mix[k].first <= top) mix_slot[static_cast<std::size_t>(mix[k].first)] = static_cast<std::int32_t>(k);
    }
  }
  auto add_mass = [&](std::size_t i, std::vector<double>& m) {
    if (items.wsum[i] <= 0.0) return;
    for (int k = b.topic_offsets[i]; k < b.topic_offsets[i + 1]; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      const auto slot = mix_slot[static_cast<std::size_t>(b.topic_ids[ku])];
      if (slot >= 0) m[static_cast<std::size_t>(slot)] += b.topic_weights[ku] / items.wsum[i];
    }
  };

  auto emit = [&](std::int32_t idx, const Choice& ch, double explore, double propensity, bool explored) {
    const auto i = static_cast<std::size_t>(idx);
    out->order.push_back(idx);
    out->propensity.push_back(propensity);
    double score = 0.0;
    if (b.flags[i] & kFlagPinned) AddReason(out, ReasonKind::kPinned, -1, 0.0);
    for (int k = sc.offsets[i]; k < sc.offsets[i + 1]; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      AddReason(out, static_cast<ReasonKind>(sc.kind[ku]), sc.label[ku], sc.value[ku]);
      score += sc.value[ku];
    }
    const std::pair<std::int32_t, double> extra[] = {{kDiversityLabelSimilar, -ch.similar},
                                                     {kDiversityLabelCreator, -ch.creator},
                                                     {kDiversityLabelCalibration, ch.calibration}};
    for (const auto& [label, v] : extra) {
      if (v == 0.0) continue;
      AddReason(out, ReasonKind::kDiversity, label, v);
      score += v;
    }
    if (explored) {
      AddReason(out, ReasonKind::kExplore, -1, explore);
      score += explore;
    }
    out->score.push_back(score);
    out->reason_offsets.push_back(static_cast<std::int32_t>(out->reason_kind.size()));
  };

  // After an item is shown at `pos`, update what the next choices see.
  auto placed = [&](std::int32_t idx, std::size_t pos, bool update_memory) {
    const auto i = static_cast<std::size_t>(idx);
    remaining[i] = 0;
    const std::int32_t cr = b.creator[i];
    if (cr >= 0) ++creator_count[static_cast<std::size_t>(cr)];
    last_creator[0] = last_creator[1];
    last_creator[1] = cr;
    if (pos < static_cast<std::size_t>(t.topic_cap_top_n) && sc.main_topic[i] >= 0) {
      ++topic_count[static_cast<std::size_t>(sc.main_topic[i])];
    }
    if (calibrate && pos < static_cast<std::size_t>(t.calibration_top_n)) {
      add_mass(i, mass);
      list_items += 1.0;
    }
    if (update_memory && diverse) {
      updates.push_back(idx);
      items.Focus(i);
    }
  };

  auto creator_penalty = [&](std::size_t i) {
    if (!diverse || b.creator[i] < 0) return 0.0;
    const int k = creator_count[static_cast<std::size_t>(b.creator[i])] + 1;
    if (k < 2) return 0.0;
    const double power = creator_power.Get(static_cast<std::uint32_t>(k), [&](std::uint32_t kk) {
      return std::pow(t.creator_factor, static_cast<int>(kk) - 1);
    });
    const double factor = std::max(t.creator_floor, power);
    return s * (1.0 - factor) * std::max(0.0, sc.total[i]);
  };
  // An upper bound of item i's adjusted score without bringing its memory up
  // to date: each missed step keeps at least mmr_memory times the memory.
  // Calibration and exploration slots never use it (they scan everything).
  auto adjusted_bound = [&](std::size_t i) {
    const std::size_t missed = updates.size() - memory_upto[i];
    const double memory_floor = memory[i] * decay_power[missed] * (1.0 - 1e-12);
    return sc.total[i] - s * d * t.mmr_weight * memory_floor - creator_penalty(i);
  };
  auto evaluate = [&](std::size_t i, std::size_t pos, double kl_now, Choice* ch) {
    ch->index = static_cast<std::int32_t>(i);
    ch->similar = s * d * t.mmr_weight * (diverse ? memory_of(i) : memory[i]);
    ch->creator = creator_penalty(i);
    ch->calibration = 0.0;
    if (calibrate && pos < static_cast<std::size_t>(t.calibration_top_n)) {
      trial = mass;
      add_mass(i, trial);
      const double kl = CalibrationKl(mix, trial.data(), list_items + 1.0, t.calibration_alpha);
      ch->calibration = s * t.calibration_weight * (kl_now - kl);
    }
    ch->adjusted = sc.total[i] - ch->similar - ch->creator + ch->calibration;
  };
  auto allowed = [&](std::size_t i, std::size_t pos) {
    if (!diverse) return true;
    const std::int32_t cr = b.creator[i];
    if (cr >= 0 && last_creator[0] == cr && last_creator[1] == cr) return false;
    const std::int32_t mt = sc.main_topic[i];
    if (pos < static_cast<std::size_t>(t.topic_cap_top_n) && mt >= 0 && topic_count[static_cast<std::size_t>(mt)] >= cap) {
      return false;
    }
    return true;
  };

  std::vector<std::int32_t> by_total(eligible);
  std::stable_sort(by_total.begin(), by_total.end(), [&](std::int32_t x, std::int32_t z) {
    return sc.total[static_cast<std::size_t>(x)] > sc.total[static_cast<std::size_t>(z)];
  });

  int used_eligible = 0;
  std::size_t next_tail = 0;
  std::vector<std::int32_t> pool;
  std::vector<std::int32_t> rest;  // eligible items beyond the greedy depth, by score
  for (std::size_t pos = 0; pos < n; ++pos) {
    if (b.flags[pos] & kFlagPinned) {
      const Choice none;
      emit(static_cast<std::int32_t>(pos), none, 0.0, 1.0, false);
      placed(static_cast<std::int32_t>(pos), pos, used_eligible < depth);
      continue;
    }
    if (used_eligible >= n_eligible) {
      emit(tail[next_tail++], Choice{}, 0.0, 1.0, false);
      continue;
    }
    if (used_eligible >= depth) {
      if (rest.empty() && used_eligible == depth) {
        for (auto i : eligible) {
          if (remaining[static_cast<std::size_t>(i)]) rest.push_back(i);
        }
        std::stable_sort(rest.begin(), rest.end(), [&](std::int32_t x, std::int32_t z) {
          return sc.total[static_cast<std::size_t>(x)] > sc.total[static_cast<std::size_t>(z)];
        });
      }
      emit(rest[static_cast<std::size_t>(used_eligible - depth)], Choice{}, 0.0, 1.0, false);
      ++used_eligible;
      continue;
    }
    const double kl_now = calibrate && pos < static_cast<std::size_t>(t.calibration_top_n)
                              ? CalibrationKl(mix, mass.data(), list_items, t.calibration_alpha)
                              : 0.0;
    Choice best_ok, best_any, ch;
    pool.clear();
    // Without calibration or exploration in this slot, an item's adjusted
    // score never exceeds its score (the penalties are >= 0): scanning by
    // score, the slot is decided once the next score is below the best
    // allowed adjusted score. Otherwise every item is looked at.
    const bool full_scan = explore_at[pos] || (calibrate && pos < static_cast<std::size_t>(t.calibration_top_n));
    for (auto idx : full_scan ? eligible : by_total) {
      const auto i = static_cast<std::size_t>(idx);
      if (!remaining[i]) continue;
      if (!full_scan && best_ok.index >= 0) {
        if (sc.total[i] < best_ok.adjusted) break;
        // Cannot reach the best allowed choice even with the least memory it may have (1e-9: rounding margin).
        if (diverse && adjusted_bound(i) + 1e-9 < best_ok.adjusted) continue;
      }
      evaluate(i, pos, kl_now, &ch);
      const bool ok = allowed(i, pos);
      // Ties keep the earlier input position.
      if (Better(ch, best_any)) best_any = ch;
      if (ok && Better(ch, best_ok)) best_ok = ch;
      if (ok && explore_at[pos] && !sc.known[i]) pool.push_back(idx);
    }
    Choice pick = best_ok.index >= 0 ? best_ok : best_any;
    double explore = 0.0, propensity = 1.0;
    if (!pool.empty()) {
      // Topic-level epsilon-greedy: draw one of the unexplored main topics
      // uniformly (so a few popular topics cannot crowd the pool), then take
      // that topic's best item. Propensity = 1 / number of such topics.
      std::sort(pool.begin(), pool.end(), [&](std::int32_t x, std::int32_t z) {
        const auto tx = sc.main_topic[static_cast<std::size_t>(x)], tz = sc.main_topic[static_cast<std::size_t>(z)];
        return tx != tz ? tx < tz : x < z;
      });
      std::size_t groups = 0;
      for (std::size_t k = 0; k < pool.size(); ++k) {
        if (k == 0 || sc.main_topic[static_cast<std::size_t>(pool[k])] != sc.main_topic[static_cast<std::size_t>(pool[k - 1])]) ++groups;
      }
      const auto g = std::min(groups - 1, static_cast<std::size_t>(rng.NextDouble() * static_cast<double>(groups)));
      std::size_t group = 0, k = 0;
      for (; k < pool.size(); ++k) {
        if (k > 0 && sc.main_topic[static_cast<std::size_t>(pool[k])] != sc.main_topic[static_cast<std::size_t>(pool[k - 1])]) ++group;
        if (group == g) break;
      }
      const double best = pick.adjusted;
      Choice top, trial;
      for (std::size_t m = k; m < pool.size(); ++m) {
        const auto idx = static_cast<std::size_t>(pool[m]);
        if (m > k && sc.main_topic[idx] != sc.main_topic[static_cast<std::size_t>(pool[k])]) break;
        evaluate(idx, pos, kl_now, &trial);
        if (trial.adjusted > top.adjusted) top = trial;
      }
      pick = top;
      // The lift the explored item needed to win this slot.
      explore = std::max(0.0, best - pick.adjusted);
      propensity = 1.0 / static_cast<double>(groups);
    }
    emit(pick.index, pick, explore, propensity, !pool.empty());
    placed(pick.index, pos, true);
    ++used_eligible;
  }
}

}  // namespace localrank
