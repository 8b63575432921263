// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace localrank {

/// Interaction kinds. The numeric values are the wire format between the
/// facade and the core; the names are the public `type` strings.
enum class EventType : std::int32_t {
  kImpression = 0,
  kClick,
  kDwell,
  kLike,
  kShare,
  kComment,
  kSave,
  kFollow,
  kHide,
  kNotInterested,
  kReport,
  kCount
};
constexpr int kEventTypeCount = static_cast<int>(EventType::kCount);

/// "impression", "click", "dwell", "like", "share", "comment", "save",
/// "follow", "hide", "notInterested", "report".
const char* EventTypeName(EventType type);
/// Returns false when `name` is not an event type.
bool ParseEventType(std::string_view name, EventType* out);

/// Where a name lives: topics, creators and context keys each have their own table.
enum class NameKind : std::int32_t { kTopic = 0, kCreator = 1, kContext = 2 };
constexpr int kNameKindCount = 3;

/// Item flags (bit set in CandidateBatch::flags).
constexpr std::int32_t kFlagPinned = 1;

/// A batch of candidate items in structure-of-arrays form: one crossing of the
/// wasm boundary per rerank. Item i's topics are
/// topic_ids[topic_offsets[i] .. topic_offsets[i+1]).
struct CandidateBatch {
  std::vector<double> key;             ///< HashId(item id), exact in a double
  std::vector<double> server_score;    ///< NaN when the server gave none
  std::vector<double> published_at;    ///< ms since epoch, NaN when unknown
  std::vector<std::int32_t> creator;   ///< creator id, -1 when none
  std::vector<std::int32_t> flags;     ///< kFlagPinned, ...
  std::vector<std::int32_t> topic_offsets;  ///< size n + 1
  std::vector<std::int32_t> topic_ids;
  std::vector<float> topic_weights;
  std::vector<float> embeddings;       ///< n * dim, or empty

  std::size_t size() const { return key.size(); }
  /// Resizes the per-item arrays to n (topic arrays are sized separately).
  void Resize(std::size_t n);
};

/// A batch of interaction events, same layout rules as CandidateBatch.
struct EventBatch {
  std::vector<std::int32_t> type;      ///< EventType
  std::vector<double> at;              ///< ms since epoch
  std::vector<double> key;             ///< HashId(item id), NaN when none
  std::vector<std::int32_t> creator;   ///< -1 when none
  std::vector<double> dwell_ms;        ///< NaN when not a dwell
  std::vector<double> expected_ms;     ///< expected read time, NaN when unknown
  std::vector<std::int32_t> topic_offsets;
  std::vector<std::int32_t> topic_ids;
  std::vector<float> topic_weights;
  std::vector<std::int32_t> context_offsets;  ///< size n + 1
  std::vector<std::int32_t> context_ids;
  std::vector<float> embeddings;       ///< n * dim, or empty

  std::size_t size() const { return type.size(); }
  void Resize(std::size_t n);
};

/// Default number of greedily arranged slots (RerankOptions::top_k).
constexpr int kDefaultTopK = 100;

/// Per-call ranking options.
struct RerankOptions {
  double strength = 1.0;     ///< 0 = server order (no profiling), 1 = fully personal
  double diversity = 0.3;    ///< 0..1, MMR trade-off
  double exploration = 0.0;  ///< share of slots for exploration, 0..0.5
  bool calibration = false;
  /// Slots arranged greedily (MMR, creator decay, topic cap, calibration,
  /// exploration), >= 1; the rest of a longer list follows by score. The
  /// rerank stage costs O(top_k x n) at worst.
  int top_k = kDefaultTopK;
  std::vector<std::int32_t> context_ids;  ///< active context keys
};

/// Why an item got its score. Contributions of one item add up to its score.
enum class ReasonKind : std::int32_t {
  kServer = 0,
  kTopic,
  kCreator,
  kFreshness,
  kContext,
  kEmbedding,
  kDiversity,
  kExplore,
  kFatigue,
  kAdjustment,
  kNotPersonalized,
  kNever,
  kPinned,
  kDuplicate,  ///< a later copy of an item already in the batch (sinks)
  kSeen,       ///< shown too often without engagement (sinks)
  kRate,       ///< the person's engagement rate on a topic when shown (label: topic)
  kCount
};
const char* ReasonKindName(ReasonKind kind);

/// What a reason's label names: a reason carries the pair (LabelKind, id), and
/// the kind says which table or enum the id is read in.
enum class LabelKind : std::int32_t {
  kNone = 0,  ///< no label (id -1)
  kTopic,     ///< id in the topic table
  kCreator,   ///< id in the creator table
  kContext,   ///< id in the context-key table
  kPart,      ///< id is a ReasonPart
  kCount
};

/// Labels of reasons that name a part of the ranking rather than a name:
/// the parts of the rerank stage that moved a kDiversity reason's score, and
/// a kSeen reason for an item the person already opened.
enum class ReasonPart : std::int32_t {
  kSimilar = 0,   ///< MMR: similar to items above
  kCreatorShown,  ///< creator already shown (decay)
  kCalibration,   ///< moves the topic mix towards the person's
  kTopicShown,    ///< main topic already shown (decay)
  kOpened,        ///< kSeen: the person already opened it (unlabelled: shown too often without engagement)
  kCount
};

/// A reason's label: what it names and which one.
struct ReasonLabel {
  LabelKind kind = LabelKind::kNone;
  std::int32_t id = -1;
  friend bool operator==(const ReasonLabel& a, const ReasonLabel& b) { return a.kind == b.kind && a.id == b.id; }
};
static_assert(sizeof(ReasonLabel) == 8, "crosses to JavaScript as two int32 per reason");

/// One reason of a ranked item: what it is, what it names, and its
/// contribution to the score.
struct RankedReason {
  std::int32_t kind = 0;  ///< a ReasonKind
  ReasonLabel label;
  double value = 0.0;
  friend bool operator==(const RankedReason& a, const RankedReason& b) {
    return a.kind == b.kind && a.label == b.label && a.value == b.value;
  }
};

/// A reason as a RankResult keeps it: 16 bytes, so that the 20,000 or so
/// reasons of 1,000 ranked items are 320 KB to write and to copy out to
/// JavaScript, not 480 KB.
struct StoredReason {
  std::uint16_t kind;        ///< a ReasonKind
  std::uint16_t label_kind;  ///< a LabelKind
  std::int32_t label_id;
  double value;

  StoredReason() = default;
  StoredReason(ReasonKind k, ReasonLabel l, double v)
      : kind(static_cast<std::uint16_t>(k)), label_kind(static_cast<std::uint16_t>(l.kind)), label_id(l.id), value(v) {}
  RankedReason Unpacked() const {
    return RankedReason{kind, ReasonLabel{static_cast<LabelKind>(label_kind), label_id}, value};
  }
};
static_assert(sizeof(StoredReason) == 16 && offsetof(StoredReason, label_id) == 4 && offsetof(StoredReason, value) == 8,
              "crosses to JavaScript as 16 bytes: kind and label kind (uint16 each), label id (int32), value (float64)");

/// Reasons grouped by entry: those of entry e are reasons[offsets[e],
/// offsets[e + 1]). `reasons` may be longer than Count(): its tail is scratch
/// (it is only ever grown, and reused from call to call).
struct ReasonList {
  std::vector<std::int32_t> offsets;  ///< entries + 1
  std::vector<StoredReason> reasons;

  std::size_t Count() const { return offsets.empty() ? 0 : static_cast<std::size_t>(offsets.back()); }
  void Clear();
};

/// Ranking output: order[r] is the input index of the item at rank r; score
/// and propensity are indexed by rank. The reasons of rank r (ReasonsAt) come
/// in two parts, so that the score stage's reasons are read where it wrote
/// them instead of being copied into rank order:
/// - by_item: the score stage's, by input index (entry order[r]);
/// - by_rank: those the rerank stage added at rank r: `pinned` (always its
///   first entry, and placed before the item's own), then the diversity parts
///   and exploration (placed after them).
struct RankResult {
  std::vector<std::int32_t> order;
  std::vector<double> score;
  std::vector<double> propensity;  ///< for explored slots, else 1
  ReasonList by_item;              ///< n entries
  ReasonList by_rank;              ///< n entries

  /// The reasons of the item at `rank`, in order (they add up to score[rank]).
  std::vector<RankedReason> ReasonsAt(std::size_t rank) const;
  void Clear();
};

}  // namespace localrank
