// SPDX-License-Identifier: MIT
// The person's learnt blend of ranking signals (model.h).
#include "localrank/model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "localrank/config.h"

namespace localrank {

namespace {
constexpr const char* kSignalNames[kModelParams] = {"server", "topic",   "creator",   "embedding",
                                                   "rate",   "context", "freshness", "position"};
}  // namespace

const char* SignalName(int param) {
  return param >= 0 && param < kModelParams ? kSignalNames[param] : "";
}

bool ParseSignal(const char* name, int* out) {
  for (int k = 0; k < kModelParams; ++k) {
    if (std::strcmp(name, kSignalNames[k]) == 0) {
      *out = k;
      return true;
    }
  }
  return false;
}

std::array<double, kModelParams> PriorMean(const Config& c) {
  std::array<double, kModelParams> w{};
  w[static_cast<int>(Signal::kServer)] = c.w_server;
  w[static_cast<int>(Signal::kTopic)] = c.w_topic;
  w[static_cast<int>(Signal::kCreator)] = c.w_creator;
  w[static_cast<int>(Signal::kEmbedding)] = c.w_embedding;
  w[static_cast<int>(Signal::kRate)] = c.w_rate;
  w[static_cast<int>(Signal::kContext)] = c.w_context;
  w[static_cast<int>(Signal::kFreshness)] = c.w_freshness;
  w[kPositionParam] = c.w_position;
  return w;
}

std::array<double, kSignalCount> ModelWeights(const Config& c, const PersonModel& m) {
  const std::array<double, kModelParams> prior = PriorMean(c);
  std::array<double, kSignalCount> w;
  std::copy_n(prior.begin(), kSignalCount, w.begin());
  if (m.empty()) return w;
  for (int k = 0; k < kSignalCount; ++k) {
    w[static_cast<std::size_t>(k)] =
        std::clamp(w[static_cast<std::size_t>(k)] + m.shift[static_cast<std::size_t>(k)], -kMaxModelWeight, kMaxModelWeight);
  }
  return w;
}

bool LearnChoice(const Config& c, LearnMemo* memo, int rank, bool positive, PersonModel* m) {
  const int n = static_cast<int>(memo->items.size());
  if (rank < 0 || rank >= n) return false;
  const int hi = std::min(n - 1, std::max(rank, kChoiceWindow - 1));
  if (hi <= 0) return false;
  const std::array<double, kModelParams> prior_mean = PriorMean(c);
  std::array<double, kModelParams> w;
  for (int k = 0; k < kModelParams; ++k) {
    const auto ku = static_cast<std::size_t>(k);
    w[ku] = std::clamp(prior_mean[ku] + m->shift[ku], -kMaxModelWeight, kMaxModelWeight);
  }
  // The choice set's probabilities under the current parameters: a softmax
  // of choice_scale * score + position term for a choice; for a rejection,
  // of the negated score (the position term stays: what is seen first is
  // also what gets hidden first).
  const double sign = positive ? 1.0 : -1.0;
  const double scale = c.choice_scale;
  double x[kMemoRanks][kModelParams];
  double prob[kMemoRanks];
  double top = -INFINITY;
  for (int j = 0; j <= hi; ++j) {
    const LearnItem& it = memo->items[static_cast<std::size_t>(j)];
    double score = it.fixed;
    for (int k = 0; k < kSignalCount; ++k) {
      x[j][k] = sign * scale * static_cast<double>(it.signals[static_cast<std::size_t>(k)]);
      score += w[static_cast<std::size_t>(k)] * it.signals[static_cast<std::size_t>(k)];
    }
    x[j][kPositionParam] = -std::log2(1.0 + j);
    const double z = sign * scale * score + w[kPositionParam] * x[j][kPositionParam];
    prob[j] = std::isfinite(z) ? z : 0.0;
    top = std::max(top, prob[j]);
  }
  double total = 0.0;
  for (int j = 0; j <= hi; ++j) {
    prob[j] = std::exp2((prob[j] - top) * 1.4426950408889634);  // e^(z - top)
    total += prob[j];
  }
  for (int j = 0; j <= hi; ++j) prob[j] /= total;
  // Gradient and diagonal Hessian of the choice's log-likelihood at the
  // current mean: g = x_chosen - E[x], H = Var[x] (x: each parameter's
  // multiplier in the logit). One Newton step on the log posterior (prior,
  // evidence so far, this choice), then the choice's curvature joins the
  // evidence.
  for (int k = 0; k < kModelParams; ++k) {
    const auto ku = static_cast<std::size_t>(k);
    double mean = 0.0, second = 0.0;
    for (int j = 0; j <= hi; ++j) {
      mean += prob[j] * x[j][k];
      second += prob[j] * x[j][k] * x[j][k];
    }
    const double h = std::max(0.0, second - mean * mean);
    const double g = x[rank][k] - mean;
    if (g == 0.0 && h == 0.0) continue;
    const double step = g / (c.model_precision + m->evidence[ku] + h);
    if (!std::isfinite(step)) continue;
    m->shift[ku] = std::clamp(w[ku] + step, -kMaxModelWeight, kMaxModelWeight) - prior_mean[ku];
    m->evidence[ku] = std::min(kMaxModelEvidence, m->evidence[ku] + h);
  }
  if (m->choices < UINT32_MAX) ++m->choices;
  memo->items[static_cast<std::size_t>(rank)].used = true;
  return true;
}

}  // namespace localrank
