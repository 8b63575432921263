// SPDX-License-Identifier: MIT
// The rerank stage: greedy slot filling with MMR, creator decay, a topic cap,
// calibration and exploration over the first top_k slots. Each adjustment
// becomes a reason, so reasons keep adding up to the final score.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "localrank/stages.h"

#include "util/int_pow.h"
#include "rank/kernels.h"

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

// Topic overlap (sum of the smaller shares, 0..1), averaged with the positive
// embedding cosine when both items have embeddings.
class Similarity {
 public:
  Similarity(const CandidateBatch& b, const BatchShape& shape, RerankScratch* r) : b_(b), shape_(shape), r_(*r) {
    const std::size_t n = b.size();
    const auto topics = static_cast<std::size_t>(shape.max_topic + 1);
    if (r_.focus_share.size() < topics) {
      r_.focus_share.resize(topics, 0.0);
      r_.focus_stamp.resize(topics, 0u);
    }
    r_.norm.resize(shape.dim > 0 ? n : 0);
    for (std::size_t i = 0; i < r_.norm.size(); ++i) r_.norm[i] = std::sqrt(shape.sq_norm[i]);
  }

  // Makes `j` the item that (*this)(i, j) compares against through a
  // topic -> share table: 8 lookups instead of 8 x 8 comparisons per pair.
  void Focus(std::size_t j) {
    focus_item_ = j;
    if (++r_.focus == 0) {
      std::fill(r_.focus_stamp.begin(), r_.focus_stamp.end(), 0u);
      r_.focus = 1;
    }
    if (!shape_.unique_topics[j]) return;
    for (int z = b_.topic_offsets[j]; z < b_.topic_offsets[j + 1]; ++z) {
      const auto zu = static_cast<std::size_t>(z);
      const auto id = static_cast<std::size_t>(b_.topic_ids[zu]);
      r_.focus_stamp[id] = r_.focus;
      r_.focus_share[id] = shape_.share[zu];
    }
  }

  // The sum runs over i's topics in order whether or not j is focused, so
  // both paths give the same value; the cosine uses the fixed-order kernel
  // (core/src/rank/kernels.h).
  double operator()(std::size_t i, std::size_t j) const {
    const std::int32_t* ids = b_.topic_ids.data();
    const double* share = shape_.share.data();
    double topic = 0.0;
    if (shape_.wsum[i] > 0.0 && shape_.wsum[j] > 0.0) {
      const int a0 = b_.topic_offsets[i], a1 = b_.topic_offsets[i + 1];
      if (j == focus_item_ && shape_.unique_topics[j]) {
        const std::uint32_t focus = r_.focus;
        for (int a = a0; a < a1; ++a) {
          const auto id = static_cast<std::size_t>(ids[a]);
          if (r_.focus_stamp[id] == focus) topic += std::min(share[a], r_.focus_share[id]);
        }
      } else if (const std::uint64_t mj = shape_.topic_mask[j]; shape_.topic_mask[i] & mj) {
        // Only topics whose bit is in j's mask can match (same order of additions as without the mask).
        const int z0 = b_.topic_offsets[j], z1 = b_.topic_offsets[j + 1];
        for (int a = a0; a < a1; ++a) {
          if (!((mj >> (static_cast<std::uint32_t>(ids[a]) & 63u)) & 1u)) continue;
          for (int z = z0; z < z1; ++z) {
            if (ids[a] == ids[z]) topic += std::min(share[a], share[z]);
          }
        }
      }
    }
    if (shape_.dim == 0 || r_.norm[i] == 0.0 || r_.norm[j] == 0.0) return topic;
    const int dim = shape_.dim;
    const float* x = b_.embeddings.data() + i * static_cast<std::size_t>(dim);
    const float* y = b_.embeddings.data() + j * static_cast<std::size_t>(dim);
    const double dot = kernels::Dot(x, y, dim);
    return 0.5 * topic + 0.5 * std::max(0.0, dot / (r_.norm[i] * r_.norm[j]));
  }

  // An upper bound of any value of (*this)(i, j) in this batch: shares add
  // up to 1 (up to rounding) when no item repeats a topic, and a topic can
  // match at most kMaxTopicsPerItem entries otherwise; the float cosine stays
  // within 1e-5 of [0, 1].
  double Max() const {
    const double topic = shape_.all_unique ? 1.0 + 1e-9 : (kMaxTopicsPerItem + 1e-9);
    return shape_.dim == 0 ? topic : 0.5 * topic + 0.5 * 1.001;
  }

 private:
  const CandidateBatch& b_;
  const BatchShape& shape_;
  RerankScratch& r_;
  std::size_t focus_item_ = 0;
};

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

// Below this many items the radix sort's fixed work (8 x 256 counters) costs
// more than the comparisons it saves (callgrind, 100 and 250 candidates).
constexpr std::size_t kRadixSortMinItems = 256;

// Writes `items` (ascending input indexes) into `order` by score descending,
// equal scores in input order: the order of a comparison sort by (score
// desc, index asc), produced by a stable LSD radix sort of keys made from the
// scores' bits. Unlike the comparison sort it has no data-dependent branches
// to mispredict (in wasm, the sort of 1,000 was 5% of a packed rerank).
// Scores are never NaN; -0 gets the key of +0 (the two compare equal).
void SortByScore(const double* total, const std::vector<std::int32_t>& items, RerankScratch* r,
                 std::vector<std::int32_t>* order) {
  const std::size_t n = items.size();
  order->assign(items.begin(), items.end());
  if (n < 2) return;
  r->radix_keys.resize(n);
  r->radix_keys_swap.resize(n);
  r->radix_items_swap.resize(n);
  std::uint64_t* keys = r->radix_keys.data();
  std::uint64_t* keys_swap = r->radix_keys_swap.data();
  std::int32_t* idx = order->data();
  std::int32_t* idx_swap = r->radix_items_swap.data();
  std::uint32_t count[8][256] = {};
  for (std::size_t j = 0; j < n; ++j) {
    const double v = total[static_cast<std::size_t>(idx[j])];
    const double x = v == 0.0 ? 0.0 : v;
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    // Ascending as unsigned: negatives with every bit flipped, the others
    // with the sign bit set; then all flipped, for descending.
    const std::uint64_t negative = 0 - (bits >> 63);
    const std::uint64_t key = ~(bits ^ (negative | (std::uint64_t{1} << 63)));
    keys[j] = key;
    for (int d = 0; d < 8; ++d) ++count[d][(key >> (8 * d)) & 0xffu];
  }
  for (int d = 0; d < 8; ++d) {
    const int shift = 8 * d;
    std::uint32_t* c = count[d];
    // A digit that every key shares leaves the order as it is.
    if (c[(keys[0] >> shift) & 0xffu] == n) continue;
    std::uint32_t sum = 0;
    for (int b = 0; b < 256; ++b) {
      const std::uint32_t here = c[b];
      c[b] = sum;
      sum += here;
    }
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint32_t at = c[(keys[j] >> shift) & 0xffu]++;
      keys_swap[at] = keys[j];
      idx_swap[at] = idx[j];
    }
    std::swap(keys, keys_swap);
    std::swap(idx, idx_swap);
  }
  // After an odd number of passes the result is in the scratch array.
  if (idx != order->data()) std::copy_n(idx, n, order->data());
}

}  // namespace

void RerankStage(const Config& /*c: no setting of it is used here yet*/, const RankTuning& t, const CandidateBatch& b,
                 const BatchShape& shape, const ScoredBatch& sc, const RerankOptions& o, double s, Rng& rng,
                 RerankScratch* scratch, RankResult* out) {
  RerankScratch& r = *scratch;
  const std::size_t n = b.size();
  r.slots.resize(n);
  std::size_t n_slots = 0;
  const double d = std::clamp(o.diversity, 0.0, 1.0);
  const bool diverse = d > 0.0;
  Similarity similarity(b, shape, &r);
  const double* total = sc.total.data();

  // Sized once, filled through indexes (no push_back per item).
  r.eligible.resize(n);
  r.tail.resize(n);
  r.free_positions.resize(n);
  std::size_t n_free = 0, n_ok = 0, n_tail = 0;
  std::int32_t max_topic = -1;
  for (std::size_t i = 0; i < n; ++i) {
    max_topic = std::max(max_topic, sc.main_topic[i]);
    if (b.flags[i] & kFlagPinned) continue;
    const auto idx = static_cast<std::int32_t>(i);
    r.free_positions[n_free++] = idx;
    if (sc.tier[i] == Tier::kEligible) {
      r.eligible[n_ok++] = idx;
    } else {
      r.tail[n_tail++] = idx;
    }
  }
  r.free_positions.resize(n_free);
  r.eligible.resize(n_ok);
  r.tail.resize(n_tail);
  // Filtered items by tier, then score; ties keep the input order.
  const auto by_tier_and_score = [&](std::int32_t x, std::int32_t z) {
    const auto xu = static_cast<std::size_t>(x), zu = static_cast<std::size_t>(z);
    if (sc.tier[xu] != sc.tier[zu]) return sc.tier[xu] < sc.tier[zu];
    if (total[xu] != total[zu]) return total[xu] > total[zu];
    return x < z;
  };
  std::sort(r.tail.begin(), r.tail.end(), by_tier_and_score);
  const int n_eligible = static_cast<int>(r.eligible.size());
  const int depth = std::min(n_eligible, std::max(1, o.top_k));

  // Exploration slots among the greedy part of the eligible positions.
  r.explore_at.assign(n, 0);
  if (const int k = ExploreSlotCount(o.exploration, n_eligible); k > 0) {
    r.explore_positions.assign(r.free_positions.begin(), r.free_positions.begin() + depth);
    ChooseExploreSlots(r.explore_positions, k, rng, &r.pool, &r.explore_slots);
    for (auto p : r.explore_slots) r.explore_at[static_cast<std::size_t>(p)] = 1;
  }

  // Eligible items by score (input order on ties), as a doubly linked list
  // of those not placed yet: a slot scans it from the best score down.
  if (r.eligible.size() < kRadixSortMinItems) {
    // All of one tier: by score, ties in input order (the same order as the
    // radix sort), with the tail's comparison and so its copy of std::sort.
    r.by_total.assign(r.eligible.begin(), r.eligible.end());
    std::sort(r.by_total.begin(), r.by_total.end(), by_tier_and_score);
  } else {
    SortByScore(total, r.eligible, &r, &r.by_total);
  }
  const auto e_n = static_cast<std::int32_t>(r.by_total.size());
  r.next.resize(static_cast<std::size_t>(e_n));
  r.prev.resize(static_cast<std::size_t>(e_n));
  r.node.assign(n, -1);
  for (std::int32_t p = 0; p < e_n; ++p) {
    r.next[static_cast<std::size_t>(p)] = p + 1 < e_n ? p + 1 : -1;
    r.prev[static_cast<std::size_t>(p)] = p - 1;
    r.node[static_cast<std::size_t>(r.by_total[static_cast<std::size_t>(p)])] = p;
  }
  std::int32_t head = e_n > 0 ? 0 : -1;

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
  const double m = t.mmr_memory;
  r.memory.assign(n, 0.0);
  r.memory_upto.assign(n, 0);
  r.updates.clear();
  r.sims.resize(n);
  Extend(&r.decay_power, &r.decay_base, m, 1.0, n, [&](double prev, std::size_t) { return prev * m; });
  const bool early_stop = m >= 0.0 && m < 1.0;
  const double max_similarity = similarity.Max();
  if (r.cap_similarity != max_similarity) r.cap_base = -1.0;
  r.cap_similarity = max_similarity;
  auto memory_of = [&](std::size_t i) {
    const std::size_t u_n = r.updates.size(), from = r.memory_upto[i];
    if (from == u_n) return r.memory[i];
    double* sims = r.sims.data();
    std::size_t first = from;
    double found = 0.0;  // a lower bound of the up-to-date memory
    for (std::size_t q = u_n; q-- > from;) {
      const std::size_t k = u_n - 1 - q;  // placements after the q-th
      if (early_stop) {
        if (k >= r.memory_cap.size() || r.cap_base != m) {
          Extend(&r.memory_cap, &r.cap_base, m, max_similarity, k, [&](double prev, std::size_t) { return prev * m; });
        }
        if (r.memory_cap[k] <= found) {
          first = q + 1;
          break;
        }
      }
      const double v = similarity(i, static_cast<std::size_t>(r.updates[q]));
      sims[q - from] = v;
      // decay_power[k] and the replayed value are each within k roundings
      // of m^k times their start (while normal: the bound skips subnormals).
      if (r.decay_power[k] > 1e-290) found = std::max(found, v * r.decay_power[k] * (1.0 - 1e-9));
    }
    double memory = first == from ? r.memory[i] : 0.0;
    for (std::size_t q = first; q < u_n; ++q) memory = std::max(memory * m, sims[q - from]);
    r.memory[i] = memory;
    r.memory_upto[i] = static_cast<std::uint32_t>(u_n);
    return memory;
  };
  // pow(creator_factor, k - 1) by k.
  Extend(&r.creator_power, &r.creator_base, t.creator_factor, IntPow(t.creator_factor, -1), n + 1,
         [&](double, std::size_t k) { return IntPow(t.creator_factor, static_cast<int>(k) - 1); });
  Extend(&r.topic_power, &r.topic_base, t.topic_factor, IntPow(t.topic_factor, -1), n + 1,
         [&](double, std::size_t k) { return IntPow(t.topic_factor, static_cast<int>(k) - 1); });
  r.creator_count.assign(static_cast<std::size_t>(shape.max_creator + 1), 0);
  r.topic_placed.assign(static_cast<std::size_t>(max_topic + 1), 0);
  r.topic_count.assign(static_cast<std::size_t>(max_topic + 1), 0);
  std::int32_t last_creator[2] = {-1, -1};
  const int cap = static_cast<int>(std::ceil(t.topic_cap_share * t.topic_cap_top_n));

  // Calibration: p = the person's interest mix; mass[k] = list mass of p's topic k.
  const auto& mix = sc.interest_mix;
  const bool calibrate = o.calibration && !mix.empty();
  r.mass.assign(mix.size(), 0.0);
  r.trial.assign(mix.size(), 0.0);
  double list_items = 0.0;
  if (calibrate) {
    // Every topic of the batch may carry mass, not only main topics.
    r.mix_slot.assign(static_cast<std::size_t>(std::max(max_topic, shape.max_topic) + 1), -1);
    const std::int32_t top = static_cast<std::int32_t>(r.mix_slot.size()) - 1;
    for (std::size_t k = 0; k < mix.size(); ++k) {
      if (mix[k].first <= top) r.mix_slot[static_cast<std::size_t>(mix[k].first)] = static_cast<std::int32_t>(k);
    }
  }
  auto add_mass = [&](std::size_t i, std::vector<double>& mass) {
    if (shape.wsum[i] <= 0.0) return;
    for (int k = b.topic_offsets[i]; k < b.topic_offsets[i + 1]; ++k) {
      const auto ku = static_cast<std::size_t>(k);
      const auto slot = r.mix_slot[static_cast<std::size_t>(b.topic_ids[ku])];
      if (slot >= 0) mass[static_cast<std::size_t>(slot)] += b.topic_weights[ku] / shape.wsum[i];
    }
  };

  auto record = [&](std::int32_t idx, const Choice& ch, double explore, double propensity, bool explored) {
    PlacedSlot p;
    p.index = idx;
    p.explored = explored;
    p.similar = ch.similar;
    p.creator = ch.creator;
    p.topic = ch.topic;
    p.calibration = ch.calibration;
    p.explore = explore;
    p.propensity = propensity;
    r.slots[n_slots++] = p;
  };

  // After an item is shown at `pos`, update what the next choices see.
  auto placed = [&](std::int32_t idx, std::size_t pos, bool update_memory) {
    const auto i = static_cast<std::size_t>(idx);
    if (const std::int32_t p = r.node[i]; p >= 0) {
      const std::int32_t pv = r.prev[static_cast<std::size_t>(p)], nx = r.next[static_cast<std::size_t>(p)];
      if (pv >= 0) r.next[static_cast<std::size_t>(pv)] = nx; else head = nx;
      if (nx >= 0) r.prev[static_cast<std::size_t>(nx)] = pv;
      r.node[i] = -1;
    }
    const std::int32_t cr = b.creator[i];
    if (cr >= 0) ++r.creator_count[static_cast<std::size_t>(cr)];
    last_creator[0] = last_creator[1];
    last_creator[1] = cr;
    if (sc.main_topic[i] >= 0 && !sc.main_tied[i]) {
      ++r.topic_placed[static_cast<std::size_t>(sc.main_topic[i])];
      if (pos < static_cast<std::size_t>(t.topic_cap_top_n)) ++r.topic_count[static_cast<std::size_t>(sc.main_topic[i])];
    }
    if (calibrate && pos < static_cast<std::size_t>(t.calibration_top_n)) {
      add_mass(i, r.mass);
      list_items += 1.0;
    }
    if (update_memory && diverse) {
      r.updates.push_back(idx);
      similarity.Focus(i);
    }
  };

  auto creator_penalty = [&](std::size_t i) {
    if (!diverse || b.creator[i] < 0) return 0.0;
    const int k = r.creator_count[static_cast<std::size_t>(b.creator[i])] + 1;
    if (k < 2) return 0.0;
    const double factor = std::max(t.creator_floor, r.creator_power[static_cast<std::size_t>(k)]);
    return s * (1.0 - factor) * std::max(0.0, total[i]);
  };
  // Topic decay, on what the creator decay left of the positive score.
  auto topic_penalty = [&](std::size_t i, double creator) {
    if (!diverse || sc.main_topic[i] < 0 || sc.main_tied[i]) return 0.0;
    const int k = r.topic_placed[static_cast<std::size_t>(sc.main_topic[i])] + 1;
    if (k < 2) return 0.0;
    const double factor = std::max(t.topic_floor, r.topic_power[static_cast<std::size_t>(k)]);
    return (1.0 - factor) * std::max(0.0, s * std::max(0.0, total[i]) - creator);
  };
  // An upper bound of item i's adjusted score without bringing its memory up
  // to date: each missed step keeps at least mmr_memory times the memory.
  // Calibration and exploration slots never use it (they scan everything).
  auto adjusted_bound = [&](std::size_t i) {
    const std::size_t missed = r.updates.size() - r.memory_upto[i];
    const double memory_floor = r.memory[i] * r.decay_power[missed] * (1.0 - 1e-12);
    const double creator = creator_penalty(i);
    return total[i] - s * d * t.mmr_weight * memory_floor - creator - topic_penalty(i, creator);
  };
  auto evaluate = [&](std::size_t i, std::size_t pos, double kl_now, Choice* ch) {
    ch->index = static_cast<std::int32_t>(i);
    ch->similar = s * d * t.mmr_weight * (diverse ? memory_of(i) : r.memory[i]);
    ch->creator = creator_penalty(i);
    ch->topic = topic_penalty(i, ch->creator);
    ch->calibration = 0.0;
    if (calibrate && pos < static_cast<std::size_t>(t.calibration_top_n)) {
      r.trial = r.mass;
      add_mass(i, r.trial);
      const double kl = CalibrationKl(mix, r.trial.data(), list_items + 1.0, t.calibration_alpha);
      ch->calibration = s * t.calibration_weight * (kl_now - kl);
    }
    ch->adjusted = total[i] - ch->similar - ch->creator - ch->topic + ch->calibration;
  };
  auto allowed = [&](std::size_t i, std::size_t pos) {
    if (!diverse) return true;
    const std::int32_t cr = b.creator[i];
    if (cr >= 0 && last_creator[0] == cr && last_creator[1] == cr) return false;
    const std::int32_t mt = sc.main_topic[i];
    if (pos < static_cast<std::size_t>(t.topic_cap_top_n) && mt >= 0 && !sc.main_tied[i] &&
        r.topic_count[static_cast<std::size_t>(mt)] >= cap) {
      return false;
    }
    return true;
  };

  int used_eligible = 0;
  std::size_t next_tail = 0;
  std::int32_t rest = -1;  // list position of the next item beyond the greedy depth
  for (std::size_t pos = 0; pos < n; ++pos) {
    if (b.flags[pos] & kFlagPinned) {
      record(static_cast<std::int32_t>(pos), Choice{}, 0.0, 1.0, false);
      placed(static_cast<std::int32_t>(pos), pos, used_eligible < depth);
      continue;
    }
    if (used_eligible >= n_eligible) {
      record(r.tail[next_tail++], Choice{}, 0.0, 1.0, false);
      continue;
    }
    if (used_eligible >= depth) {
      // Beyond the greedy part the rest follows by score: the list no longer changes.
      if (used_eligible == depth) rest = head;
      record(r.by_total[static_cast<std::size_t>(rest)], Choice{}, 0.0, 1.0, false);
      rest = r.next[static_cast<std::size_t>(rest)];
      ++used_eligible;
      continue;
    }
    const bool calibrating = calibrate && pos < static_cast<std::size_t>(t.calibration_top_n);
    const double kl_now = calibrating ? CalibrationKl(mix, r.mass.data(), list_items, t.calibration_alpha) : 0.0;
    Choice best_ok, best_any, ch;
    r.pool.clear();
    // Without calibration or exploration in this slot, an item's adjusted
    // score never exceeds its score (the penalties are >= 0): scanning by
    // score, the slot is decided once the next score is below the best
    // allowed adjusted score, and once an allowed item is found, items that
    // are not allowed or cannot reach it are passed over. Otherwise every
    // remaining item is looked at, in input order (as the exploration pool
    // always was).
    auto consider = [&](std::int32_t idx) {
      const auto i = static_cast<std::size_t>(idx);
      evaluate(i, pos, kl_now, &ch);
      const bool ok = allowed(i, pos);
      // Ties keep the earlier input position.
      if (Better(ch, best_any)) best_any = ch;
      if (ok && Better(ch, best_ok)) best_ok = ch;
      if (ok && r.explore_at[pos] && !sc.known[i]) r.pool.push_back(idx);
    };
    if (r.explore_at[pos] || calibrating) {
      for (const std::int32_t idx : r.eligible) {
        if (r.node[static_cast<std::size_t>(idx)] >= 0) consider(idx);
      }
    } else {
      for (std::int32_t p = head; p >= 0; p = r.next[static_cast<std::size_t>(p)]) {
        const auto idx = r.by_total[static_cast<std::size_t>(p)];
        const auto i = static_cast<std::size_t>(idx);
        if (best_ok.index >= 0) {
          if (total[i] < best_ok.adjusted) break;
          // Only best_ok can be picked now.
          if (!allowed(i, pos)) continue;
          // Cannot reach the best allowed choice even with the least memory it may have (1e-9: rounding margin).
          if (diverse && adjusted_bound(i) + 1e-9 < best_ok.adjusted) continue;
        }
        consider(idx);
      }
    }
    Choice pick = best_ok.index >= 0 ? best_ok : best_any;
    double explore = 0.0, propensity = 1.0;
    auto& pool = r.pool;
    if (!pool.empty()) {
      // Topic-level draw: the items outside known interests grouped by main
      // topic, each group's best item (by adjusted score); one group drawn
      // with probability proportional to that item's positive adjusted
      // score raised to `explore_power` (0 = uniformly, so a few popular
      // topics cannot crowd the pool), and its best item placed.
      // Propensity = the probability of that draw.
      std::sort(pool.begin(), pool.end(), [&](std::int32_t x, std::int32_t z) {
        const auto tx = sc.main_topic[static_cast<std::size_t>(x)], tz = sc.main_topic[static_cast<std::size_t>(z)];
        return tx != tz ? tx < tz : x < z;
      });
      r.group_best.clear();
      Choice trial;
      for (std::size_t q = 0; q < pool.size(); ++q) {
        const auto idx = static_cast<std::size_t>(pool[q]);
        if (q == 0 || sc.main_topic[idx] != sc.main_topic[static_cast<std::size_t>(pool[q - 1])]) r.group_best.emplace_back();
        evaluate(idx, pos, kl_now, &trial);
        if (trial.adjusted > r.group_best.back().adjusted) r.group_best.back() = trial;
      }
      const std::size_t groups = r.group_best.size();
      r.group_weight.resize(groups);
      double weight_sum = 0.0;
      for (std::size_t g = 0; g < groups; ++g) {
        r.group_weight[g] = t.explore_power > 0 ? IntPow(std::max(0.0, r.group_best[g].adjusted), t.explore_power) : 1.0;
        weight_sum += r.group_weight[g];
      }
      if (!(weight_sum > 0.0) || !std::isfinite(weight_sum)) {
        std::fill(r.group_weight.begin(), r.group_weight.end(), 1.0);
        weight_sum = static_cast<double>(groups);
      }
      // The first group whose cumulative weight passes the draw (the last
      // weighted one when rounding leaves the draw beyond them all).
      const double u = rng.NextDouble() * weight_sum;
      std::size_t g = 0;
      double cumulative = 0.0;
      for (std::size_t q = 0; q < groups; ++q) {
        if (r.group_weight[q] <= 0.0) continue;
        g = q;
        cumulative += r.group_weight[q];
        if (u < cumulative) break;
      }
      const double best = pick.adjusted;
      pick = r.group_best[g];
      // The lift the explored item needed to win this slot.
      explore = std::max(0.0, best - pick.adjusted);
      propensity = r.group_weight[g] / weight_sum;
    }
    record(pick.index, pick, explore, propensity, !pool.empty());
    placed(pick.index, pos, true);
    ++used_eligible;
  }

  // Output, rank by rank: the score stage's reasons, then this stage's. A
  // score is its reasons added up in that order.
  std::size_t count = 0;
  for (std::size_t rank = 0; rank < n_slots; ++rank) {
    const PlacedSlot& p = r.slots[rank];
    const auto i = static_cast<std::size_t>(p.index);
    count += static_cast<std::size_t>(sc.offsets[i + 1] - sc.offsets[i]) + ((b.flags[i] & kFlagPinned) ? 1 : 0) +
             (p.similar != 0.0) + (p.creator != 0.0) + (p.topic != 0.0) + (p.calibration != 0.0) + (p.explored ? 1 : 0);
  }
  out->order.resize(n);
  out->score.resize(n);
  out->propensity.resize(n);
  out->reason_offsets.resize(n + 1);
  out->reason_kind.resize(count);
  out->reason_label.resize(count);
  out->reason_value.resize(count);
  std::int32_t* kind = out->reason_kind.data();
  std::int32_t* label = out->reason_label.data();
  double* value = out->reason_value.data();
  std::size_t w = 0;
  auto put = [&](ReasonKind k, std::int32_t l, double v) {
    kind[w] = static_cast<std::int32_t>(k);
    label[w] = l;
    value[w] = v;
    ++w;
  };
  out->reason_offsets[0] = 0;
  for (std::size_t rank = 0; rank < n_slots; ++rank) {
    const PlacedSlot& p = r.slots[rank];
    const auto i = static_cast<std::size_t>(p.index);
    out->order[rank] = p.index;
    out->propensity[rank] = p.propensity;
    if (b.flags[i] & kFlagPinned) put(ReasonKind::kPinned, -1, 0.0);
    // Bounds read once: the int32 stores below could alias sc.offsets.
    const ScoredReason* e = sc.reasons.data() + sc.offsets[i];
    const ScoredReason* const e_end = sc.reasons.data() + sc.offsets[i + 1];
    for (; e != e_end; ++e, ++w) {
      kind[w] = e->kind;
      label[w] = e->label;
      value[w] = e->value;
    }
    double score = sc.reason_sum[i];
    const std::pair<std::int32_t, double> extra[] = {{kDiversityLabelSimilar, -p.similar},
                                                     {kDiversityLabelCreator, -p.creator},
                                                     {kDiversityLabelTopic, -p.topic},
                                                     {kDiversityLabelCalibration, p.calibration}};
    for (const auto& [l, v] : extra) {
      if (v == 0.0) continue;
      put(ReasonKind::kDiversity, l, v);
      score += v;
    }
    if (p.explored) {
      put(ReasonKind::kExplore, -1, p.explore);
      score += p.explore;
    }
    out->score[rank] = score;
    out->reason_offsets[rank + 1] = static_cast<std::int32_t>(w);
  }
}

}  // namespace localrank
