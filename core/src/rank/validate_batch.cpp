// SPDX-License-Identifier: MIT
// The checks of a candidate batch before it is ranked (ValidateBatch), which
// also compute what both stages read of it (BatchShape), in one pass.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "localrank/ranker.h"

#include "rank/kernels.h"
#include "rank/scratch.h"

namespace localrank {

namespace {

std::string ItemField(int i, const char* field) {
  return "items[" + std::to_string(i) + "]." + field;
}

// The first error of item u, checked in the order ValidateBatch reports them
// (id, serverScore, publishedAt, creatorId, topic offsets, topic count, topic
// ids and weights). Only called for an item the fast checks found bad, so it
// always returns an error.
Status ItemError(const CandidateBatch& b, std::size_t u, const std::size_t* name_counts) {
  const int i = static_cast<int>(u);
  if (!std::isfinite(b.key[u])) {
    return Status::Error(Code::kInvalidItem, ItemField(i, "id"), i, ItemField(i, "id") + " is missing");
  }
  if (std::isinf(b.server_score[u])) {
    return Status::Error(Code::kInvalidItem, ItemField(i, "serverScore"), i,
                         ItemField(i, "serverScore") + " must be a finite number");
  }
  if (std::isinf(b.published_at[u])) {
    return Status::Error(Code::kInvalidItem, ItemField(i, "publishedAt"), i,
                         ItemField(i, "publishedAt") + " must be a finite time in ms");
  }
  if (b.creator[u] < -1 || (b.creator[u] >= 0 && static_cast<std::size_t>(b.creator[u]) >=
                                                     name_counts[static_cast<int>(NameKind::kCreator)])) {
    return Status::Error(Code::kInvalidItem, ItemField(i, "creatorId"), i,
                         ItemField(i, "creatorId") + " is not a known creator id");
  }
  const int lo = b.topic_offsets[u], hi = b.topic_offsets[u + 1];
  if (hi < lo || lo < 0 || static_cast<std::size_t>(hi) > b.topic_ids.size()) {
    return Status::Error(Code::kInvalidArgument, ItemField(i, "topics"), i, "items: topic offsets decrease");
  }
  if (hi - lo > kMaxTopicsPerItem) {
    return Status::Error(Code::kLimitExceeded, ItemField(i, "topics"), i,
                         ItemField(i, "topics") + " has more than " + std::to_string(kMaxTopicsPerItem) + " topics");
  }
  const std::size_t topic_names = name_counts[static_cast<int>(NameKind::kTopic)];
  for (int k = lo; k < hi; ++k) {
    const auto t = b.topic_ids[static_cast<std::size_t>(k)];
    const float w = b.topic_weights[static_cast<std::size_t>(k)];
    if (t < 0 || static_cast<std::size_t>(t) >= topic_names) {
      return Status::Error(Code::kInvalidItem, ItemField(i, "topics"), i,
                           ItemField(i, "topics") + " names an unknown topic id");
    }
    if (!std::isfinite(w) || w < 0.0f) {
      return Status::Error(Code::kInvalidItem, ItemField(i, "topics"), i,
                           ItemField(i, "topics") + " weights must be finite and >= 0");
    }
  }
  return Status::Error(Code::kInvalidArgument, "items", i, "items: the batch checks disagree");
}

}  // namespace

Status PackedRulesError() {
  return Status::Error(Code::kInvalidItem, "items", -1,
                       "items: a topic repeats within an item, or pinned is not 0 or 1");
}

bool PackedRulesHold(const CandidateBatch& c, std::size_t topics) {
  const std::size_t n = c.size();
  if (c.topic_offsets.size() != n + 1 || c.flags.size() != n) return false;
  // The failure path only (see Engine::RerankPacked): a fresh table is fine.
  std::vector<std::uint32_t> seen(topics, 0u);
  for (std::size_t i = 0; i < n; ++i) {
    if (c.flags[i] != 0 && c.flags[i] != kFlagPinned) return false;
    const std::int32_t lo = c.topic_offsets[i], hi = c.topic_offsets[i + 1];
    // Offsets and ids out of range are the other checks' to refuse; only the rule is checked here.
    if (lo < 0 || hi < lo || static_cast<std::size_t>(hi) > c.topic_ids.size()) continue;
    const auto generation = static_cast<std::uint32_t>(i + 1);
    for (std::int32_t k = lo; k < hi; ++k) {
      const auto t = static_cast<std::uint32_t>(c.topic_ids[static_cast<std::size_t>(k)]);
      if (t >= topics) continue;
      if (seen[t] == generation) return false;
      seen[t] = generation;
    }
  }
  return true;
}

// One pass over the batch checks every value and computes what both stages
// read (BatchShape). Errors come in this order: an item's first bad value,
// items in order, then the embeddings, then the packed rules. One function
// longer than ours usually are, on purpose: its loops share the locals of one
// pass over the batch (on every rerank), which separate functions would
// each re-read.
Status ValidateBatch(const Config& c, const CandidateBatch& b, const std::size_t* name_counts, bool packed_rules,
                     BatchShape* out) {
  const std::size_t n = b.size();
  if (n > static_cast<std::size_t>(kMaxItemsPerCall)) {
    return Status::Error(Code::kLimitExceeded, "items", -1,
                         "items: " + std::to_string(n) + " items exceed the limit of " +
                             std::to_string(kMaxItemsPerCall) + " per call");
  }
  if (b.server_score.size() != n || b.published_at.size() != n || b.creator.size() != n ||
      b.flags.size() != n || b.topic_offsets.size() != n + 1) {
    return Status::Error(Code::kInvalidArgument, "items", -1, "items: inconsistent batch arrays");
  }
  if (b.topic_offsets[0] != 0 || static_cast<std::size_t>(b.topic_offsets[n]) != b.topic_ids.size() ||
      b.topic_ids.size() != b.topic_weights.size()) {
    return Status::Error(Code::kInvalidArgument, "items", -1, "items: inconsistent topic arrays");
  }
  if (c.dim > 0 && !b.embeddings.empty() && b.embeddings.size() != n * static_cast<std::size_t>(c.dim)) {
    return Status::Error(Code::kDimensionMismatch, "items", -1,
                         "items: embeddings must hold n * dim = " + std::to_string(n * c.dim) + " floats");
  }
  const std::size_t topic_names = name_counts[static_cast<int>(NameKind::kTopic)];
  // creator + 1 as unsigned is below creator_names + 1 exactly for -1 and the known ids.
  const std::uint64_t creator_limit = static_cast<std::uint64_t>(name_counts[static_cast<int>(NameKind::kCreator)]) + 1;
  const std::size_t topic_total = b.topic_ids.size();
  out->wsum.resize(n);
  out->share.resize(b.topic_weights.size());
  out->unique_topics.resize(n);
  out->topic_mask.resize(n);
  const int dim = c.dim > 0 && b.embeddings.size() == n * static_cast<std::size_t>(c.dim) ? c.dim : 0;
  out->dim = dim;
  out->sq_norm.resize(dim > 0 ? n : 0);
  // Ids are checked against the name table before they index this table.
  if (out->seen_stamp.size() < topic_names) {
    out->seen_stamp.assign(topic_names, 0u);
    out->seen_generation = 0;
  }
  std::uint32_t* seen = out->seen_stamp.data();
  const std::int32_t* ids = b.topic_ids.data();
  const float* weights = b.topic_weights.data();
  const std::int32_t* offsets = b.topic_offsets.data();
  const float* embeddings = b.embeddings.data();
  double* share = out->share.data();
  double* wsum_out = out->wsum.data();
  std::uint64_t* mask_out = out->topic_mask.data();
  std::uint8_t* unique_out = out->unique_topics.data();
  double* sq_norm_out = out->sq_norm.data();
  // Every topic entry at once, in loops the compiler vectorizes: once the
  // item loop has checked the offsets, each entry belongs to exactly one
  // item, so when all entries are valid no item's topics can be bad. Only
  // when some entry is bad does the item loop check its items' topics, in
  // order, to report the first. Weights are tested by their bits (integer
  // compares vectorize): a weight is valid (finite and >= 0, -0 included)
  // when its bits are those of +0 .. FLT_MAX, or of -0.
  std::int32_t max_topic = -1;
  std::uint32_t topics_bad = 0;
  const auto topic_limit = static_cast<std::uint32_t>(std::min<std::size_t>(topic_names, UINT32_MAX));
  for (std::size_t k = 0; k < topic_total; ++k) {
    topics_bad |= static_cast<std::uint32_t>(static_cast<std::uint32_t>(ids[k]) >= topic_limit);
    max_topic = std::max(max_topic, ids[k]);
  }
  for (std::size_t k = 0; k < topic_total; ++k) {
    std::uint32_t bits;
    std::memcpy(&bits, weights + k, sizeof bits);
    topics_bad |= static_cast<std::uint32_t>(bits > 0x7f7fffffu) & static_cast<std::uint32_t>(bits != 0x80000000u);
  }
  std::int32_t max_creator = -1, odd_flags = 0;
  std::ptrdiff_t bad_float = -1;  // flat index of the first non-finite embedding float
  bool all_unique = true;
  for (std::size_t u = 0; u < n; ++u) {
    // Branch-free checks of the item; the error, in order, only when one fails.
    const std::int32_t cr = b.creator[u];
    const int lo = offsets[u], hi = offsets[u + 1];
    bool bad = !std::isfinite(b.key[u]);
    bad |= std::isinf(b.server_score[u]);
    bad |= std::isinf(b.published_at[u]);
    bad |= static_cast<std::uint64_t>(static_cast<std::int64_t>(cr) + 1) >= creator_limit;
    bad |= hi < lo || lo < 0 || static_cast<std::size_t>(hi) > topic_total || hi - lo > kMaxTopicsPerItem;
    if (bad) return ItemError(b, u, name_counts);
    if (topics_bad) {
      for (int k = lo; k < hi; ++k) {
        const float w = weights[k];
        bad |= static_cast<std::size_t>(static_cast<std::uint32_t>(ids[k])) >= topic_names;
        bad |= !(w >= 0.0f && w <= std::numeric_limits<float>::max());
      }
      if (bad) return ItemError(b, u, name_counts);
    }
    double wsum = 0.0;
    for (int k = lo; k < hi; ++k) wsum += weights[k];
    max_creator = std::max(max_creator, cr);
    odd_flags |= b.flags[u] & ~kFlagPinned;
    wsum_out[u] = wsum;
    if (++out->seen_generation == 0) {
      std::fill(out->seen_stamp.begin(), out->seen_stamp.end(), 0u);
      out->seen_generation = 1;
    }
    const std::uint32_t g = out->seen_generation;
    std::uint64_t mask = 0;
    bool unique = true;
    for (int k = lo; k < hi; ++k) {
      const auto id = static_cast<std::uint32_t>(ids[k]);
      share[k] = wsum > 0.0 ? weights[k] / wsum : 0.0;
      mask |= std::uint64_t{1} << (id & 63u);
      if (seen[id] == g) unique = false;
      seen[id] = g;
    }
    mask_out[u] = mask;
    unique_out[u] = unique ? 1 : 0;
    all_unique = all_unique && unique;
    if (dim > 0) {
      // A sum of squares is finite only when every term is (no term is
      // negative, so infinities cannot cancel, and NaN stays NaN): the norm
      // both stages need is the finiteness check. Only a non-finite norm
      // (also: finite values whose squares overflow) looks at the floats.
      const float* e = embeddings + u * static_cast<std::size_t>(dim);
      const float sq = kernels::SquaredNorm(e, dim);
      sq_norm_out[u] = static_cast<double>(sq);
      if (!std::isfinite(sq) && bad_float < 0) {
        if (const std::ptrdiff_t k = FirstNonFinite(e, static_cast<std::size_t>(dim)); k >= 0) {
          bad_float = static_cast<std::ptrdiff_t>(u * static_cast<std::size_t>(dim)) + k;
        }
      }
    }
  }
  out->max_topic = max_topic;
  out->max_creator = max_creator;
  out->all_unique = all_unique;
  // Embeddings without a dimension to split them by (dim 0) are checked as one array.
  if (dim == 0) bad_float = FirstNonFinite(embeddings, b.embeddings.size());
  if (bad_float >= 0) {
    const int i = static_cast<int>(static_cast<std::size_t>(bad_float) / static_cast<std::size_t>(std::max(c.dim, 1)));
    return Status::Error(Code::kInvalidItem, ItemField(i, "embedding"), i,
                         ItemField(i, "embedding") + " must contain finite numbers");
  }
  if (packed_rules && (!all_unique || odd_flags != 0)) return PackedRulesError();
  return Status::Ok();
}

std::ptrdiff_t FirstNonFinite(const float* values, std::size_t n) {
  if (n == 0 || kernels::AllFinite(values, n)) return -1;
  for (std::size_t k = 0; k < n; ++k) {
    if (!std::isfinite(values[k])) return static_cast<std::ptrdiff_t>(k);
  }
  return -1;
}

}  // namespace localrank
