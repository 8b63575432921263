// SPDX-License-Identifier: MIT
// CheckProfileState: the one place for the limits and consistency rules of a
// profile state. The JSON and snapshot codecs (core/src/storage) check only
// what their format needs to convert; Engine::Replace runs this before it
// installs a state. A state passes in one pass over its entries; the field of
// a fault is worked out only once there is one.
#include "localrank/profile_state.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "profile/name_uses.h"

namespace localrank {

namespace {

constexpr double kMaxSafeInteger = 9007199254740992.0;  // 2^53, exact in a double and in JavaScript

bool Finite(double v) { return std::isfinite(v); }

// Well-formed UTF-8 (Unicode 15, table 3-7): no overlong forms, no
// surrogates, nothing above U+10FFFF.
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

// Where a list is: field = prefix + list + [i] + sub (i < 0: no index), e.g.
// ".contexts", 2, ".topics" for profile.contexts[2].topics.
struct Where {
  const char* list;
  std::int64_t i = -1;
  const char* sub = "";
};

// Errors are rare: built out of line from pieces, so a check costs a call
// rather than an inlined string concatenation (code size). The field is the
// list's, then [j] and `sub` (j < 0: no index); `n` >= 0 is appended to `why`,
// then `tail`.
[[gnu::noinline, gnu::cold]] Status Fail(const char* prefix, const Where& w, std::int64_t j, const char* sub,
                                         const char* why, std::int64_t n = -1, const char* tail = "") {
  std::string f = std::string(prefix) + w.list;
  if (w.i >= 0) f += "[" + std::to_string(w.i) + "]";
  f += w.sub;
  if (j >= 0) f += "[" + std::to_string(j) + "]";
  f += sub;
  std::string m = f + " " + why;
  if (n >= 0) m += std::to_string(n) + tail;
  return Status::Error(Code::kCorruptProfile, f, -1, m);
}

// What is wrong with one entry (why == nullptr: nothing); `sub` names the
// entry's field, appended to the entry's own.
struct Fault {
  const char* sub = "";
  const char* why = nullptr;
};

Fault AffinityFault(const Affinity& a) {
  if (!Finite(a.long_term.value) || !Finite(a.long_term.t) || !Finite(a.short_term.value) || !Finite(a.short_term.t) ||
      !Finite(a.last_at)) {
    return {"", "has a value that is not a finite number"};
  }
  if (a.events > 4000000000u) return {".events", "is larger than 4e9"};
  return {};
}

Fault RateFault(const TopicRate& t) {
  if (!Finite(t.shown.value) || !Finite(t.shown.t) || !Finite(t.engaged.value) || !Finite(t.engaged.t) ||
      !Finite(t.last_at)) {
    return {"", "has a value that is not a finite number"};
  }
  if (t.shown.value < 0) return {".shown", "must be >= 0"};
  return {};
}

Fault CounterFault(const Decayed& c) {
  if (!Finite(c.value) || c.value < 0 || !Finite(c.t) || c.t < 0) return {"", "must be {count >= 0, at >= 0}"};
  return {};
}

Fault PreferenceFault(Preference p) {
  if (static_cast<std::uint32_t>(p) > static_cast<std::uint32_t>(Preference::kNever)) {
    return {"", "must be none, more, less or never"};
  }
  return {};
}

class Checker {
 public:
  Checker(const ProfileState& s, const Config& c, StateFields fields)
      : s_(s), c_(c), json_(fields == StateFields::kJson), p_(json_ ? "profile" : "snapshot") {}

  Status Run() const {
    Status st = Names();
    if (st.ok()) st = Scalars();
    if (st.ok()) st = Affinities(s_.profile.topics, NameKind::kTopic, {".topics"}, c_.max_topics);
    if (st.ok()) st = Affinities(s_.profile.creators, NameKind::kCreator, {".creators"}, c_.max_creators);
    if (st.ok()) st = Contexts();
    if (st.ok()) st = Preferences();
    if (st.ok()) st = UserVector();
    if (st.ok()) st = Events();
    if (st.ok()) st = Fatigue();
    if (st.ok()) st = Rates();
    if (st.ok()) st = Model();
    return st;
  }

 private:
  Status Bad(const Where& w, std::int64_t j, const char* sub, const char* why, std::int64_t n = -1,
             const char* tail = "") const {
    return Fail(p_, w, j, sub, why, n, tail);
  }
  Status Cap(std::size_t size, int cap, const Where& w) const {
    if (size <= static_cast<std::size_t>(std::max(cap, 0))) return Status::Ok();
    return Bad(w, -1, "", "has more entries than the cap of ", cap);
  }

  // True when name id `a` comes before `b` in the format's order: by name in
  // the JSON, by id in the snapshot.
  bool Before(NameKind kind, std::uint32_t a, std::uint32_t b) const {
    return json_ ? s_.table(kind).Name(a) < s_.table(kind).Name(b) : a < b;
  }

  // The position of `key` among the keys of `m` in the format's order.
  template <typename M>
  std::int64_t Position(const M& m, NameKind kind, std::uint32_t key) const {
    std::int64_t n = 0;
    for (const auto& kv : m) n += Before(kind, kv.first, key) ? 1 : 0;
    return n;
  }

  // The first entry of `m`, in the format's order, that `fault` finds wrong:
  // found without sorting (a state without faults costs one pass).
  template <typename M, typename F>
  Status Entries(const M& m, NameKind kind, const Where& w, F fault) const {
    const typename M::value_type* first = nullptr;
    for (const auto& kv : m) {
      if (fault(kv.second).why != nullptr && (first == nullptr || Before(kind, kv.first, first->first))) first = &kv;
    }
    if (first == nullptr) return Status::Ok();
    const Fault f = fault(first->second);
    return Bad(w, Position(m, kind, first->first), f.sub, f.why);
  }

  // Every id the state refers to has a name, and every such name is 1..
  // kMaxNameLength characters of valid UTF-8 without NUL. A name's index is
  // its position among the names in use, by id (the snapshot's name table).
  Status Names() const {
    static const char* kLists[kNameKindCount] = {".names.topics", ".names.creators", ".names.contexts"};
    std::vector<char> used[kNameKindCount];
    for (int k = 0; k < kNameKindCount; ++k) used[k].assign(s_.names[k].size(), 0);
    int missing = -1;
    ForEachNameUse(s_.profile, s_.fatigue, [&](NameKind kind, std::uint32_t id) {
      auto& u = used[static_cast<int>(kind)];
      if (id < u.size()) {
        u[id] = 1;
      } else {
        missing = static_cast<int>(kind);
      }
    });
    if (missing >= 0) return Bad({kLists[missing]}, -1, "", "has no name for an id the state uses");
    for (int k = 0; k < kNameKindCount; ++k) {
      std::int64_t index = 0;
      for (std::size_t id = 0; id < used[k].size(); ++id) {
        if (!used[k][id]) continue;
        const char* why = NameFault(s_.names[k].Name(static_cast<std::uint32_t>(id)));
        if (why != nullptr) return Bad({kLists[k]}, index, "", why);
        ++index;
      }
    }
    return Status::Ok();
  }

  Status Scalars() const {
    if (static_cast<double>(s_.profile.total_events) > kMaxSafeInteger) {
      return Bad({".totalEvents"}, -1, "", "must be in [0, 2^53]");
    }
    const double last = s_.profile.last_event_at;
    if (!Finite(last) || last < 0 || last > kMaxSafeInteger) {
      return Bad({".lastEventAt"}, -1, "", "must be a number in [0, 2^53]");
    }
    return Status::Ok();
  }

  Status Affinities(const std::unordered_map<std::uint32_t, Affinity>& m, NameKind kind, const Where& w,
                    int cap) const {
    Status st = Cap(m.size(), cap, w);
    return st.ok() ? Entries(m, kind, w, AffinityFault) : st;
  }

  Status RateList(const std::unordered_map<std::uint32_t, TopicRate>& m, const Where& w, int cap) const {
    Status st = Cap(m.size(), cap, w);
    return st.ok() ? Entries(m, NameKind::kTopic, w, RateFault) : st;
  }

  // One context, at index `i`. The JSON keeps a context's rates in the
  // context; the snapshot in blocks after the global rates (Rates).
  Status Context(const ContextStats& ctx, std::int64_t i) const {
    if (!Finite(ctx.weight.value) || !Finite(ctx.weight.t)) {
      return Bad({".contexts"}, i, "", "has a weight that is not a finite number");
    }
    Status st = Affinities(ctx.topics, NameKind::kTopic, {".contexts", i, ".topics"}, c_.max_context_topics);
    if (st.ok() && json_) st = RateList(ctx.rates, {".contexts", i, ".rates"}, c_.max_context_topics);
    return st;
  }

  Status Contexts() const {
    const auto& contexts = s_.profile.contexts;
    Status st = Cap(contexts.size(), c_.max_contexts, {".contexts"});
    const std::pair<const std::uint32_t, ContextStats>* first = nullptr;
    for (const auto& kv : contexts) {
      if (st.ok() && !Context(kv.second, 0).ok() && (first == nullptr || Before(NameKind::kContext, kv.first, first->first))) {
        first = &kv;
      }
    }
    if (first != nullptr) st = Context(first->second, Position(contexts, NameKind::kContext, first->first));
    return st;
  }

  Status Preferences() const {
    Status st = Entries(s_.profile.topic_prefs, NameKind::kTopic, {".preferences.topics"}, PreferenceFault);
    if (st.ok()) st = Entries(s_.profile.creator_prefs, NameKind::kCreator, {".preferences.creators"}, PreferenceFault);
    return st;
  }

  Status UserVector() const {
    const std::vector<float>& v = s_.profile.user_vector;
    if (v.size() > static_cast<std::size_t>(kMaxEmbeddingDim)) return Bad({".userVector"}, -1, "", "is too long");
    if (!Finite(s_.profile.user_vector_at)) return Bad({".userVector.at"}, -1, "", "must be a finite number");
    for (const float x : v) {
      if (!std::isfinite(x)) return Bad({".userVector.values"}, -1, "", "must be finite numbers within the float32 range");
    }
    return Status::Ok();
  }

  Status Events() const {
    std::int64_t i = 0;
    for (const StoredEvent& ev : s_.profile.events) {
      if (static_cast<std::uint32_t>(ev.type) >= static_cast<std::uint32_t>(kEventTypeCount)) {
        return Bad({".events"}, i, ".type", "is not an event type");
      }
      if (!Finite(ev.at) || !Finite(ev.weight)) return Bad({".events"}, i, "", "has a time or weight that is not a finite number");
      ++i;
    }
    return Status::Ok();
  }

  static Fault KeyedFault(double key, const Decayed& c) {
    const char* why = ItemKeyFault(key);
    return why != nullptr ? Fault{".key", why} : CounterFault(c);
  }

  Status Keyed(const FatigueTable<double, ItemKeyHash>& table, const Where& w, int cap) const {
    Status st = Cap(table.size(), cap, w);
    if (!st.ok()) return st;
    bool any = false;
    for (const auto& [key, c] : table) any = any || KeyedFault(key, c).why != nullptr;
    if (!any) return Status::Ok();
    // Both formats list them by key: the smallest faulty key is the first
    // (one that is not a number, the last).
    const double* first = nullptr;
    for (const auto& [key, c] : table) {
      if (KeyedFault(key, c).why != nullptr && (first == nullptr || key < *first || std::isnan(*first))) first = &key;
    }
    std::int64_t position = 0;
    for (const auto& kv : table) position += kv.first < *first || (std::isnan(*first) && !std::isnan(kv.first)) ? 1 : 0;
    const Fault f = KeyedFault(*first, table.entries().find(*first)->second);
    return Bad(w, position, f.sub, f.why);
  }

  Status Named(const FatigueTable<std::uint32_t>& table, NameKind kind, const Where& w, int cap) const {
    Status st = Cap(table.size(), cap, w);
    return st.ok() ? Entries(table.entries(), kind, w, CounterFault) : st;
  }

  Status Fatigue() const {
    const FatigueTuning& ft = DefaultRankTuning().fatigue;
    const FatigueState& f = s_.fatigue;
    Status st = Keyed(f.items, {".fatigue.items"}, ft.max_items);
    if (st.ok()) st = Keyed(f.opened, {".fatigue.opened"}, ft.max_items);
    if (st.ok()) st = Named(f.creators, NameKind::kCreator, {".fatigue.creators"}, ft.max_creators);
    if (st.ok()) st = Named(f.topics, NameKind::kTopic, {".fatigue.topics"}, ft.max_topics);
    return st;
  }

  // Snapshot: a block per context that has rates, by context id.
  Status Rates() const {
    Status st = RateList(s_.profile.rates, {".rates"}, c_.max_topics);
    if (!st.ok() || json_) return st;
    const auto& contexts = s_.profile.contexts;
    const std::pair<const std::uint32_t, ContextStats>* first = nullptr;
    for (const auto& kv : contexts) {
      if (!RateList(kv.second.rates, {".rates.contexts"}, c_.max_context_topics).ok() &&
          (first == nullptr || kv.first < first->first)) {
        first = &kv;
      }
    }
    if (first == nullptr) return Status::Ok();
    std::int64_t block = 0;
    for (const auto& kv : contexts) block += !kv.second.rates.empty() && kv.first < first->first ? 1 : 0;
    return RateList(first->second.rates, {".rates.contexts", block, ".rates"}, c_.max_context_topics);
  }

  // The JSON names a signal by name (profile.model.shift.topic), the
  // snapshot by its index (snapshot.model.signals[1].shift).
  Status Model() const {
    const PersonModel& m = s_.profile.model;
    for (int k = 0; k < kModelParams; ++k) {
      const double shift = m.shift[static_cast<std::size_t>(k)];
      const double evidence = m.evidence[static_cast<std::size_t>(k)];
      const bool bad_shift = !Finite(shift) || std::fabs(shift) > 2 * kMaxModelWeight;
      if (!bad_shift && Finite(evidence) && evidence >= 0 && evidence <= kMaxModelEvidence) continue;
      const char* why = bad_shift ? "must be a finite number in [-16, 16]" : "must be a finite number in [0, 10000]";
      if (json_) {
        const std::string sub = std::string(".") + SignalName(k);
        return Bad({bad_shift ? ".model.shift" : ".model.evidence"}, -1, sub.c_str(), why);
      }
      return Bad({".model.signals", k, bad_shift ? ".shift" : ".evidence"}, -1, "", why);
    }
    return Status::Ok();
  }

  const ProfileState& s_;
  const Config& c_;
  const bool json_;
  const char* const p_;
};

}  // namespace

const char* NameFault(std::string_view name) {
  static_assert(kMaxNameLength == 128, "the message below names the limit");
  if (!NameLengthOk(name)) return "must be 1..128 characters long";
  if (name.find('\0') != std::string_view::npos) return "contains a NUL byte";
  if (!ValidUtf8(name)) return "is not valid UTF-8";
  return nullptr;
}

const char* ItemKeyFault(double key) {
  if (!Finite(key) || key < 0 || key != std::floor(key) || key > kMaxSafeInteger - 1) {
    return "must be an item hash (an integer 0..2^53-1)";
  }
  return nullptr;
}

Status CheckProfileState(const ProfileState& state, const Config& c, StateFields fields) {
  return Checker(state, c, fields).Run();
}

}  // namespace localrank
