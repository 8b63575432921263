// SPDX-License-Identifier: MIT
// The binary snapshot's reader: bytes -> ProfileState (layout in
// snapshot_format.h, docs/storage.md). It checks what reading needs, every
// byte of it: the header and the section directory, lengths and padding, the
// name table (no repeats, every name used) and each entry's name index (in
// range, in order); the values are CheckProfileState's. Names are interned
// into the state's tables, which may hold names already (the engine's).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "localrank/stages.h"
#include "storage/codecs.h"
#include "storage/snapshot_format.h"

namespace localrank {

using namespace snapshot;

namespace {

std::string TagName(std::uint32_t tag) {
  std::string s(4, '?');
  for (int i = 0; i < 4; ++i) {
    const char ch = static_cast<char>((tag >> (8 * i)) & 0xff);
    if (ch >= 0x20 && ch < 0x7f) s[static_cast<std::size_t>(i)] = ch;
  }
  return s;
}

template <typename T>
T Load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

Affinity GetAffinity(const std::uint8_t* r) {
  Affinity a;
  a.events = Load<std::uint32_t>(r + 4);
  a.long_term = Decayed{Load<double>(r + 8), Load<double>(r + 16)};
  a.short_term = Decayed{Load<double>(r + 24), Load<double>(r + 32)};
  a.last_at = Load<double>(r + 40);
  return a;
}

TopicRate GetRate(const std::uint8_t* r) {
  TopicRate t;
  t.shown = Decayed{Load<double>(r + 4), Load<double>(r + 12)};
  t.engaged = Decayed{Load<double>(r + 20), Load<double>(r + 28)};
  t.last_at = Load<double>(r + 36);
  return t;
}

// Errors are rare: built out of line from pieces, so a check costs a call
// rather than an inlined string concatenation (code size). The field is
// field[i]mid[j]sub with negative indices left out, e.g.
// snapshot.contexts[2].topics[5].name; `n` >= 0 is appended to `why`, then `tail`.
[[gnu::noinline, gnu::cold]] Status BadAt(const char* field, std::int64_t i, const char* mid, std::int64_t j,
                                          const char* sub, const char* why, std::int64_t n = -1, const char* tail = "") {
  std::string f = field;
  if (i >= 0) f += "[" + std::to_string(i) + "]";
  f += mid;
  if (j >= 0) f += "[" + std::to_string(j) + "]";
  f += sub;
  std::string m = f + " " + why;
  if (n >= 0) m += std::to_string(n) + tail;
  return Status::Error(Code::kCorruptProfile, f, -1, m);
}
Status Bad(const char* field, const char* why, std::int64_t n = -1, const char* tail = "") {
  return BadAt(field, -1, "", -1, "", why, n, tail);
}
// A section of the directory, named with its tag.
[[gnu::noinline, gnu::cold]] Status BadSection(std::uint32_t i, std::uint32_t tag, const char* why) {
  return BadAt("snapshot.sections", i, "", -1, "", ("'" + TagName(tag) + "' " + why).c_str());
}

constexpr const char* kNameFields[kNameKindCount] = {"snapshot.names.topics", "snapshot.names.creators",
                                                     "snapshot.names.contexts"};

// A section's bytes.
struct Span {
  const std::uint8_t* p = nullptr;
  std::size_t n = 0;
  bool present = false;
};

// Reads the sections in a fixed order into a ProfileState. A step per
// section, each always inlined into Run: as separate functions they made the
// device module 0.2 KB gzip larger (BENCHMARKS.md, "Build choices").
class Reader {
 public:
  explicit Reader(ProfileState* out) : out_(*out), p_(out->profile) {}

  Status Run(const std::uint8_t* data, std::size_t size) {
    Status st = Directory(data, size);
    if (st.ok()) st = Names();
    if (st.ok()) st = Scalars();
    if (st.ok()) st = Affinities(kTopics);
    if (st.ok()) st = Affinities(kCreators);
    if (st.ok()) st = Contexts();
    if (st.ok()) st = Preferences();
    if (st.ok()) st = UserVector();
    if (st.ok()) st = Events();
    if (st.ok()) st = Fatigue();
    if (st.ok()) st = Rates();
    if (st.ok()) st = Model();
    if (st.ok()) st = EveryNameUsed();
    return st;
  }

 private:
  // The header and the section directory: every section exactly inside the
  // snapshot, zero padding, no repeats.
  [[gnu::always_inline]] Status Directory(const std::uint8_t* data, std::size_t size) {
    if (size > kMaxProfileBytes) {
      return Status::Error(Code::kLimitExceeded, "snapshot", -1,
                           "snapshot is larger than the limit of " + std::to_string(kMaxProfileBytes) + " bytes");
    }
    if (size < kHeaderBytes || data == nullptr) {
      return Bad("snapshot", "is cut short: a snapshot has at least 16 bytes, this one ", static_cast<std::int64_t>(size));
    }
    if (Load<std::uint32_t>(data) != kMagic) return Bad("snapshot.magic", "is not that of a localrank profile snapshot");
    const std::uint32_t version = Load<std::uint32_t>(data + 4);
    if (version < 1 || version > static_cast<std::uint32_t>(kSnapshotVersion)) {
      const std::string why =
          "is " + std::to_string(version) + ", this build reads versions 1.." + std::to_string(kSnapshotVersion);
      return Bad("snapshot.version", why.c_str());
    }
    if (Load<std::uint32_t>(data + 8) != size) {
      return Bad("snapshot.length", "does not match the bytes given (cut short or extended): it says ",
                 Load<std::uint32_t>(data + 8));
    }
    const std::uint32_t section_count = Load<std::uint32_t>(data + 12);
    if (section_count > kMaxSections) return Bad("snapshot.sections", "are more than ", kMaxSections);
    std::size_t pos = kHeaderBytes;
    for (std::uint32_t i = 0; i < section_count; ++i) {
      if (size - pos < 8) return BadAt("snapshot.sections", i, "", -1, "", "is cut short");
      const std::uint32_t tag = Load<std::uint32_t>(data + pos);
      const std::size_t length = Load<std::uint32_t>(data + pos + 4);
      pos += 8;
      if (length > size - pos || Pad4(length) > size - pos) return BadSection(i, tag, "runs past the end");
      const std::uint8_t* body = data + pos;
      for (std::size_t p = length; p < Pad4(length); ++p) {
        if (body[p] != 0) return BadSection(i, tag, "has non-zero padding");
      }
      pos += Pad4(length);
      const auto known = std::find(std::begin(kTags), std::end(kTags), tag);
      if (known == std::end(kTags)) {
        const char first = static_cast<char>(tag & 0xff);
        // Lower case: an optional addition this build may skip.
        if (first >= 'a' && first <= 'z') continue;
        return BadSection(i, tag, "is a section this build does not know (written by a newer localrank?)");
      }
      Span& sec = sections_[known - std::begin(kTags)];
      if (sec.present) return BadSection(i, tag, "repeats a section");
      sec = Span{body, length, true};
    }
    if (pos != size) return Bad("snapshot", "has bytes after its last section");
    for (Section req : {kNames, kScalars}) {
      if (!sections_[req].present) return Bad(kSectionField[req], "is missing");
    }
    return Status::Ok();
  }

  // The name table; ids_ maps its indices to the state's ids.
  [[gnu::always_inline]] Status Names() {
    const Span& sec = sections_[kNames];
    if (sec.n < 12) return Bad(kSectionField[kNames], "is cut short");
    std::size_t pos = 12;
    for (int k = 0; k < kNameKindCount; ++k) {
      const char* fk = kNameFields[k];
      const std::uint32_t count = Load<std::uint32_t>(sec.p + 4 * k);
      // Each name takes at least 3 bytes: a count beyond that is a lie, refused before anything is allocated.
      if (count > (sec.n - pos) / 3) return Bad(fk, "claims more names than the section holds");
      Interner seen;  // for repeats (the interner's code is there anyway)
      ids_[k].reserve(count);
      for (std::uint32_t i = 0; i < count; ++i) {
        if (sec.n - pos < 2) return BadAt(fk, i, "", -1, "", "is cut short");
        const std::size_t len = Load<std::uint16_t>(sec.p + pos);
        pos += 2;
        if (sec.n - pos < len) return BadAt(fk, i, "", -1, "", "is cut short");
        const std::string_view name(reinterpret_cast<const char*>(sec.p + pos), len);
        pos += len;
        // Checked here, at its index, before the next name's length is read.
        const char* why = NameFault(name);
        if (why != nullptr) return BadAt(fk, i, "", -1, "", why);
        if (seen.Intern(name) != i) return BadAt(fk, i, "", -1, "", "repeats a name");
        ids_[k].push_back(out_.names[k].Intern(name));
      }
      used_[k].assign(count, 0);
    }
    if (pos != sec.n) return Bad(kSectionField[kNames], "has bytes after its last name");
    return Status::Ok();
  }

  // A name index of `kind` (in range, after `*previous`), marked used; its id in `*id`.
  Status Name(NameKind kind, std::uint32_t index, std::int64_t* previous, std::uint32_t* id, const char* field,
              std::int64_t i, const char* mid = "", std::int64_t j = -1) {
    auto& used = used_[static_cast<int>(kind)];
    if (index >= used.size()) return BadAt(field, i, mid, j, ".name", "is not an index into the name table");
    if (static_cast<std::int64_t>(index) <= *previous) return BadAt(field, i, mid, j, ".name", "repeats a name or is out of order");
    used[index] = 1;
    *previous = index;
    *id = ids_[static_cast<int>(kind)][index];
    return Status::Ok();
  }

  [[gnu::always_inline]] Status Scalars() {
    const Span& sec = sections_[kScalars];
    if (sec.n != 16) return Bad(kSectionField[kScalars], "has the wrong length");
    p_.total_events = Load<std::uint64_t>(sec.p);
    p_.last_event_at = Load<double>(sec.p + 8);
    return Status::Ok();
  }

  // `count` affinity records at `r` into `m`; their field is field[i]mid[j].
  Status AffinityRecords(const std::uint8_t* r, std::uint32_t count, NameKind kind, const char* field, std::int64_t i,
                         const char* mid, std::unordered_map<std::uint32_t, Affinity>* m) {
    m->reserve(count);
    std::int64_t previous = -1;
    for (std::uint32_t k = 0; k < count; ++k, r += kAffinityBytes) {
      std::uint32_t id = 0;
      Status st = mid[0] != '\0' ? Name(kind, Load<std::uint32_t>(r), &previous, &id, field, i, mid, k)
                                 : Name(kind, Load<std::uint32_t>(r), &previous, &id, field, k);
      if (!st.ok()) return st;
      m->emplace(id, GetAffinity(r));
    }
    return Status::Ok();
  }

  [[gnu::always_inline]] Status Affinities(Section sc) {
    const Span& sec = sections_[sc];
    if (!sec.present) return Status::Ok();
    const char* f = kSectionField[sc];
    if (sec.n < 4) return Bad(f, "is cut short");
    const std::uint32_t count = Load<std::uint32_t>(sec.p);
    if (sec.n != 4 + std::size_t{count} * kAffinityBytes) return Bad(f, "has the wrong length for its entries: ", count);
    const bool topics = sc == kTopics;
    return AffinityRecords(sec.p + 4, count, topics ? NameKind::kTopic : NameKind::kCreator, f, -1, "",
                           topics ? &p_.topics : &p_.creators);
  }

  [[gnu::always_inline]] Status Contexts() {
    const Span& sec = sections_[kContexts];
    if (!sec.present) return Status::Ok();
    const char* f = kSectionField[kContexts];
    if (sec.n < 4) return Bad(f, "is cut short");
    const std::uint32_t count = Load<std::uint32_t>(sec.p);
    if (count > (sec.n - 4) / kContextBytes) return Bad(f, "is cut short");
    p_.contexts.reserve(count);
    std::size_t p = 4;
    std::int64_t previous = -1;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (sec.n - p < kContextBytes) return BadAt(f, i, "", -1, "", "is cut short");
      const std::uint32_t topics = Load<std::uint32_t>(sec.p + p + 4);
      std::uint32_t id = 0;
      Status st = Name(NameKind::kContext, Load<std::uint32_t>(sec.p + p), &previous, &id, f, i);
      if (!st.ok()) return st;
      ContextStats& ctx = p_.contexts[id];
      ctx.weight = Decayed{Load<double>(sec.p + p + 8), Load<double>(sec.p + p + 16)};
      p += kContextBytes;
      if ((sec.n - p) / kAffinityBytes < topics) return BadAt(f, i, "", -1, ".topics", "is cut short");
      st = AffinityRecords(sec.p + p, topics, NameKind::kTopic, f, i, ".topics", &ctx.topics);
      if (!st.ok()) return st;
      p += topics * kAffinityBytes;
    }
    if (p != sec.n) return Bad(f, "has bytes after its last entry");
    return Status::Ok();
  }

  [[gnu::always_inline]] Status Preferences() {
    const Span& sec = sections_[kPrefs];
    if (!sec.present) return Status::Ok();
    if (sec.n < 8) return Bad(kSectionField[kPrefs], "is cut short");
    const std::uint32_t nt = Load<std::uint32_t>(sec.p), nc = Load<std::uint32_t>(sec.p + 4);
    if (static_cast<std::uint64_t>(nt) + nc != (sec.n - 8) / kPrefBytes || (sec.n - 8) % kPrefBytes != 0) {
      return Bad(kSectionField[kPrefs], "has the wrong length for its entries");
    }
    std::int64_t previous = -1;
    for (std::uint32_t i = 0; i < nt + nc; ++i) {
      const bool topic = i < nt;
      if (i == nt) previous = -1;
      const std::uint8_t* r = sec.p + 8 + i * kPrefBytes;
      std::uint32_t id = 0;
      Status st = Name(topic ? NameKind::kTopic : NameKind::kCreator, Load<std::uint32_t>(r), &previous, &id,
                       topic ? "snapshot.preferences.topics" : "snapshot.preferences.creators", topic ? i : i - nt);
      if (!st.ok()) return st;
      (topic ? p_.topic_prefs : p_.creator_prefs)[id] = static_cast<Preference>(Load<std::uint32_t>(r + 4));
    }
    return Status::Ok();
  }

  [[gnu::always_inline]] Status UserVector() {
    const Span& sec = sections_[kUserVector];
    if (!sec.present) return Status::Ok();
    const char* f = kSectionField[kUserVector];
    if (sec.n < 16) return Bad(f, "is cut short");
    const std::uint32_t dim = Load<std::uint32_t>(sec.p);
    if (Load<std::uint32_t>(sec.p + 4) != 0 || sec.n != 16 + 4 * static_cast<std::size_t>(dim)) {
      return Bad(f, "has the wrong length for its values: ", dim);
    }
    p_.user_vector.resize(dim);
    std::memcpy(p_.user_vector.data(), sec.p + 16, 4 * static_cast<std::size_t>(dim));
    p_.user_vector_at = Load<double>(sec.p + 8);
    return Status::Ok();
  }

  // Three columns: types (one byte each, padded to 4), times, weights.
  [[gnu::always_inline]] Status Events() {
    const Span& sec = sections_[kEvents];
    if (!sec.present) return Status::Ok();
    const char* f = kSectionField[kEvents];
    if (sec.n < 4) return Bad(f, "is cut short");
    const std::size_t n = Load<std::uint32_t>(sec.p);
    if (n > sec.n / 16 || sec.n != 4 + Pad4(n) + 16 * n) {
      return Bad(f, "has the wrong length for its events: ", static_cast<std::int64_t>(n));
    }
    const std::uint8_t* types = sec.p + 4;
    const std::uint8_t* times = types + Pad4(n);
    for (std::size_t i = n; i < Pad4(n); ++i) {
      if (types[i] != 0) return Bad(f, "has non-zero padding");
    }
    std::vector<StoredEvent> events(n);
    for (std::size_t i = 0; i < n; ++i) {
      events[i] = StoredEvent{static_cast<EventType>(types[i]), Load<double>(times + 8 * i), Load<double>(times + 8 * (n + i))};
    }
    // One range insert: the deque allocates its blocks at once, not per event.
    p_.events.assign(events.begin(), events.end());
    return Status::Ok();
  }

  [[gnu::always_inline]] Status Fatigue() {
    const Span& sec = sections_[kFatigue];
    if (!sec.present) return Status::Ok();
    const char* f = kSectionField[kFatigue];
    if (sec.n < 16) return Bad(f, "is cut short");
    const std::uint32_t n[4] = {Load<std::uint32_t>(sec.p), Load<std::uint32_t>(sec.p + 4),
                                Load<std::uint32_t>(sec.p + 8), Load<std::uint32_t>(sec.p + 12)};
    if (sec.n != 16 + kKeyedBytes * (std::size_t{n[0]} + n[1]) + kNamedCounterBytes * (std::size_t{n[2]} + n[3])) {
      return Bad(f, "has the wrong length for its entries");
    }
    static const char* kTables[4] = {"snapshot.fatigue.items", "snapshot.fatigue.opened", "snapshot.fatigue.creators",
                                     "snapshot.fatigue.topics"};
    const FatigueTuning& ft = DefaultRankTuning().fatigue;
    FatigueState& fs = out_.fatigue;
    const std::uint8_t* r = sec.p + 16;
    for (int t = 0; t < 2; ++t) {
      std::vector<std::pair<double, Decayed>> entries(n[t]);
      double previous = -1.0;
      for (std::uint32_t i = 0; i < n[t]; ++i, r += kKeyedBytes) {
        const double key = Load<double>(r);
        const char* why = ItemKeyFault(key);
        if (why != nullptr) return BadAt(kTables[t], i, "", -1, ".key", why);
        if (key <= previous) return BadAt(kTables[t], i, "", -1, ".key", "repeats a key or is out of order");
        previous = key;
        entries[i] = {key, Decayed{Load<double>(r + 8), Load<double>(r + 16)}};
      }
      (t == 0 ? fs.items : fs.opened).Assign(entries, t == 0 ? ft.item_half_life_ms : ft.opened_half_life_ms);
    }
    for (int t = 2; t < 4; ++t) {
      std::vector<std::pair<std::uint32_t, Decayed>> entries(n[t]);
      std::int64_t previous = -1;
      for (std::uint32_t i = 0; i < n[t]; ++i, r += kNamedCounterBytes) {
        std::uint32_t id = 0;
        Status st = Name(t == 2 ? NameKind::kCreator : NameKind::kTopic, Load<std::uint32_t>(r), &previous, &id,
                         kTables[t], i);
        if (!st.ok()) return st;
        entries[i] = {id, Decayed{Load<double>(r + 4), Load<double>(r + 12)}};
      }
      (t == 2 ? fs.creators : fs.topics).Assign(entries, t == 2 ? ft.creator_half_life_ms : ft.topic_half_life_ms);
    }
    return Status::Ok();
  }

  // `count` rate records at sec.p + *p into `m`; their field is field[i]mid[j].
  Status RateRecords(const Span& sec, std::size_t* p, std::uint32_t count, const char* field, std::int64_t i,
                     const char* mid, std::unordered_map<std::uint32_t, TopicRate>* m) {
    m->reserve(count);
    std::int64_t previous = -1;
    for (std::uint32_t k = 0; k < count; ++k, *p += kRateBytes) {
      const std::uint8_t* r = sec.p + *p;
      std::uint32_t id = 0;
      Status st = mid[0] != '\0' ? Name(NameKind::kTopic, Load<std::uint32_t>(r), &previous, &id, field, i, mid, k)
                                 : Name(NameKind::kTopic, Load<std::uint32_t>(r), &previous, &id, field, k);
      if (!st.ok()) return st;
      m->emplace(id, GetRate(r));
    }
    return Status::Ok();
  }

  // The global rates, then a block per context that has any.
  [[gnu::always_inline]] Status Rates() {
    const Span& sec = sections_[kRates];
    if (!sec.present) return Status::Ok();
    const char* f = kSectionField[kRates];
    if (sec.n < 8) return Bad(f, "is cut short");
    const std::uint32_t count = Load<std::uint32_t>(sec.p), blocks = Load<std::uint32_t>(sec.p + 4);
    if ((sec.n - 8) / kRateBytes < count) return Bad(f, "is cut short");
    std::size_t p = 8;
    Status st = RateRecords(sec, &p, count, f, -1, "", &p_.rates);
    if (!st.ok()) return st;
    const char* fc = "snapshot.rates.contexts";
    std::int64_t previous_context = -1;
    for (std::uint32_t i = 0; i < blocks; ++i) {
      if (sec.n - p < kRateBlockBytes) return BadAt(fc, i, "", -1, "", "is cut short");
      const std::uint32_t rates = Load<std::uint32_t>(sec.p + p + 4);
      std::uint32_t id = 0;
      st = Name(NameKind::kContext, Load<std::uint32_t>(sec.p + p), &previous_context, &id, fc, i);
      if (!st.ok()) return st;
      p += kRateBlockBytes;
      if ((sec.n - p) / kRateBytes < rates) return BadAt(fc, i, "", -1, ".rates", "is cut short");
      st = RateRecords(sec, &p, rates, fc, i, ".rates", &p_.contexts[id].rates);
      if (!st.ok()) return st;
    }
    if (p != sec.n) return Bad(f, "has bytes after its last entry");
    return Status::Ok();
  }

  // Signals beyond this build's model (a newer build's) are skipped.
  [[gnu::always_inline]] Status Model() {
    const Span& sec = sections_[kModel];
    if (!sec.present) return Status::Ok();
    const char* f = kSectionField[kModel];
    if (sec.n < kModelHeadBytes) return Bad(f, "is cut short");
    const std::uint32_t signals = Load<std::uint32_t>(sec.p), choices = Load<std::uint32_t>(sec.p + 4);
    if (signals > kMaxModelSignals) return Bad("snapshot.model.signals", "has more entries than the cap of ", kMaxModelSignals);
    if (choices == 0) return Bad("snapshot.model.choices", "must be >= 1");
    if (sec.n != kModelHeadBytes + kModelSignalBytes * signals) return Bad(f, "does not hold its signals exactly");
    p_.model.choices = choices;
    for (std::uint32_t k = 0; k < std::min<std::uint32_t>(signals, kModelParams); ++k) {
      p_.model.shift[k] = Load<double>(sec.p + kModelHeadBytes + kModelSignalBytes * k);
      p_.model.evidence[k] = Load<double>(sec.p + kModelHeadBytes + kModelSignalBytes * k + 8);
    }
    return Status::Ok();
  }

  // The same state always gives the same bytes: a name nobody uses is not one of them.
  [[gnu::always_inline]] Status EveryNameUsed() const {
    for (int k = 0; k < kNameKindCount; ++k) {
      for (std::size_t i = 0; i < used_[k].size(); ++i) {
        if (!used_[k][i]) return BadAt(kNameFields[k], static_cast<std::int64_t>(i), "", -1, "", "is not used by any entry");
      }
    }
    return Status::Ok();
  }

  ProfileState& out_;
  Profile& p_;
  Span sections_[kSectionCount];
  std::vector<char> used_[kNameKindCount];
  std::vector<std::uint32_t> ids_[kNameKindCount];
};

}  // namespace

Status DecodeSnapshot(const std::uint8_t* data, std::size_t size, ProfileState* out) {
  return Reader(out).Run(data, size);
}

}  // namespace localrank
