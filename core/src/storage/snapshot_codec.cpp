// SPDX-License-Identifier: MIT
// The binary profile snapshot, localrank's storage format (docs/storage.md):
// everything ExportJson holds, in tagged, length-prefixed sections of
// little-endian values. Names are stored as strings, once, in a name table
// that the other sections index, so a snapshot is portable between engines.
// ImportSnapshot checks every byte before it touches the engine.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "localrank/engine.h"
#include "localrank/stages.h"

namespace localrank {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the snapshot codec writes the host's byte order");

namespace {

constexpr std::uint32_t Tag(const char (&s)[5]) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[3])) << 24;
}

constexpr std::uint32_t kMagic = Tag("LRPS");
constexpr std::size_t kHeaderBytes = 16;  // magic, version, total length, section count
constexpr std::uint32_t kMaxSections = 64;
constexpr double kMaxSafeInteger = 9007199254740992.0;  // 2^53, exact in a double and in JavaScript

// Sections, in the order they are written. A tag whose first letter is upper
// case must be understood by the reader; a lower-case one may be skipped (an
// addition an older build can safely ignore). Every section is optional on
// read (absent = empty) except names and scalars, so a section added later
// still reads snapshots written before it existed.
enum Section : int {
  kNames = 0, kScalars, kTopics, kCreators, kContexts, kPrefs, kUserVector, kEvents, kFatigue, kRates, kModel,
  kSectionCount
};
// Engagement-rate evidence ("rate", lower case) and the learnt model ("modl",
// lower case): a build that predates them skips the section and ranks
// without it (the model: with the prior).
constexpr std::uint32_t kTags[kSectionCount] = {Tag("NAME"), Tag("PROF"), Tag("TOPC"), Tag("CRTR"), Tag("CTXS"),
                                                Tag("PREF"), Tag("UVEC"), Tag("EVTS"), Tag("FATG"), Tag("rate"),
                                                Tag("modl")};
constexpr const char* kSectionField[kSectionCount] = {
    "snapshot.names",       "snapshot.profile",    "snapshot.topics", "snapshot.creators", "snapshot.contexts",
    "snapshot.preferences", "snapshot.userVector", "snapshot.events", "snapshot.fatigue",  "snapshot.rates",
    "snapshot.model"};

// Record sizes in bytes.
constexpr std::size_t kAffinityBytes = 48;  // u32 name, u32 events, f64 long, longAt, short, shortAt, lastAt
constexpr std::size_t kContextBytes = 24;   // u32 name, u32 topic count, f64 weight, weightAt (+ its topics)
constexpr std::size_t kPrefBytes = 8;       // u32 name, u32 preference
constexpr std::size_t kKeyedBytes = 24;     // f64 item key, count, at
constexpr std::size_t kNamedCounterBytes = 20;  // u32 name, f64 count, at
constexpr std::size_t kRateBytes = 44;          // u32 topic name, f64 shown, shownAt, engaged, engagedAt, lastAt
constexpr std::size_t kRateBlockBytes = 8;      // u32 context name, u32 rate count (+ its rates)
// The model: u32 signal count, u32 choices, then per signal f64 shift, f64
// evidence (signals in model.h's order; a newer build's extra ones are skipped).
constexpr std::size_t kModelHeadBytes = 8;
constexpr std::size_t kModelSignalBytes = 16;
constexpr std::uint32_t kMaxModelSignals = 64;

std::string TagName(std::uint32_t tag) {
  std::string s(4, '?');
  for (int i = 0; i < 4; ++i) {
    const char ch = static_cast<char>((tag >> (8 * i)) & 0xff);
    if (ch >= 0x20 && ch < 0x7f) s[static_cast<std::size_t>(i)] = ch;
  }
  return s;
}

std::size_t Pad4(std::size_t n) { return (n + 3) & ~static_cast<std::size_t>(3); }

template <typename T>
T Load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

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

Affinity GetAffinity(const std::uint8_t* r) {
  Affinity a;
  a.events = Load<std::uint32_t>(r + 4);
  a.long_term = Decayed{Load<double>(r + 8), Load<double>(r + 16)};
  a.short_term = Decayed{Load<double>(r + 24), Load<double>(r + 32)};
  a.last_at = Load<double>(r + 40);
  return a;
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

TopicRate GetRate(const std::uint8_t* r) {
  TopicRate t;
  t.shown = Decayed{Load<double>(r + 4), Load<double>(r + 12)};
  t.engaged = Decayed{Load<double>(r + 20), Load<double>(r + 28)};
  t.last_at = Load<double>(r + 36);
  return t;
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

// Well-formed UTF-8 (Unicode 15, table 3-7): no overlong forms, no
// surrogates, nothing above U+10FFFF. Names from the facade and from
// ImportJson always are; the JSON export could not write anything else.
bool ValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    int len;
    unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i < static_cast<std::size_t>(len)) return false;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (int k = 2; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0xC0) != 0x80) return false;
    }
    i += static_cast<std::size_t>(len);
  }
  return true;
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

bool Finite(double v) { return std::isfinite(v); }

// `count` validated affinity records into `m`, names mapped to engine ids (one copy of the code for all three uses).
[[gnu::noinline]] void LoadAffinities(std::unordered_map<std::uint32_t, Affinity>& m, const std::uint8_t* r,
                                      std::uint32_t count, const std::vector<std::uint32_t>& remap) {
  m.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i, r += kAffinityBytes) m.emplace(remap[Load<std::uint32_t>(r)], GetAffinity(r));
}

// A section's bytes.
struct Span {
  const std::uint8_t* p = nullptr;
  std::size_t n = 0;
  bool present = false;
};

// What the validating pass learnt, for the commit pass.
struct Parsed {
  std::vector<std::string_view> names[kNameKindCount];
  std::vector<char> used[kNameKindCount];
  Span sections[kSectionCount];
};

// Checks a name index of `kind` and marks the name used.
bool UseName(Parsed& s, NameKind kind, std::uint32_t index) {
  auto& used = s.used[static_cast<int>(kind)];
  if (index >= used.size()) return false;
  used[index] = 1;
  return true;
}

// An affinity record; its field is field[i]mid[j] (see BadAt).
Status CheckAffinity(Parsed& s, NameKind kind, const std::uint8_t* r, const char* field, std::int64_t i,
                     const char* mid, std::int64_t j, std::int64_t* previous) {
  const std::uint32_t name = Load<std::uint32_t>(r);
  if (!UseName(s, kind, name)) return BadAt(field, i, mid, j, ".name", "is not an index into the name table");
  if (static_cast<std::int64_t>(name) <= *previous) return BadAt(field, i, mid, j, ".name", "repeats a name or is out of order");
  *previous = name;
  const Affinity a = GetAffinity(r);
  if (!Finite(a.long_term.value) || !Finite(a.long_term.t) || !Finite(a.short_term.value) || !Finite(a.short_term.t) ||
      !Finite(a.last_at)) {
    return BadAt(field, i, mid, j, "", "has a value that is not a finite number");
  }
  if (a.events > 4000000000u) return BadAt(field, i, mid, j, ".events", "is larger than 4e9");
  return Status::Ok();
}

// A rate record; its field is field[i]mid[j] (see BadAt).
Status CheckRate(Parsed& s, const std::uint8_t* r, const char* field, std::int64_t i, const char* mid, std::int64_t j,
                 std::int64_t* previous) {
  const std::uint32_t name = Load<std::uint32_t>(r);
  if (!UseName(s, NameKind::kTopic, name)) return BadAt(field, i, mid, j, ".name", "is not an index into the name table");
  if (static_cast<std::int64_t>(name) <= *previous) return BadAt(field, i, mid, j, ".name", "repeats a name or is out of order");
  *previous = name;
  const TopicRate t = GetRate(r);
  if (!Finite(t.shown.value) || !Finite(t.shown.t) || !Finite(t.engaged.value) || !Finite(t.engaged.t) ||
      !Finite(t.last_at)) {
    return BadAt(field, i, mid, j, "", "has a value that is not a finite number");
  }
  if (t.shown.value < 0) return BadAt(field, i, mid, j, ".shown", "must be >= 0");
  return Status::Ok();
}

constexpr const char* kNameFields[kNameKindCount] = {"snapshot.names.topics", "snapshot.names.creators",
                                                     "snapshot.names.contexts"};

Status CheckNames(Parsed& s, const Span& sec) {
  const char* f = kSectionField[kNames];
  if (sec.n < 12) return Bad(f, "is cut short");
  std::size_t pos = 12;
  for (int k = 0; k < kNameKindCount; ++k) {
    const char* fk = kNameFields[k];
    const std::uint32_t count = Load<std::uint32_t>(sec.p + 4 * k);
    // Each name takes at least 3 bytes: a count beyond that is a lie, refused before anything is allocated.
    if (count > (sec.n - pos) / 3) return Bad(fk, "claims more names than the section holds");
    auto& names = s.names[k];
    names.reserve(count);
    Interner seen;  // for repeats (the interner's code is there anyway)
    for (std::uint32_t i = 0; i < count; ++i) {
      if (sec.n - pos < 2) return BadAt(fk, i, "", -1, "", "is cut short");
      const std::size_t len = Load<std::uint16_t>(sec.p + pos);
      pos += 2;
      if (sec.n - pos < len) return BadAt(fk, i, "", -1, "", "is cut short");
      const std::string_view name(reinterpret_cast<const char*>(sec.p + pos), len);
      pos += len;
      if (!NameLengthOk(name)) return BadAt(fk, i, "", -1, "", "must be 1..", kMaxNameLength, " characters long");
      if (name.find('\0') != std::string_view::npos) return BadAt(fk, i, "", -1, "", "contains a NUL byte");
      if (!ValidUtf8(name)) return BadAt(fk, i, "", -1, "", "is not valid UTF-8");
      if (seen.Intern(name) != i) return BadAt(fk, i, "", -1, "", "repeats a name");
      names.push_back(name);
    }
    s.used[k].assign(count, 0);
  }
  if (pos != sec.n) return Bad(f, "has bytes after its last name");
  return Status::Ok();
}

}  // namespace

// One function, section after section, although longer than ours usually
// are: split into a function per section it made the device module 0.4 KB
// gzip larger (BENCHMARKS.md, "Build choices"), and the module is at its budget.
void Engine::ExportSnapshot(std::vector<std::uint8_t>* out) const {
  // Snapshot index of every engine name the state refers to, in id order
  // (the walk of ForEachNameUse, profile/name_uses.h, written out: see there).
  std::vector<std::int32_t> index[kNameKindCount];
  for (int k = 0; k < kNameKindCount; ++k) index[k].assign(names_[k].size(), -1);
  auto mark = [&](NameKind kind, std::uint32_t id) { index[static_cast<int>(kind)][id] = 0; };
  for (const auto& [id, a] : profile_.topics) mark(NameKind::kTopic, id);
  for (const auto& [id, a] : profile_.creators) mark(NameKind::kCreator, id);
  for (const auto& [id, r] : profile_.rates) mark(NameKind::kTopic, id);
  std::size_t rate_blocks = 0, context_rates = 0;
  for (const auto& [id, ctx] : profile_.contexts) {
    mark(NameKind::kContext, id);
    for (const auto& [t, a] : ctx.topics) mark(NameKind::kTopic, t);
    for (const auto& [t, r] : ctx.rates) mark(NameKind::kTopic, t);
    rate_blocks += ctx.rates.empty() ? 0 : 1;
    context_rates += ctx.rates.size();
  }
  for (const auto& [id, p] : profile_.topic_prefs) mark(NameKind::kTopic, id);
  for (const auto& [id, p] : profile_.creator_prefs) mark(NameKind::kCreator, id);
  for (const auto& [id, c] : fatigue_.creators) mark(NameKind::kCreator, id);
  for (const auto& [id, c] : fatigue_.topics) mark(NameKind::kTopic, id);
  std::uint32_t counts[kNameKindCount] = {0, 0, 0};
  std::size_t name_bytes = 0;
  for (int k = 0; k < kNameKindCount; ++k) {
    for (std::size_t id = 0; id < index[k].size(); ++id) {
      if (index[k][id] < 0) continue;
      index[k][id] = static_cast<std::int32_t>(counts[k]++);
      name_bytes += 2 + names_[k].Name(static_cast<std::uint32_t>(id)).size();
    }
  }
  auto ix = [&](NameKind kind, std::uint32_t id) { return static_cast<std::uint32_t>(index[static_cast<int>(kind)][id]); };

  std::size_t context_topics = 0;
  for (const auto& [id, ctx] : profile_.contexts) context_topics += ctx.topics.size();
  const std::size_t n_events = profile_.events.size();
  out->reserve(kHeaderBytes + 8 * kSectionCount + 16 + name_bytes + 3 +
               kAffinityBytes * (profile_.topics.size() + profile_.creators.size() + context_topics) +
               kContextBytes * profile_.contexts.size() +
               kPrefBytes * (profile_.topic_prefs.size() + profile_.creator_prefs.size()) + 16 +
               4 * profile_.user_vector.size() + 20 + Pad4(n_events) + 16 * n_events + 16 +
               kKeyedBytes * (fatigue_.items.size() + fatigue_.opened.size()) +
               kNamedCounterBytes * (fatigue_.creators.size() + fatigue_.topics.size()) + 8 + 16 +
               kRateBlockBytes * rate_blocks + kRateBytes * (profile_.rates.size() + context_rates));
  Writer w(out);
  w.Put(kMagic);
  w.Put(static_cast<std::uint32_t>(kSnapshotVersion));
  w.Put(std::uint32_t{0});  // total length, filled in at the end
  w.Put(std::uint32_t{0});  // section count, likewise

  std::size_t b = w.Begin(kNames);
  for (std::uint32_t c : counts) w.Put(c);
  for (int k = 0; k < kNameKindCount; ++k) {
    for (std::size_t id = 0; id < index[k].size(); ++id) {
      if (index[k][id] < 0) continue;
      const std::string& name = names_[k].Name(static_cast<std::uint32_t>(id));
      w.Put(static_cast<std::uint16_t>(name.size()));
      w.Bytes(name.data(), name.size());
    }
  }
  w.End(b);

  b = w.Begin(kScalars);
  w.Put(static_cast<std::uint64_t>(profile_.total_events));
  w.Put(profile_.last_event_at);
  w.End(b);

  for (Section s : {kTopics, kCreators}) {
    const bool topics = s == kTopics;
    const auto entries = ById(topics ? profile_.topics : profile_.creators);
    b = w.Begin(s);
    w.Put(static_cast<std::uint32_t>(entries.size()));
    for (const auto& [id, a] : entries) PutAffinity(w, ix(topics ? NameKind::kTopic : NameKind::kCreator, id), *a);
    w.End(b);
  }

  b = w.Begin(kContexts);
  w.Put(static_cast<std::uint32_t>(profile_.contexts.size()));
  for (const auto& [id, ctx] : ById(profile_.contexts)) {
    w.Put(ix(NameKind::kContext, id));
    w.Put(static_cast<std::uint32_t>(ctx->topics.size()));
    w.Put(ctx->weight.value);
    w.Put(ctx->weight.t);
    for (const auto& [t, a] : ById(ctx->topics)) PutAffinity(w, ix(NameKind::kTopic, t), *a);
  }
  w.End(b);

  b = w.Begin(kPrefs);
  w.Put(static_cast<std::uint32_t>(profile_.topic_prefs.size()));
  w.Put(static_cast<std::uint32_t>(profile_.creator_prefs.size()));
  for (const auto& [id, p] : ById(profile_.topic_prefs)) {
    w.Put(ix(NameKind::kTopic, id));
    w.Put(static_cast<std::uint32_t>(*p));
  }
  for (const auto& [id, p] : ById(profile_.creator_prefs)) {
    w.Put(ix(NameKind::kCreator, id));
    w.Put(static_cast<std::uint32_t>(*p));
  }
  w.End(b);

  if (!profile_.user_vector.empty()) {
    b = w.Begin(kUserVector);
    w.Put(static_cast<std::uint32_t>(profile_.user_vector.size()));
    w.Put(std::uint32_t{0});
    w.Put(profile_.user_vector_at);
    w.Bytes(profile_.user_vector.data(), 4 * profile_.user_vector.size());
    w.End(b);
  }

  // Events as three columns: types (one byte each, padded to 4), times, weights.
  b = w.Begin(kEvents);
  w.Put(static_cast<std::uint32_t>(n_events));
  std::vector<std::uint8_t>& bytes = w.out();
  std::size_t at = bytes.size();
  bytes.resize(at + Pad4(n_events) + 16 * n_events, 0);
  std::size_t k = 0;
  for (const StoredEvent& ev : profile_.events) {
    bytes[at + k] = static_cast<std::uint8_t>(ev.type);
    std::memcpy(bytes.data() + at + Pad4(n_events) + 8 * k, &ev.at, 8);
    std::memcpy(bytes.data() + at + Pad4(n_events) + 8 * (n_events + k), &ev.weight, 8);
    ++k;
  }
  w.End(b);

  if (!fatigue_.empty()) {
    b = w.Begin(kFatigue);
    for (std::size_t n : {fatigue_.items.size(), fatigue_.opened.size(), fatigue_.creators.size(), fatigue_.topics.size()}) {
      w.Put(static_cast<std::uint32_t>(n));
    }
    for (const FatigueTable<double, ItemKeyHash>* table : {&fatigue_.items, &fatigue_.opened}) {
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
      const auto& table = kind == 0 ? fatigue_.creators : fatigue_.topics;
      for (const auto& [id, c] : ById(table.entries())) {
        w.Put(ix(nk, id));
        w.Put(c->value);
        w.Put(c->t);
      }
    }
    w.End(b);
  }

  // Rates: the global ones, then a block per context that has any.
  if (!profile_.rates.empty() || rate_blocks > 0) {
    b = w.Begin(kRates);
    w.Put(static_cast<std::uint32_t>(profile_.rates.size()));
    w.Put(static_cast<std::uint32_t>(rate_blocks));
    for (const auto& [id, r] : ById(profile_.rates)) PutRate(w, ix(NameKind::kTopic, id), *r);
    for (const auto& [id, ctx] : ById(profile_.contexts)) {
      if (ctx->rates.empty()) continue;
      w.Put(ix(NameKind::kContext, id));
      w.Put(static_cast<std::uint32_t>(ctx->rates.size()));
      for (const auto& [t, r] : ById(ctx->rates)) PutRate(w, ix(NameKind::kTopic, t), *r);
    }
    w.End(b);
  }

  if (!profile_.model.empty()) {
    b = w.Begin(kModel);
    w.Put(static_cast<std::uint32_t>(kModelParams));
    w.Put(profile_.model.choices);
    for (int k = 0; k < kModelParams; ++k) {
      w.Put(profile_.model.shift[static_cast<std::size_t>(k)]);
      w.Put(profile_.model.evidence[static_cast<std::size_t>(k)]);
    }
    w.End(b);
  }

  const auto total = static_cast<std::uint32_t>(bytes.size());
  const std::uint32_t sections = w.sections();
  std::memcpy(bytes.data() + 8, &total, 4);
  std::memcpy(bytes.data() + 12, &sections, 4);
}

// One function, a block per section, although longer than ours usually are:
// split into a check function per section it made the device module 0.2 KB
// gzip larger (BENCHMARKS.md, "Build choices"), and the module is at its budget.
Status Engine::ImportSnapshot(const std::uint8_t* data, std::size_t size) {
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
    const std::string why = "is " + std::to_string(version) + ", this build reads versions 1.." + std::to_string(kSnapshotVersion);
    return Bad("snapshot.version", why.c_str());
  }
  if (Load<std::uint32_t>(data + 8) != size) {
    return Bad("snapshot.length", "does not match the bytes given (cut short or extended): it says ", Load<std::uint32_t>(data + 8));
  }
  const std::uint32_t section_count = Load<std::uint32_t>(data + 12);
  if (section_count > kMaxSections) return Bad("snapshot.sections", "are more than ", kMaxSections);

  // The section directory: every section exactly inside the snapshot, zero padding, no repeats.
  Parsed s;
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
    Span& sec = s.sections[known - std::begin(kTags)];
    if (sec.present) return BadSection(i, tag, "repeats a section");
    sec = Span{body, length, true};
  }
  if (pos != size) return Bad("snapshot", "has bytes after its last section");
  for (Section req : {kNames, kScalars}) {
    if (!s.sections[req].present) return Bad(kSectionField[req], "is missing");
  }

  // Validating pass: nothing is kept but name views and the spans.
  Status st = CheckNames(s, s.sections[kNames]);
  if (!st.ok()) return st;

  {
    const Span& sec = s.sections[kScalars];
    if (sec.n != 16) return Bad(kSectionField[kScalars], "has the wrong length");
    const std::uint64_t total = Load<std::uint64_t>(sec.p);
    const double last = Load<double>(sec.p + 8);
    if (static_cast<double>(total) > kMaxSafeInteger) return Bad("snapshot.totalEvents", "must be in [0, 2^53]");
    if (!Finite(last) || last < 0 || last > kMaxSafeInteger) return Bad("snapshot.lastEventAt", "must be a number in [0, 2^53]");
  }

  for (Section sc : {kTopics, kCreators}) {
    const Span& sec = s.sections[sc];
    if (!sec.present) continue;
    const char* f = kSectionField[sc];
    if (sec.n < 4) return Bad(f, "is cut short");
    const std::uint32_t count = Load<std::uint32_t>(sec.p);
    const int cap = sc == kTopics ? config_.max_topics : config_.max_creators;
    if (count > static_cast<std::uint32_t>(cap)) return Bad(f, "has more entries than the cap of ", cap);
    if (sec.n != 4 + count * kAffinityBytes) return Bad(f, "has the wrong length for its entries: ", count);
    std::int64_t previous = -1;
    for (std::uint32_t i = 0; i < count; ++i) {
      st = CheckAffinity(s, sc == kTopics ? NameKind::kTopic : NameKind::kCreator, sec.p + 4 + i * kAffinityBytes, f, i,
                         "", -1, &previous);
      if (!st.ok()) return st;
    }
  }

  if (s.sections[kContexts].present) {
    const Span& sec = s.sections[kContexts];
    const char* f = kSectionField[kContexts];
    if (sec.n < 4) return Bad(f, "is cut short");
    const std::uint32_t count = Load<std::uint32_t>(sec.p);
    if (count > static_cast<std::uint32_t>(config_.max_contexts)) return Bad(f, "has more entries than the cap of ", config_.max_contexts);
    std::size_t p = 4;
    std::int64_t previous = -1;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (sec.n - p < kContextBytes) return BadAt(f, i, "", -1, "", "is cut short");
      const std::uint32_t name = Load<std::uint32_t>(sec.p + p);
      const std::uint32_t topics = Load<std::uint32_t>(sec.p + p + 4);
      if (!UseName(s, NameKind::kContext, name)) return BadAt(f, i, "", -1, ".name", "is not an index into the name table");
      if (static_cast<std::int64_t>(name) <= previous) return BadAt(f, i, "", -1, ".name", "repeats a name or is out of order");
      previous = name;
      if (!Finite(Load<double>(sec.p + p + 8)) || !Finite(Load<double>(sec.p + p + 16))) {
        return BadAt(f, i, "", -1, "", "has a weight that is not a finite number");
      }
      if (topics > static_cast<std::uint32_t>(config_.max_context_topics)) {
        return BadAt(f, i, "", -1, ".topics", "has more entries than the cap of ", config_.max_context_topics);
      }
      p += kContextBytes;
      if ((sec.n - p) / kAffinityBytes < topics) return BadAt(f, i, "", -1, ".topics", "is cut short");
      std::int64_t previous_topic = -1;
      for (std::uint32_t t = 0; t < topics; ++t) {
        st = CheckAffinity(s, NameKind::kTopic, sec.p + p, f, i, ".topics", t, &previous_topic);
        if (!st.ok()) return st;
        p += kAffinityBytes;
      }
    }
    if (p != sec.n) return Bad(f, "has bytes after its last entry");
  }

  if (s.sections[kPrefs].present) {
    const Span& sec = s.sections[kPrefs];
    if (sec.n < 8) return Bad(kSectionField[kPrefs], "is cut short");
    const std::uint32_t nt = Load<std::uint32_t>(sec.p), nc = Load<std::uint32_t>(sec.p + 4);
    if (static_cast<std::uint64_t>(nt) + nc != (sec.n - 8) / kPrefBytes || (sec.n - 8) % kPrefBytes != 0) {
      return Bad(kSectionField[kPrefs], "has the wrong length for its entries");
    }
    for (std::uint32_t i = 0; i < nt + nc; ++i) {
      const bool topic = i < nt;
      const char* f = topic ? "snapshot.preferences.topics" : "snapshot.preferences.creators";
      const std::int64_t k = topic ? i : i - nt;
      const std::uint8_t* r = sec.p + 8 + i * kPrefBytes;
      const std::uint32_t name = Load<std::uint32_t>(r);
      if (!UseName(s, topic ? NameKind::kTopic : NameKind::kCreator, name)) {
        return BadAt(f, k, "", -1, ".name", "is not an index into the name table");
      }
      if (i != 0 && i != nt && name <= Load<std::uint32_t>(r - kPrefBytes)) {
        return BadAt(f, k, "", -1, ".name", "repeats a name or is out of order");
      }
      if (Load<std::uint32_t>(r + 4) > 3) return BadAt(f, k, "", -1, "", "must be none, more, less or never");
    }
  }

  if (s.sections[kUserVector].present) {
    const Span& sec = s.sections[kUserVector];
    const char* f = kSectionField[kUserVector];
    if (sec.n < 16) return Bad(f, "is cut short");
    const std::uint32_t dim = Load<std::uint32_t>(sec.p);
    if (dim > static_cast<std::uint32_t>(kMaxEmbeddingDim)) return Bad(f, "is too long");
    if (Load<std::uint32_t>(sec.p + 4) != 0 || sec.n != 16 + 4 * static_cast<std::size_t>(dim)) {
      return Bad(f, "has the wrong length for its values: ", dim);
    }
    if (!Finite(Load<double>(sec.p + 8))) return Bad("snapshot.userVector.at", "must be a finite number");
    for (std::uint32_t i = 0; i < dim; ++i) {
      if (!std::isfinite(Load<float>(sec.p + 16 + 4 * i))) return Bad("snapshot.userVector.values", "must be finite numbers");
    }
  }

  std::size_t n_events = 0;
  if (s.sections[kEvents].present) {
    const Span& sec = s.sections[kEvents];
    const char* f = kSectionField[kEvents];
    if (sec.n < 4) return Bad(f, "is cut short");
    n_events = Load<std::uint32_t>(sec.p);
    if (n_events > sec.n / 16 || sec.n != 4 + Pad4(n_events) + 16 * n_events) {
      return Bad(f, "has the wrong length for its events: ", static_cast<std::int64_t>(n_events));
    }
    const std::uint8_t* types = sec.p + 4;
    const std::uint8_t* times = types + Pad4(n_events);
    for (std::size_t i = 0; i < n_events; ++i) {
      const auto ii = static_cast<std::int64_t>(i);
      if (types[i] >= kEventTypeCount) return BadAt(f, ii, "", -1, ".type", "is not an event type");
      if (!Finite(Load<double>(times + 8 * i)) || !Finite(Load<double>(times + 8 * (n_events + i)))) {
        return BadAt(f, ii, "", -1, "", "has a time or weight that is not a finite number");
      }
    }
    for (std::size_t i = n_events; i < Pad4(n_events); ++i) {
      if (types[i] != 0) return Bad(f, "has non-zero padding");
    }
  }

  const FatigueTuning& ft = DefaultRankTuning().fatigue;
  if (s.sections[kFatigue].present) {
    const Span& sec = s.sections[kFatigue];
    const char* f = kSectionField[kFatigue];
    if (sec.n < 16) return Bad(f, "is cut short");
    const std::uint32_t n[4] = {Load<std::uint32_t>(sec.p), Load<std::uint32_t>(sec.p + 4),
                                Load<std::uint32_t>(sec.p + 8), Load<std::uint32_t>(sec.p + 12)};
    const int caps[4] = {ft.max_items, ft.max_items, ft.max_creators, ft.max_topics};
    static const char* kTables[4] = {"snapshot.fatigue.items", "snapshot.fatigue.opened", "snapshot.fatigue.creators",
                                     "snapshot.fatigue.topics"};
    for (int t = 0; t < 4; ++t) {
      if (n[t] > static_cast<std::uint32_t>(caps[t])) return Bad(kTables[t], "has more entries than the cap of ", caps[t]);
    }
    if (sec.n != 16 + kKeyedBytes * (std::size_t{n[0]} + n[1]) + kNamedCounterBytes * (std::size_t{n[2]} + n[3])) {
      return Bad(f, "has the wrong length for its entries");
    }
    const std::uint8_t* r = sec.p + 16;
    for (int t = 0; t < 4; ++t) {
      const bool keyed = t < 2;
      double previous_key = -1.0;
      std::int64_t previous_name = -1;
      for (std::uint32_t i = 0; i < n[t]; ++i) {
        double count, at;
        if (keyed) {
          const double key = Load<double>(r);
          // Item keys are 53-bit hashes: integers that a double holds exactly.
          if (!Finite(key) || key < 0 || key != std::floor(key) || key > kMaxSafeInteger - 1) {
            return BadAt(kTables[t], i, "", -1, ".key", "must be an item hash (an integer 0..2^53-1)");
          }
          if (key <= previous_key) return BadAt(kTables[t], i, "", -1, ".key", "repeats a key or is out of order");
          previous_key = key;
          count = Load<double>(r + 8);
          at = Load<double>(r + 16);
          r += kKeyedBytes;
        } else {
          const std::uint32_t name = Load<std::uint32_t>(r);
          if (!UseName(s, t == 2 ? NameKind::kCreator : NameKind::kTopic, name)) {
            return BadAt(kTables[t], i, "", -1, ".name", "is not an index into the name table");
          }
          if (static_cast<std::int64_t>(name) <= previous_name) {
            return BadAt(kTables[t], i, "", -1, ".name", "repeats a name or is out of order");
          }
          previous_name = name;
          count = Load<double>(r + 4);
          at = Load<double>(r + 12);
          r += kNamedCounterBytes;
        }
        if (!Finite(count) || count < 0 || !Finite(at) || at < 0) return BadAt(kTables[t], i, "", -1, "", "must be {count >= 0, at >= 0}");
      }
    }
  }

  if (s.sections[kRates].present) {
    const Span& sec = s.sections[kRates];
    const char* f = kSectionField[kRates];
    if (sec.n < 8) return Bad(f, "is cut short");
    const std::uint32_t count = Load<std::uint32_t>(sec.p), blocks = Load<std::uint32_t>(sec.p + 4);
    if (count > static_cast<std::uint32_t>(config_.max_topics)) return Bad(f, "has more entries than the cap of ", config_.max_topics);
    if (blocks > static_cast<std::uint32_t>(config_.max_contexts)) {
      return Bad("snapshot.rates.contexts", "has more entries than the cap of ", config_.max_contexts);
    }
    if ((sec.n - 8) / kRateBytes < count) return Bad(f, "is cut short");
    std::size_t p = 8;
    std::int64_t previous = -1;
    for (std::uint32_t i = 0; i < count; ++i, p += kRateBytes) {
      st = CheckRate(s, sec.p + p, f, i, "", -1, &previous);
      if (!st.ok()) return st;
    }
    const char* fc = "snapshot.rates.contexts";
    std::int64_t previous_context = -1;
    for (std::uint32_t i = 0; i < blocks; ++i) {
      if (sec.n - p < kRateBlockBytes) return BadAt(fc, i, "", -1, "", "is cut short");
      const std::uint32_t name = Load<std::uint32_t>(sec.p + p);
      const std::uint32_t rates = Load<std::uint32_t>(sec.p + p + 4);
      if (!UseName(s, NameKind::kContext, name)) return BadAt(fc, i, "", -1, ".name", "is not an index into the name table");
      if (static_cast<std::int64_t>(name) <= previous_context) {
        return BadAt(fc, i, "", -1, ".name", "repeats a name or is out of order");
      }
      previous_context = name;
      if (rates > static_cast<std::uint32_t>(config_.max_context_topics)) {
        return BadAt(fc, i, "", -1, ".rates", "has more entries than the cap of ", config_.max_context_topics);
      }
      p += kRateBlockBytes;
      if ((sec.n - p) / kRateBytes < rates) return BadAt(fc, i, "", -1, ".rates", "is cut short");
      std::int64_t previous_topic = -1;
      for (std::uint32_t t = 0; t < rates; ++t, p += kRateBytes) {
        st = CheckRate(s, sec.p + p, fc, i, ".rates", t, &previous_topic);
        if (!st.ok()) return st;
      }
    }
    if (p != sec.n) return Bad(f, "has bytes after its last entry");
  }

  if (s.sections[kModel].present) {
    const Span& sec = s.sections[kModel];
    const char* f = kSectionField[kModel];
    if (sec.n < kModelHeadBytes) return Bad(f, "is cut short");
    const std::uint32_t signals = Load<std::uint32_t>(sec.p), choices = Load<std::uint32_t>(sec.p + 4);
    if (signals > kMaxModelSignals) return Bad("snapshot.model.signals", "has more entries than the cap of ", kMaxModelSignals);
    if (choices == 0) return Bad("snapshot.model.choices", "must be >= 1");
    if (sec.n != kModelHeadBytes + kModelSignalBytes * signals) return Bad(f, "does not hold its signals exactly");
    for (std::uint32_t k = 0; k < signals; ++k) {
      const double shift = Load<double>(sec.p + kModelHeadBytes + kModelSignalBytes * k);
      const double evidence = Load<double>(sec.p + kModelHeadBytes + kModelSignalBytes * k + 8);
      if (!Finite(shift) || std::fabs(shift) > 2 * kMaxModelWeight) {
        return BadAt("snapshot.model.signals", k, "", -1, ".shift", "must be a finite number in [-16, 16]");
      }
      if (!Finite(evidence) || evidence < 0 || evidence > kMaxModelEvidence) {
        return BadAt("snapshot.model.signals", k, "", -1, ".evidence", "must be a finite number in [0, 10000]");
      }
    }
  }

  for (int k = 0; k < kNameKindCount; ++k) {
    for (std::size_t i = 0; i < s.used[k].size(); ++i) {
      if (!s.used[k][i]) return BadAt(kNameFields[k], static_cast<std::int64_t>(i), "", -1, "", "is not used by any entry");
    }
  }

  // Everything is valid: build the new state, then swap it in.
  std::vector<std::uint32_t> ids[kNameKindCount];
  for (int k = 0; k < kNameKindCount; ++k) {
    ids[k].reserve(s.names[k].size());
    for (std::string_view name : s.names[k]) ids[k].push_back(names_[k].Intern(name));
  }
  const auto& topic_ids = ids[static_cast<int>(NameKind::kTopic)];
  const auto& creator_ids = ids[static_cast<int>(NameKind::kCreator)];
  Profile next;
  {
    const Span& sec = s.sections[kScalars];
    next.total_events = Load<std::uint64_t>(sec.p);
    next.last_event_at = Load<double>(sec.p + 8);
  }
  for (Section sc : {kTopics, kCreators}) {
    const Span& sec = s.sections[sc];
    if (!sec.present) continue;
    auto& m = sc == kTopics ? next.topics : next.creators;
    const auto& remap = sc == kTopics ? topic_ids : creator_ids;
    LoadAffinities(m, sec.p + 4, Load<std::uint32_t>(sec.p), remap);
  }
  if (s.sections[kContexts].present) {
    const Span& sec = s.sections[kContexts];
    const std::uint32_t count = Load<std::uint32_t>(sec.p);
    next.contexts.reserve(count);
    std::size_t p = 4;
    for (std::uint32_t i = 0; i < count; ++i) {
      ContextStats& ctx = next.contexts[ids[static_cast<int>(NameKind::kContext)][Load<std::uint32_t>(sec.p + p)]];
      const std::uint32_t topics = Load<std::uint32_t>(sec.p + p + 4);
      ctx.weight = Decayed{Load<double>(sec.p + p + 8), Load<double>(sec.p + p + 16)};
      p += kContextBytes;
      LoadAffinities(ctx.topics, sec.p + p, topics, topic_ids);
      p += topics * kAffinityBytes;
    }
  }
  if (s.sections[kPrefs].present) {
    const Span& sec = s.sections[kPrefs];
    const std::uint32_t nt = Load<std::uint32_t>(sec.p), nc = Load<std::uint32_t>(sec.p + 4);
    for (std::uint32_t i = 0; i < nt + nc; ++i) {
      const std::uint8_t* r = sec.p + 8 + i * kPrefBytes;
      const auto pref = static_cast<Preference>(Load<std::uint32_t>(r + 4));
      if (i < nt) {
        next.topic_prefs[topic_ids[Load<std::uint32_t>(r)]] = pref;
      } else {
        next.creator_prefs[creator_ids[Load<std::uint32_t>(r)]] = pref;
      }
    }
  }
  if (s.sections[kUserVector].present) {
    const Span& sec = s.sections[kUserVector];
    const std::uint32_t dim = Load<std::uint32_t>(sec.p);
    // A vector of another dimension cannot be compared with this build's embeddings.
    if (dim == static_cast<std::uint32_t>(config_.dim)) {
      next.user_vector.resize(dim);
      std::memcpy(next.user_vector.data(), sec.p + 16, 4 * static_cast<std::size_t>(dim));
      next.user_vector_at = Load<double>(sec.p + 8);
    }
  }
  if (n_events > 0) {
    const std::uint8_t* types = s.sections[kEvents].p + 4;
    const std::uint8_t* times = types + Pad4(n_events);
    // Like ImportJson: beyond this build's cap, the newest events stay.
    const std::size_t keep = std::min(n_events, static_cast<std::size_t>(std::max(config_.max_events, 0)));
    std::vector<StoredEvent> events;
    events.reserve(keep);
    for (std::size_t i = n_events - keep; i < n_events; ++i) {
      events.push_back(StoredEvent{static_cast<EventType>(types[i]), Load<double>(times + 8 * i),
                                   Load<double>(times + 8 * (n_events + i))});
    }
    // One range insert: the deque allocates its blocks at once, not per event.
    next.events.assign(events.begin(), events.end());
  }
  if (s.sections[kRates].present) {
    const Span& sec = s.sections[kRates];
    const std::uint32_t count = Load<std::uint32_t>(sec.p), blocks = Load<std::uint32_t>(sec.p + 4);
    std::size_t p = 8;
    next.rates.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i, p += kRateBytes) {
      next.rates.emplace(topic_ids[Load<std::uint32_t>(sec.p + p)], GetRate(sec.p + p));
    }
    for (std::uint32_t i = 0; i < blocks; ++i) {
      ContextStats& ctx = next.contexts[ids[static_cast<int>(NameKind::kContext)][Load<std::uint32_t>(sec.p + p)]];
      const std::uint32_t rates = Load<std::uint32_t>(sec.p + p + 4);
      p += kRateBlockBytes;
      ctx.rates.reserve(rates);
      for (std::uint32_t t = 0; t < rates; ++t, p += kRateBytes) {
        ctx.rates.emplace(topic_ids[Load<std::uint32_t>(sec.p + p)], GetRate(sec.p + p));
      }
    }
  }
  FatigueState fatigue;
  if (s.sections[kFatigue].present) {
    const Span& sec = s.sections[kFatigue];
    const std::uint32_t n[4] = {Load<std::uint32_t>(sec.p), Load<std::uint32_t>(sec.p + 4),
                                Load<std::uint32_t>(sec.p + 8), Load<std::uint32_t>(sec.p + 12)};
    const std::uint8_t* r = sec.p + 16;
    for (int t = 0; t < 2; ++t) {
      std::vector<std::pair<double, Decayed>> entries(n[t]);
      for (auto& [key, c] : entries) {
        key = Load<double>(r);
        c = Decayed{Load<double>(r + 8), Load<double>(r + 16)};
        r += kKeyedBytes;
      }
      (t == 0 ? fatigue.items : fatigue.opened).Assign(entries, t == 0 ? ft.item_half_life_ms : ft.opened_half_life_ms);
    }
    for (int t = 2; t < 4; ++t) {
      const auto& remap = t == 2 ? creator_ids : topic_ids;
      std::vector<std::pair<std::uint32_t, Decayed>> entries(n[t]);
      for (auto& [id, c] : entries) {
        id = remap[Load<std::uint32_t>(r)];
        c = Decayed{Load<double>(r + 4), Load<double>(r + 12)};
        r += kNamedCounterBytes;
      }
      (t == 2 ? fatigue.creators : fatigue.topics).Assign(entries, t == 2 ? ft.creator_half_life_ms : ft.topic_half_life_ms);
    }
  }
  if (s.sections[kModel].present) {
    const Span& sec = s.sections[kModel];
    const std::uint32_t signals = std::min<std::uint32_t>(Load<std::uint32_t>(sec.p), kModelParams);
    next.model.choices = Load<std::uint32_t>(sec.p + 4);
    for (std::uint32_t k = 0; k < signals; ++k) {
      next.model.shift[k] = Load<double>(sec.p + kModelHeadBytes + kModelSignalBytes * k);
      next.model.evidence[k] = Load<double>(sec.p + kModelHeadBytes + kModelSignalBytes * k + 8);
    }
  }
  profile_ = std::move(next);
  fatigue_ = std::move(fatigue);
  ForgetRankings();
  return Status::Ok();
}

}  // namespace localrank
