// SPDX-License-Identifier: MIT
// Private to ranker.cpp (its only includer): the per-item part of the score
// stage, one function per term (topics, creator, freshness, embedding,
// fatigue, the filter tier) over the per-id terms ScoreStage prepared.
// Kept in the hot translation unit of ScoreStage so that every term is
// inlined into its item loop, as before the split.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "localrank/stages.h"

#include "rank/kernels.h"
#include "rank/scratch.h"
#include "util/int_pow.h"

namespace localrank {
namespace {

// One item's score as it is built: its reasons (each also added to `rsum`),
// the score, and what the tiers and the learner need.
struct ItemScore {
  StoredReason* w;  // where the next reason goes (ScoredBatch::reasons)
  double rsum = 0.0;
  double total = 0.0;
  double controls = 0.0;  // the part no learnt weight multiplies: more/less and fatigue
  bool known = false;
  ReasonLabel never = ReasonLabel{};  // the topic or creator the person asked never to see (kNone: none)
  // Signal values (model.h), unweighted.
  double f_topic = 0.0, f_rate = 0.0, f_context = 0.0, f_creator = 0.0, f_fresh = 0.0, f_embedding = 0.0;
  LOCALRANK_INLINE void Add(ReasonKind k, LabelKind lk, std::int32_t l, double v) {
    *w++ = StoredReason(k, ReasonLabel{lk, l}, v);
    rsum += v;
  }
  LOCALRANK_INLINE void Never(LabelKind lk, std::int32_t l) { never = ReasonLabel{lk, l}; }
};

// What the topic loop found of an item besides its reasons.
struct TopicPart {
  std::int32_t main_topic = -1;
  bool tied = false;  // the heaviest weight is shared: no one topic is the item's own
  double context = 0.0, adjust = 0.0, fatigue = 0.0;
  std::int32_t fatigue_topic = -1;
};

// The per-item scoring: the call's constants, and one function per term.
class ItemScorer {
 public:
  ItemScorer(const Config& c, const RankTuning& t, const Profile& profile, const CandidateBatch& b,
             const BatchShape& shape, const ScoreScratch& sc, const std::array<double, kSignalCount>& weight,
             std::int32_t ctx_label, double now, double s, const double* server, ScoredBatch* out)
      : c_(c), ft_(t.fatigue), b_(b), shape_(shape), sc_(sc), profile_(profile), ctx_label_(ctx_label), now_(now),
        s_(s), server_(server) {
    const auto W = [&](Signal k) { return weight[static_cast<std::size_t>(k)]; };
    server_w_ = (1.0 - s) + s * W(Signal::kServer);
    use_embeddings_ = c.dim > 0 && !b.embeddings.empty() && !profile.user_vector.empty();
    // The cosine of the user vector and an item, with the user vector's norm taken once.
    user_fits_ = use_embeddings_ && shape.dim > 0 && profile.user_vector.size() == static_cast<std::size_t>(c.dim);
    user_sq_ = user_fits_ ? static_cast<double>(kernels::SquaredNorm(profile.user_vector.data(), c.dim)) : 0.0;
    s_topic_ = s * W(Signal::kTopic);
    s_context_ = s * W(Signal::kContext);
    s_adjust_ = s * kAdjustStep;
    s_creator_ = s * W(Signal::kCreator);
    s_fresh_ = s * W(Signal::kFreshness);
    s_embedding_ = s * W(Signal::kEmbedding);
    s_rate_ = s * W(Signal::kRate);
    known_interest_ = t.known_interest;
    topic_terms_ = sc.topics.data();
    creator_terms_ = sc.creators.data();
    share_of_ = shape.share.data();
    signals_out_ = out->signals.data();
    fixed_out_ = out->fixed.data();
    main_topic_out_ = out->main_topic.data();
    main_tied_out_ = out->main_tied.data();
    tier_out_ = out->tier.data();
    known_out_ = out->known.data();
    total_out_ = out->total.data();
    reason_sum_out_ = out->reason_sum.data();
    offsets_out_ = out->reasons.offsets.data();
  }

  // Scores item i, writing its reasons from `w`; returns the end of them.
  LOCALRANK_INLINE StoredReason* Score(std::size_t i, StoredReason* w, const StoredReason* w0) {
    ItemScore it{w};
    const double server_part = server_w_ * server_[i];
    it.total = server_part;
    it.Add(ReasonKind::kServer, LabelKind::kNone, -1, it.total);
    const TopicPart tp = Topics(i, &it);
    main_topic_out_[i] = tp.main_topic;
    main_tied_out_[i] = tp.tied ? 1 : 0;
    if (tp.context != 0.0) it.Add(ReasonKind::kContext, LabelKind::kContext, ctx_label_, tp.context);
    it.total += tp.context + tp.adjust;
    it.controls = tp.adjust;
    const std::int32_t cr = b_.creator[i];
    const CreatorTerms* ct = cr >= 0 ? &creator_terms_[static_cast<std::uint32_t>(cr)] : nullptr;
    if (ct) Creator(cr, *ct, &it);
    if (!std::isnan(b_.published_at[i])) Freshness(i, &it);
    if (use_embeddings_) Embedding(i, &it);
    WriteSignals(i, it);
    // Fatigue: what was shown without engagement counts against it for a while.
    const auto slot = static_cast<std::size_t>(sc_.item_slot[i]);
    const double seen = sc_.key_shown[slot];
    Fatigue(seen, cr, ct, tp, &it);
    tier_out_[i] = FilterTier(i, slot, seen, &it);
    fixed_out_[i] = static_cast<float>(it.controls / s_);
    known_out_[i] = it.known ? 1 : 0;
    total_out_[i] = it.total;
    reason_sum_out_[i] = it.rsum;
    offsets_out_[i + 1] = static_cast<std::int32_t>(it.w - w0);
    return it.w;
  }

 private:
  // Topic, engagement-rate, context and more/less terms over the item's
  // topics (by share), its main topic, and its `never` label if any.
  LOCALRANK_INLINE TopicPart Topics(std::size_t i, ItemScore* it) const {
    TopicPart tp;
    const int t0 = b_.topic_offsets[i], t1 = b_.topic_offsets[i + 1];
    const std::int32_t* topic_ids = b_.topic_ids.data();
    const float* topic_weights = b_.topic_weights.data();
    double main_w = -1.0;
    if (shape_.wsum[i] > 0.0) {
      const double s_rate_server = s_rate_ * server_[i];
      double worst_topic_fatigue = 0.0;
      for (int k = t0; k < t1; ++k) {
        const std::int32_t id = topic_ids[k];
        const float wk = topic_weights[k];
        if (wk > main_w) {
          main_w = wk;
          tp.main_topic = id;
          tp.tied = false;
        } else if (wk == main_w) {
          tp.tied = true;
        }
        // The fields this loop reads, before the reasons' stores (which the
        // compiler must assume may write them).
        const TopicTerms& terms = topic_terms_[static_cast<std::uint32_t>(id)];
        const double global_tanh = terms.global_tanh, lift_excess = terms.lift_excess;
        const double context_diff = terms.context_diff, preference_sign = terms.preference_sign;
        const double fatigue_term = terms.fatigue;
        if (terms.preference == Preference::kNever) it->Never(LabelKind::kTopic, id);
        const double share = share_of_[k];
        it->f_topic += share * global_tanh;
        it->f_rate += share * lift_excess;
        it->f_context += share * context_diff;
        const double v = s_topic_ * share * global_tanh;
        if (v != 0.0) it->Add(ReasonKind::kTopic, LabelKind::kTopic, id, v);
        it->known |= std::fabs(v) > known_interest_;
        it->total += v;
        if (lift_excess != 0.0) {
          // Engagement rate: the server part scaled by how much more (or
          // less) often than average the person engages with the topic when
          // shown (the lift to RankTuning::rate_power).
          const double r = s_rate_server * share * lift_excess;
          if (r != 0.0) it->Add(ReasonKind::kRate, LabelKind::kTopic, id, r);
          it->total += r;
        }
        if (ctx_label_ >= 0) tp.context += s_context_ * share * context_diff;
        if (preference_sign != 0.0) {
          const double a = s_adjust_ * share * preference_sign;
          it->Add(ReasonKind::kAdjustment, LabelKind::kTopic, id, a);
          tp.adjust += a;
          it->known = true;
        }
        const double tf = share * fatigue_term;
        tp.fatigue += tf;
        if (tf > worst_topic_fatigue) {
          worst_topic_fatigue = tf;
          tp.fatigue_topic = id;
        }
      }
    } else {
      // Weightless topics only name the main topic and `never`.
      for (int k = t0; k < t1; ++k) {
        const std::int32_t id = topic_ids[k];
        const float wk = topic_weights[k];
        if (wk > main_w) {
          main_w = wk;
          tp.main_topic = id;
        }
        if (topic_terms_[static_cast<std::uint32_t>(id)].preference == Preference::kNever) it->Never(LabelKind::kTopic, id);
      }
    }
    return tp;
  }

  // Creator affinity and the creator's more/less/never.
  LOCALRANK_INLINE void Creator(std::int32_t cr, const CreatorTerms& ct, ItemScore* it) const {
    it->f_creator = ct.affinity_tanh;
    const double v = s_creator_ * ct.affinity_tanh;
    if (v != 0.0) it->Add(ReasonKind::kCreator, LabelKind::kCreator, cr, v);
    it->known |= std::fabs(v) > known_interest_;
    it->total += v;
    if (ct.preference == Preference::kNever) it->Never(LabelKind::kCreator, cr);
    const double sign = ct.preference_sign;
    if (sign != 0.0) {
      const double a = s_adjust_ * sign;
      it->Add(ReasonKind::kAdjustment, LabelKind::kCreator, cr, a);
      it->total += a;
      it->controls += a;
      it->known = true;
    }
  }

  LOCALRANK_INLINE void Freshness(std::size_t i, ItemScore* it) const {
    const double age = std::max(0.0, now_ - b_.published_at[i]);
    it->f_fresh = std::exp2(-age / c_.freshness_half_life_ms);
    const double v = s_fresh_ * it->f_fresh;
    if (v != 0.0) it->Add(ReasonKind::kFreshness, LabelKind::kNone, -1, v);
    it->total += v;
  }

  // Cosine of the user vector and the item's embedding.
  LOCALRANK_INLINE void Embedding(std::size_t i, ItemScore* it) const {
    double similarity = 0.0;
    if (user_fits_) {
      const double dot =
          kernels::Dot(profile_.user_vector.data(), b_.embeddings.data() + i * static_cast<std::size_t>(c_.dim), c_.dim);
      const double ne = shape_.sq_norm[i];
      if (user_sq_ > 0.0 && ne > 0.0) similarity = dot / std::sqrt(user_sq_ * ne);
    }
    it->f_embedding = similarity;
    const double v = s_embedding_ * similarity;
    if (v != 0.0) it->Add(ReasonKind::kEmbedding, LabelKind::kNone, -1, v);
    it->known |= std::fabs(v) > known_interest_;
    it->total += v;
  }

  // The learner's view of the item (model.h).
  LOCALRANK_INLINE void WriteSignals(std::size_t i, const ItemScore& it) const {
    float* const f = signals_out_ + i * kSignalCount;
    f[static_cast<int>(Signal::kServer)] = static_cast<float>(server_[i]);
    f[static_cast<int>(Signal::kTopic)] = static_cast<float>(it.f_topic);
    f[static_cast<int>(Signal::kCreator)] = static_cast<float>(it.f_creator);
    f[static_cast<int>(Signal::kEmbedding)] = static_cast<float>(it.f_embedding);
    f[static_cast<int>(Signal::kRate)] = static_cast<float>(it.f_rate * server_[i]);
    f[static_cast<int>(Signal::kContext)] = static_cast<float>(ctx_label_ >= 0 ? it.f_context : 0.0);
    f[static_cast<int>(Signal::kFreshness)] = static_cast<float>(it.f_fresh);
  }

  // Item, creator and topic fatigue.
  LOCALRANK_INLINE void Fatigue(double seen, std::int32_t cr, const CreatorTerms* ct, const TopicPart& tp,
                                ItemScore* it) const {
    if (seen > 0.0) {
      const double v = -s_ * std::min(ft_.item_max, ft_.item_step * seen);
      it->Add(ReasonKind::kFatigue, LabelKind::kNone, -1, v);
      it->total += v;
      it->controls += v;
    }
    if (ct && ct->shown > 0.0) {
      const double v = -s_ * std::min(ft_.creator_max, ft_.creator_step * ct->shown);
      it->Add(ReasonKind::kFatigue, LabelKind::kCreator, cr, v);
      it->total += v;
      it->controls += v;
    }
    if (tp.fatigue > 0.0) {  // then some topic's share of it is > 0: fatigue_topic names one
      const double v = -s_ * tp.fatigue;
      it->Add(ReasonKind::kFatigue, LabelKind::kTopic, tp.fatigue_topic, v);
      it->total += v;
      it->controls += v;
    }
  }

  // The filter tier (the strongest reason wins), with its reason.
  LOCALRANK_INLINE Tier FilterTier(std::size_t i, std::size_t slot, double seen, ItemScore* it) const {
    const bool repeated = sc_.item_repeated[i] != 0;
    const bool pinned = (b_.flags[i] & kFlagPinned) != 0;
    if (it->never.kind != LabelKind::kNone) {
      it->Add(ReasonKind::kNever, it->never.kind, it->never.id, 0.0);
      return Tier::kNever;
    }
    if (repeated && !pinned) {
      it->Add(ReasonKind::kDuplicate, LabelKind::kNone, -1, 0.0);
      return Tier::kDuplicate;
    }
    if (!pinned && sc_.key_opened[slot]) {
      it->Add(ReasonKind::kSeen, LabelKind::kPart, static_cast<std::int32_t>(ReasonPart::kOpened), 0.0);
      return Tier::kSeen;
    }
    if (seen >= ft_.item_seen_limit && !pinned) {
      it->Add(ReasonKind::kSeen, LabelKind::kNone, -1, 0.0);
      return Tier::kSeen;
    }
    return Tier::kEligible;
  }

  const Config& c_;
  const FatigueTuning& ft_;
  const CandidateBatch& b_;
  const BatchShape& shape_;
  const ScoreScratch& sc_;
  const Profile& profile_;
  const std::int32_t ctx_label_;
  const double now_, s_;
  const double* const server_;
  double server_w_;
  bool use_embeddings_, user_fits_;
  double user_sq_;
  double s_topic_, s_context_, s_adjust_, s_creator_, s_fresh_, s_embedding_, s_rate_;
  double known_interest_;
  const TopicTerms* topic_terms_;
  const CreatorTerms* creator_terms_;
  const double* share_of_;
  float* signals_out_;
  float* fixed_out_;
  std::int32_t* main_topic_out_;
  std::uint8_t* main_tied_out_;
  Tier* tier_out_;
  std::uint8_t* known_out_;
  double* total_out_;
  double* reason_sum_out_;
  std::int32_t* offsets_out_;
};

}  // namespace
}  // namespace localrank
