// SPDX-License-Identifier: MIT
// The person's own blend of the ranking signals, learnt on the device.
//
// A score is a weighted sum of signals (the server's score, topic and creator
// affinity, embedding similarity, engagement-rate lift, context, freshness)
// plus the explicit controls (more/less, fatigue), which are not learnt. The
// weights are a diagonal Gaussian posterior, centred on the global prior (the
// Config weights) before any evidence: with no evidence a person gets the
// prior's blend. Evidence is what the person chose among the items the device
// itself ranked: an engagement with the item at rank r says it was preferred
// to the items ranked above it (passed over, "skip-above"); a hide, not
// interested or report says the item was the worst among it and the items
// just below. Each such choice is one observation of a conditional logit
// (softmax over the choice set), folded into the posterior with one diagonal
// Newton (Laplace) step, as in online Bayesian logistic regression
// (Chapelle & Li 2011). Only the shift from the prior and the precision the
// evidence added are stored, so a site that ships a new prior moves everyone
// who has not learnt otherwise.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace localrank {

struct Config;

/// The signals a score blends, in the order of PersonModel's arrays.
enum class Signal : int { kServer = 0, kTopic, kCreator, kEmbedding, kRate, kContext, kFreshness };
constexpr int kSignalCount = 7;
/// The model's parameters: the signals' weights, then the position term. A
/// person is more likely to engage with what is shown first whatever it is;
/// the position term explains that part of their choices (in log-odds per
/// halving of the rank, log2(1 + rank)) so it is not taken for a preference
/// of the signals that put those items first. It never moves a score.
constexpr int kPositionParam = kSignalCount;
constexpr int kModelParams = kSignalCount + 1;
/// "server", "topic", ..., "position" (the keys of the model's JSON and of the `model` option).
const char* SignalName(int param);
bool ParseSignal(const char* name, int* out);

/// Bounds of a learnt weight and of the precision evidence can add.
constexpr double kMaxModelWeight = 8.0;
constexpr double kMaxModelEvidence = 1e4;

/// The learnt part of a person's model (profile state).
struct PersonModel {
  /// Posterior mean minus the prior mean, per parameter.
  std::array<double, kModelParams> shift{};
  /// Precision added by evidence (the posterior's is the prior's plus this).
  std::array<double, kModelParams> evidence{};
  /// Choices learnt from.
  std::uint32_t choices = 0;

  bool empty() const { return choices == 0; }
  void Clear() { *this = PersonModel(); }
};

/// The prior mean of every parameter (Config's weights and position bias).
std::array<double, kModelParams> PriorMean(const Config& c);

/// The weights a score uses: prior mean + shift, within [0, kMaxModelWeight].
std::array<double, kSignalCount> ModelWeights(const Config& c, const PersonModel& m);

/// One ranked item as the learner sees it: its key, the signal values the
/// score stage computed, and the rest of its score (controls, fatigue).
struct LearnItem {
  double key = 0.0;
  std::array<float, kSignalCount> signals{};
  float fixed = 0.0f;
  bool used = false;  ///< already learnt from (one choice per item and ranking)
};

/// What the device remembers of its last ranking to learn from (not profile
/// state: it lives for the session and is cleared with the profile).
struct LearnMemo {
  std::vector<LearnItem> items;  ///< by rank, eligible items only
  double at = 0.0;               ///< time of the ranking
  void Clear() { items.clear(); }
};

/// Ranks of a ranking the learner remembers, and how many of the latest
/// rankings it remembers (a feed that loads more posts ranks the rest again).
constexpr int kMemoRanks = 100;
constexpr int kMemoRankings = 4;

/// The items of the last ranking a choice is made among: the first
/// kChoiceWindow ranks (what a person sees of a feed first), and every rank
/// down to the chosen item when it was ranked lower. Contrasting a click only
/// with the items above it (skip-above) would learn to undo whatever put
/// items on top, since a click on the first item would teach nothing.
constexpr int kChoiceWindow = 10;

/// Folds one choice into `m`: the item at rank `rank` of `memo` was chosen
/// (`positive`) or rejected among its contrast set. Returns false (and
/// changes nothing) when the set has no other item.
bool LearnChoice(const Config& c, LearnMemo* memo, int rank, bool positive, PersonModel* m);

}  // namespace localrank
