// SPDX-License-Identifier: MIT
// The binary snapshot's writer: ProfileState -> bytes (layout in
// snapshot_format.h, docs/storage.md). The same state always gives the same
// bytes: entries by name id, fatigue items by key, and only the names the
// state refers to, in id order.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "storage/codecs.h"
#include "storage/snapshot_format.h"

namespace localrank {

using namespace snapshot;

namespace {

// Appends to a byte vector; sections are padded to 4 bytes.
class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>* out) : out_(*out) { out_.clear(); }
  template <typename T>
  void Put(const T& v) {
    Bytes(&v, sizeof(T));
  }
  // Out of line: a call per value keeps the many Put sites small.
  [[gnu::noinline]] void Bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  // Starts a section; returns where its body begins.
  std::size_t Begin(Section s) {
    Put(kTags[s]);
    Put(std::uint32_t{0});
    ++sections_;
    return out_.size();
  }
  void End(std::size_t body) {
    const auto length = static_cast<std::uint32_t>(out_.size() - body);
    std::memcpy(out_.data() + body - 4, &length, 4);
    out_.resize(Pad4(out_.size()), 0);
  }
  std::vector<std::uint8_t>& out() { return out_; }
  std::uint32_t sections() const { return sections_; }

 private:
  std::vector<std::uint8_t>& out_;
  std::uint32_t sections_ = 0;
};

void PutAffinity(Writer& w, std::uint32_t name, const Affinity& a) {
  std::uint8_t r[kAffinityBytes];
  std::memcpy(r, &name, 4);
  std::memcpy(r + 4, &a.events, 4);
  std::memcpy(r + 8, &a.long_term.value, 8);
  std::memcpy(r + 16, &a.long_term.t, 8);
  std::memcpy(r + 24, &a.short_term.value, 8);
  std::memcpy(r + 32, &a.short_term.t, 8);
  std::memcpy(r + 40, &a.last_at, 8);
  w.Bytes(r, sizeof r);
}

void PutRate(Writer& w, std::uint32_t name, const TopicRate& t) {
  std::uint8_t r[kRateBytes];
  std::memcpy(r, &name, 4);
  std::memcpy(r + 4, &t.shown.value, 8);
  std::memcpy(r + 12, &t.shown.t, 8);
  std::memcpy(r + 20, &t.engaged.value, 8);
  std::memcpy(r + 28, &t.engaged.t, 8);
  std::memcpy(r + 36, &t.last_at, 8);
  w.Bytes(r, sizeof r);
}

// Entries of an id-keyed map, by id: the same state always gives the same
// bytes. (Sorting plain ids shares one std::sort with the rest of the core.)
template <typename V>
std::vector<std::pair<std::uint32_t, const V*>> ById(const std::unordered_map<std::uint32_t, V>& m) {
  std::vector<std::uint32_t> ids;
  ids.reserve(m.size());
  for (const auto& kv : m) ids.push_back(kv.first);
  std::sort(ids.begin(), ids.end());
  std::vector<std::pair<std::uint32_t, const V*>> out;
  out.reserve(ids.size());
  for (std::uint32_t id : ids) out.emplace_back(id, &m.find(id)->second);
  return out;
}


// Snapshot index of every name the state refers to, in id order (the walk of
// ForEachNameUse, profile/name_uses.h, written out: sharing it made the
// device module larger); -1 for the names it does not refer to.
struct NameIndex {
  std::vector<std::int32_t> index[kNameKindCount];
  std::uint32_t counts[kNameKindCount] = {0, 0, 0};
  std::size_t bytes = 0;  // of the name table's strings and their lengths

  [[gnu::always_inline]] explicit NameIndex(const ProfileState& s) {
    const Profile& p = s.profile;
    for (int k = 0; k < kNameKindCount; ++k) index[k].assign(s.names[k].size(), -1);
    auto mark = [&](NameKind kind, std::uint32_t id) { index[static_cast<int>(kind)][id] = 0; };
    for (const auto& [id, a] : p.topics) mark(NameKind::kTopic, id);
    for (const auto& [id, a] : p.creators) mark(NameKind::kCreator, id);
    for (const auto& [id, r] : p.rates) mark(NameKind::kTopic, id);
    for (const auto& [id, ctx] : p.contexts) {
      mark(NameKind::kContext, id);
      for (const auto& [t, a] : ctx.topics) mark(NameKind::kTopic, t);
      for (const auto& [t, r] : ctx.rates) mark(NameKind::kTopic, t);
    }
    for (const auto& [id, pref] : p.topic_prefs) mark(NameKind::kTopic, id);
    for (const auto& [id, pref] : p.creator_prefs) mark(NameKind::kCreator, id);
    for (const auto& [id, c] : s.fatigue.creators) mark(NameKind::kCreator, id);
    for (const auto& [id, c] : s.fatigue.topics) mark(NameKind::kTopic, id);
    for (int k = 0; k < kNameKindCount; ++k) {
      for (std::size_t id = 0; id < index[k].size(); ++id) {
        if (index[k][id] < 0) continue;
        index[k][id] = static_cast<std::int32_t>(counts[k]++);
        bytes += 2 + s.names[k].Name(static_cast<std::uint32_t>(id)).size();
      }
    }
  }
  std::uint32_t operator()(NameKind kind, std::uint32_t id) const {
    return static_cast<std::uint32_t>(index[static_cast<int>(kind)][id]);
  }
};

// The whole snapshot's size, reserved at once.
[[gnu::always_inline]] inline std::size_t SnapshotBytes(const ProfileState& s, const NameIndex& ix) {
  const Profile& p = s.profile;
  const FatigueState& f = s.fatigue;
  std::size_t rate_blocks = 0, context_rates = 0, context_topics = 0;
  for (const auto& [id, ctx] : p.contexts) {
    rate_blocks += ctx.rates.empty() ? 0 : 1;
    context_rates += ctx.rates.size();
    context_topics += ctx.topics.size();
  }
  const std::size_t n_events = p.events.size();
  return kHeaderBytes + 8 * kSectionCount + 16 + ix.bytes + 3 +
         kAffinityBytes * (p.topics.size() + p.creators.size() + context_topics) + kContextBytes * p.contexts.size() +
         kPrefBytes * (p.topic_prefs.size() + p.creator_prefs.size()) + 16 + 4 * p.user_vector.size() + 20 +
         Pad4(n_events) + 16 * n_events + 16 + kKeyedBytes * (f.items.size() + f.opened.size()) +
         kNamedCounterBytes * (f.creators.size() + f.topics.size()) + 8 + 16 + kRateBlockBytes * rate_blocks +
         kRateBytes * (p.rates.size() + context_rates);
}

[[gnu::always_inline]] inline void WriteNames(const ProfileState& s, const NameIndex& ix, Writer& w) {
  const std::size_t b = w.Begin(kNames);
  for (std::uint32_t c : ix.counts) w.Put(c);
  for (int k = 0; k < kNameKindCount; ++k) {
    for (std::size_t id = 0; id < ix.index[k].size(); ++id) {
      if (ix.index[k][id] < 0) continue;
      const std::string& name = s.names[k].Name(static_cast<std::uint32_t>(id));
      w.Put(static_cast<std::uint16_t>(name.size()));
      w.Bytes(name.data(), name.size());
    }
  }
  w.End(b);
}

// Scalars, topics, creators, contexts and preferences.
[[gnu::always_inline]] inline void WriteAffinities(const Profile& p, const NameIndex& ix, Writer& w) {
  std::size_t b = w.Begin(kScalars);
  w.Put(static_cast<std::uint64_t>(p.total_events));
  w.Put(p.last_event_at);
  w.End(b);

  for (Section s : {kTopics, kCreators}) {
    const bool topics = s == kTopics;
    const auto entries = ById(topics ? p.topics : p.creators);
    b = w.Begin(s);
    w.Put(static_cast<std::uint32_t>(entries.size()));
    for (const auto& [id, a] : entries) PutAffinity(w, ix(topics ? NameKind::kTopic : NameKind::kCreator, id), *a);
    w.End(b);
  }

  b = w.Begin(kContexts);
  w.Put(static_cast<std::uint32_t>(p.contexts.size()));
  for (const auto& [id, ctx] : ById(p.contexts)) {
    w.Put(ix(NameKind::kContext, id));
    w.Put(static_cast<std::uint32_t>(ctx->topics.size()));
    w.Put(ctx->weight.value);
    w.Put(ctx->weight.t);
    for (const auto& [t, a] : ById(ctx->topics)) PutAffinity(w, ix(NameKind::kTopic, t), *a);
  }
  w.End(b);

  b = w.Begin(kPrefs);
  w.Put(static_cast<std::uint32_t>(p.topic_prefs.size()));
  w.Put(static_cast<std::uint32_t>(p.creator_prefs.size()));
  for (const auto& [id, pref] : ById(p.topic_prefs)) {
    w.Put(ix(NameKind::kTopic, id));
    w.Put(static_cast<std::uint32_t>(*pref));
  }
  for (const auto& [id, pref] : ById(p.creator_prefs)) {
    w.Put(ix(NameKind::kCreator, id));
    w.Put(static_cast<std::uint32_t>(*pref));
  }
  w.End(b);
}

// The user vector (when there is one) and the events, as three columns:
// types (one byte each, padded to 4), times, weights.
[[gnu::always_inline]] inline void WriteVectorAndEvents(const Profile& p, Writer& w) {
  std::size_t b;
  if (!p.user_vector.empty()) {
    b = w.Begin(kUserVector);
    w.Put(static_cast<std::uint32_t>(p.user_vector.size()));
    w.Put(std::uint32_t{0});
    w.Put(p.user_vector_at);
    w.Bytes(p.user_vector.data(), 4 * p.user_vector.size());
    w.End(b);
  }
  const std::size_t n_events = p.events.size();
  b = w.Begin(kEvents);
  w.Put(static_cast<std::uint32_t>(n_events));
  std::vector<std::uint8_t>& bytes = w.out();
  std::size_t at = bytes.size();
  bytes.resize(at + Pad4(n_events) + 16 * n_events, 0);
  std::size_t k = 0;
  for (const StoredEvent& ev : p.events) {
    bytes[at + k] = static_cast<std::uint8_t>(ev.type);
    std::memcpy(bytes.data() + at + Pad4(n_events) + 8 * k, &ev.at, 8);
    std::memcpy(bytes.data() + at + Pad4(n_events) + 8 * (n_events + k), &ev.weight, 8);
    ++k;
  }
  w.End(b);
}

[[gnu::always_inline]] inline void WriteFatigue(const FatigueState& f, const NameIndex& ix, Writer& w) {
  if (f.empty()) return;
  const std::size_t b = w.Begin(kFatigue);
  for (std::size_t n : {f.items.size(), f.opened.size(), f.creators.size(), f.topics.size()}) {
    w.Put(static_cast<std::uint32_t>(n));
  }
  for (const FatigueTable<double, ItemKeyHash>* table : {&f.items, &f.opened}) {
    std::vector<double> keys;
    keys.reserve(table->size());
    for (const auto& kv : *table) keys.push_back(kv.first);
    std::sort(keys.begin(), keys.end());
    for (double key : keys) {
      const Decayed& c = table->entries().find(key)->second;
      w.Put(key);
      w.Put(c.value);
      w.Put(c.t);
    }
  }
  for (int kind = 0; kind < 2; ++kind) {
    const NameKind nk = kind == 0 ? NameKind::kCreator : NameKind::kTopic;
    const auto& table = kind == 0 ? f.creators : f.topics;
    for (const auto& [id, c] : ById(table.entries())) {
      w.Put(ix(nk, id));
      w.Put(c->value);
      w.Put(c->t);
    }
  }
  w.End(b);
}

// Rates: the global ones, then a block per context that has any; then the
// learnt model.
[[gnu::always_inline]] inline void WriteRatesAndModel(const Profile& p, const NameIndex& ix, Writer& w) {
  std::size_t rate_blocks = 0;
  for (const auto& [id, ctx] : p.contexts) rate_blocks += ctx.rates.empty() ? 0 : 1;
  std::size_t b;
  if (!p.rates.empty() || rate_blocks > 0) {
    b = w.Begin(kRates);
    w.Put(static_cast<std::uint32_t>(p.rates.size()));
    w.Put(static_cast<std::uint32_t>(rate_blocks));
    for (const auto& [id, r] : ById(p.rates)) PutRate(w, ix(NameKind::kTopic, id), *r);
    for (const auto& [id, ctx] : ById(p.contexts)) {
      if (ctx->rates.empty()) continue;
      w.Put(ix(NameKind::kContext, id));
      w.Put(static_cast<std::uint32_t>(ctx->rates.size()));
      for (const auto& [t, r] : ById(ctx->rates)) PutRate(w, ix(NameKind::kTopic, t), *r);
    }
    w.End(b);
  }
  if (!p.model.empty()) {
    b = w.Begin(kModel);
    w.Put(static_cast<std::uint32_t>(kModelParams));
    w.Put(p.model.choices);
    for (int k = 0; k < kModelParams; ++k) {
      w.Put(p.model.shift[static_cast<std::size_t>(k)]);
      w.Put(p.model.evidence[static_cast<std::size_t>(k)]);
    }
    w.End(b);
  }
}

}  // namespace

// The steps above are always inlined into this one function: as separate
// functions they made the device module 0.4 KB gzip larger (BENCHMARKS.md,
// "Build choices"), and the module is at its budget.
void EncodeSnapshot(const ProfileState& s, std::vector<std::uint8_t>* out) {
  const NameIndex ix(s);
  out->reserve(SnapshotBytes(s, ix));
  Writer w(out);
  w.Put(kMagic);
  w.Put(static_cast<std::uint32_t>(kSnapshotVersion));
  w.Put(std::uint32_t{0});  // total length, filled in at the end
  w.Put(std::uint32_t{0});  // section count, likewise
  WriteNames(s, ix, w);
  WriteAffinities(s.profile, ix, w);
  WriteVectorAndEvents(s.profile, w);
  WriteFatigue(s.fatigue, ix, w);
  WriteRatesAndModel(s.profile, ix, w);
  std::vector<std::uint8_t>& bytes = w.out();
  const auto total = static_cast<std::uint32_t>(bytes.size());
  const std::uint32_t sections = w.sections();
  std::memcpy(bytes.data() + 8, &total, 4);
  std::memcpy(bytes.data() + 12, &sections, 4);
}

}  // namespace localrank
