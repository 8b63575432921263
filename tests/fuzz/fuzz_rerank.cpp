// SPDX-License-Identifier: MIT
// Fuzz target: arbitrary bytes -> name tables, a profile built from events,
// explicit preferences, a candidate batch and rerank options -> Engine::Rerank.
// Invariants on success: the order is a permutation of the input indices,
// pinned items keep their slot, scores are finite, every item's reasons add up
// to its score, strength 0 returns the input order, and the same inputs on a
// second engine give the same result. On failure: an empty result and an
// unchanged profile.
#include <algorithm>
#include <vector>

#include "fuzz_input.h"

namespace localrank::fuzz {
namespace {

void FillCandidates(FuzzedDataProvider& in, Engine& e) {
  CandidateBatch& b = e.candidates();
  const bool strict = in.ConsumeIntegralInRange<int>(0, 3) != 0;
  const auto n = static_cast<std::size_t>(in.ConsumeIntegralInRange<int>(0, 48));
  b.Resize(n);
  b.topic_ids.clear();
  b.topic_weights.clear();
  b.embeddings.clear();
  b.topic_offsets[0] = 0;
  const int dim = e.config().dim;
  const bool with_embeddings = dim > 0 && in.ConsumeBool();
  const bool all_scored = in.ConsumeBool();
  for (std::size_t i = 0; i < n; ++i) {
    b.key[i] = strict ? static_cast<double>(in.ConsumeIntegral<std::uint32_t>()) : Number(in, 0, 9007199254740991.0);
    b.server_score[i] = strict ? (all_scored ? in.ConsumeFloatingPointInRange<double>(-1e300, 1e300) : std::nan(""))
                               : Number(in, -1, 1);
    b.published_at[i] = strict ? (in.ConsumeBool() ? std::nan("") : kNow - in.ConsumeFloatingPointInRange<double>(-1e9, 1e11))
                               : Number(in, 0, 2 * kNow);
    b.creator[i] = strict ? (e.names(NameKind::kCreator).size() > 0 && in.ConsumeBool()
                                 ? in.ConsumeIntegralInRange<std::int32_t>(
                                       0, static_cast<std::int32_t>(e.names(NameKind::kCreator).size()) - 1)
                                 : -1)
                          : NameId(in, e, NameKind::kCreator, true);
    b.flags[i] = in.ConsumeIntegralInRange<int>(0, 7) == 0 ? kFlagPinned : 0;
    const int topics = in.ConsumeIntegralInRange<int>(0, strict ? 4 : kMaxTopicsPerItem + 1);
    for (int k = 0; k < topics && (!strict || e.names(NameKind::kTopic).size() > 0); ++k) {
      b.topic_ids.push_back(strict ? in.ConsumeIntegralInRange<std::int32_t>(
                                         0, static_cast<std::int32_t>(e.names(NameKind::kTopic).size()) - 1)
                                   : NameId(in, e, NameKind::kTopic, false));
      b.topic_weights.push_back(strict ? in.ConsumeFloatingPointInRange<float>(0, 3) : Float(in, -1, 3));
    }
    b.topic_offsets[i + 1] = static_cast<std::int32_t>(b.topic_ids.size());
    if (with_embeddings) {
      for (int k = 0; k < dim; ++k) {
        b.embeddings.push_back(strict ? in.ConsumeFloatingPointInRange<float>(-1e3f, 1e3f) : Float(in, -1, 1));
      }
    }
  }
  if (!strict && in.ConsumeIntegralInRange<int>(0, 7) == 0) {
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
      case 0: if (n > 0) b.topic_offsets[in.ConsumeIntegralInRange<std::size_t>(0, n)] = in.ConsumeIntegral<std::int8_t>(); break;
      case 1: b.server_score.push_back(0.5); break;
      case 2: b.topic_ids.push_back(0); break;
      case 3: b.embeddings.push_back(0.5f); break;
      case 4: if (n > 0) b.flags.pop_back(); break;
    }
  }
  RerankOptions& o = e.options();
  o.strength = in.ConsumeIntegralInRange<int>(0, 3) == 0 ? 0.0 : strict ? in.ConsumeProbability<double>() : Number(in, 0, 1);
  o.diversity = in.ConsumeProbability<double>();
  o.exploration = in.ConsumeProbability<double>() * 0.5;
  o.calibration = in.ConsumeBool();
  o.context_ids.clear();
  const int contexts = in.ConsumeIntegralInRange<int>(0, 3);
  for (int k = 0; k < contexts && e.names(NameKind::kContext).size() > 0; ++k) {
    o.context_ids.push_back(in.ConsumeIntegralInRange<std::int32_t>(
        0, static_cast<std::int32_t>(e.names(NameKind::kContext).size()) - 1));
  }
}

void CheckResult(Engine& e) {
  const CandidateBatch& b = e.candidates();
  const RankResult& r = e.result();
  const std::size_t n = b.size();
  Check(r.order.size() == n && r.score.size() == n && r.propensity.size() == n, "one result row per item");
  for (const ReasonList* c : {&r.by_item, &r.by_rank}) {
    Check(c->offsets.size() == n + 1 && c->offsets[0] == 0 && c->Count() <= c->reasons.size(),
          "reason arrays are consistent");
    for (std::size_t e = 0; e < n; ++e) Check(c->offsets[e + 1] >= c->offsets[e], "reason offsets do not decrease");
  }
  std::vector<char> seen(n, 0);
  for (std::size_t rank = 0; rank < n; ++rank) {
    const std::int32_t i = r.order[rank];
    Check(i >= 0 && static_cast<std::size_t>(i) < n && !seen[static_cast<std::size_t>(i)], "order is a permutation");
    seen[static_cast<std::size_t>(i)] = 1;
    if (b.flags[static_cast<std::size_t>(i)] & kFlagPinned) Check(static_cast<std::size_t>(i) == rank, "pinned items keep their slot");
    if (e.options().strength == 0.0) Check(static_cast<std::size_t>(i) == rank, "strength 0 keeps the input order");
    Check(std::isfinite(r.score[rank]), "scores are finite");
    Check(r.propensity[rank] > 0.0 && r.propensity[rank] <= 1.0, "propensities are in (0, 1]");
    double sum = 0.0, scale = 1.0;
    for (const RankedReason& x : r.ReasonsAt(rank)) {
      Check(x.kind >= 0 && x.kind < static_cast<int>(ReasonKind::kCount), "reason kinds are known");
      Check(std::isfinite(x.value), "reason contributions are finite");
      sum += x.value;
      scale += std::fabs(x.value);
    }
    Check(std::fabs(sum - r.score[rank]) <= 1e-9 * scale, "reasons add up to the score");
  }
}

}  // namespace
}  // namespace localrank::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace localrank;
  using namespace localrank::fuzz;
  FuzzedDataProvider in(data, size);
  Engine e;
  Setup(in, e);
  FillEvents(in, e, 24, /*strict=*/true);
  Check(e.Record(kNow).ok(), "valid events are recorded");
  const int adjustments = in.ConsumeIntegralInRange<int>(0, 3);
  for (int k = 0; k < adjustments; ++k) {
    const NameKind kind = in.ConsumeBool() ? NameKind::kTopic : NameKind::kCreator;
    if (e.names(kind).size() == 0) continue;
    const auto id = in.ConsumeIntegralInRange<std::int32_t>(0, static_cast<std::int32_t>(e.names(kind).size()) - 1);
    Check(e.Adjust(kind, id, static_cast<Preference>(in.ConsumeIntegralInRange<int>(0, 3))).ok(), "valid adjustments apply");
  }
  FillCandidates(in, e);
  const double now = in.ConsumeIntegralInRange<int>(0, 31) == 0 ? Number(in, 0, 2 * kNow) : kNow;
  const std::string before = e.ExportJson(kNow);
  const Status s = e.Rerank(now);
  Check(e.ExportJson(kNow) == before, "rerank never changes the profile");
  if (!s.ok()) {
    Check(e.result().order.empty(), "a failed rerank leaves no result");
    Check(!s.field().empty() && !s.message().empty(), "errors name a field and say why");
    return 0;
  }
  CheckResult(e);
  // Same seed, same profile, same inputs: same output.
  Engine twin;
  FuzzedDataProvider again(data, size);
  Setup(again, twin);
  FillEvents(again, twin, 24, true);
  twin.Record(kNow);
  for (int k = 0, m = again.ConsumeIntegralInRange<int>(0, 3); k < m; ++k) {
    const NameKind kind = again.ConsumeBool() ? NameKind::kTopic : NameKind::kCreator;
    if (twin.names(kind).size() == 0) continue;
    const auto id = again.ConsumeIntegralInRange<std::int32_t>(0, static_cast<std::int32_t>(twin.names(kind).size()) - 1);
    twin.Adjust(kind, id, static_cast<Preference>(again.ConsumeIntegralInRange<int>(0, 3)));
  }
  twin.candidates() = e.candidates();
  twin.options() = e.options();
  Check(twin.Rerank(now).ok(), "the twin accepts the same batch");
  Check(twin.result().order == e.result().order && twin.result().score == e.result().score,
        "same seed and inputs give the same ranking");
  return 0;
}
