// SPDX-License-Identifier: MIT
// The binary profile snapshot (core/src/storage/snapshot_writer.cpp and
// snapshot_reader.cpp): it holds exactly what the JSON export holds, the same
// state always gives the same bytes, and every kind of damage is refused with
// CORRUPT_PROFILE naming the field, leaving the engine as it was.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "stage_helpers.h"

namespace localrank {
namespace {

using nlohmann::json;
using namespace localrank::testing;
using Bytes = std::vector<std::uint8_t>;

constexpr const char* kConfig = R"({"dim":3,"maxEvents":50})";

// A profile with every kind of state: topics, creators, contexts, explicit
// choices, a user vector, stored events and all four fatigue tables.
void Fill(Engine& e) {
  ASSERT_TRUE(e.Configure(kConfig).ok());
  json ev = json::array();
  for (int i = 0; i < 30; ++i) {
    const std::string topic = i % 3 == 0 ? "cooking" : i % 3 == 1 ? "travel" : "日本語のトピック";
    json x = {{"type", i % 4 == 0 ? "impression" : i % 4 == 1 ? "like" : i % 4 == 2 ? "dwell" : "hide"},
              {"itemId", "item" + std::to_string(i % 7)},
              {"topics", {{topic, 1.0}, {"news", 0.25}}},
              {"creatorId", "c" + std::to_string(i % 5)},
              {"at", kNow - (30 - i) * 60000.0},
              {"dwellMs", 12000},
              {"embedding", {0.5 + i * 0.01, -0.25, 0.125}}};
    if (i % 5 == 0) x["contextKeys"] = {"daypart:morning", "intent:commute"};
    ev.push_back(x);
  }
  FillEvents(e, ev);
  ASSERT_TRUE(e.Record(kNow).ok());
  const auto travel = static_cast<std::int32_t>(e.names(NameKind::kTopic).Find("travel"));
  ASSERT_TRUE(e.Adjust(NameKind::kTopic, travel, Preference::kLess).ok());
  ASSERT_TRUE(e.Adjust(NameKind::kCreator, 0, Preference::kNever).ok());
  ASSERT_FALSE(e.profile().contexts.empty());
  ASSERT_FALSE(e.profile().user_vector.empty());
  ASSERT_FALSE(e.fatigue().items.empty());
  ASSERT_FALSE(e.fatigue().opened.empty());
  ASSERT_FALSE(e.fatigue().topics.empty());
  ASSERT_FALSE(e.profile().rates.empty());
  bool context_rates = false;
  for (const auto& [id, ctx] : e.profile().contexts) context_rates |= !ctx.rates.empty();
  ASSERT_TRUE(context_rates);
}

Bytes Snapshot(const Engine& e) {
  Bytes b;
  e.ExportSnapshot(&b);
  return b;
}

Status Import(Engine& e, const Bytes& b) { return e.ImportSnapshot(b.data(), b.size()); }

template <typename T>
void Store(Bytes& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}
template <typename T>
T Read(const Bytes& b, std::size_t at) {
  T v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}

// Offset of the body of the section `tag` (its length is at offset - 4).
std::size_t Body(const Bytes& b, const char* tag) {
  std::size_t pos = 16;
  while (pos + 8 <= b.size()) {
    const std::size_t len = Read<std::uint32_t>(b, pos + 4);
    if (std::memcmp(b.data() + pos, tag, 4) == 0) return pos + 8;
    pos += 8 + ((len + 3) & ~std::size_t{3});
  }
  ADD_FAILURE() << "no section " << tag;
  return 0;
}

// Engines holding something else, to see that a failed import changes nothing.
struct Target {
  Engine e;
  Bytes before;
  Target() {
    EXPECT_TRUE(e.Configure(kConfig).ok());
    FillEvents(e, json::array({{{"type", "like"}, {"topics", {{"gardening", 1}}}, {"creatorId", "g1"}, {"at", kNow}}}));
    EXPECT_TRUE(e.Record(kNow).ok());
    before = Snapshot(e);
  }
  // Imports `b`, expects CORRUPT_PROFILE with `field`, and the engine untouched.
  void Refuses(const Bytes& b, const std::string& field) {
    const Status s = Import(e, b);
    EXPECT_EQ(s.code(), Code::kCorruptProfile) << field;
    EXPECT_EQ(s.field(), field) << s.message();
    EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
    EXPECT_EQ(Snapshot(e), before) << "a refused snapshot changed the engine (" << field << ")";
  }
};

TEST(Snapshot, RoundTripHoldsWhatTheJsonRoundTripHolds) {
  Engine a;
  Fill(a);
  const std::string json_before = a.ExportJson(kNow);
  Engine via_snapshot, via_json;
  ASSERT_TRUE(via_snapshot.Configure(kConfig).ok());
  ASSERT_TRUE(via_json.Configure(kConfig).ok());
  ASSERT_TRUE(Import(via_snapshot, Snapshot(a)).ok());
  ASSERT_TRUE(via_json.ImportJson(json_before).ok());
  EXPECT_EQ(via_snapshot.ExportJson(kNow), json_before);
  EXPECT_EQ(via_json.ExportJson(kNow), json_before);
  // And both rank a feed identically, fatigue and "already opened" included.
  json feed = MakeFeed(7, {"cooking", "travel", "news", "日本語のトピック"}, 5);
  for (std::size_t i = 0; i < feed.size(); ++i) feed[i]["id"] = "item" + std::to_string(i);
  const auto x = Ranked(via_snapshot, feed), y = Ranked(via_json, feed), z = Ranked(a, feed);
  EXPECT_EQ(x, z);
  EXPECT_EQ(y, z);
  for (std::size_t r = 0; r < a.result().score.size(); ++r) EXPECT_EQ(via_snapshot.result().score[r], a.result().score[r]);
}

TEST(Snapshot, TheSameStateGivesTheSameBytes) {
  Engine a;
  Fill(a);
  const Bytes first = Snapshot(a);
  EXPECT_EQ(Snapshot(a), first);
  EXPECT_EQ(first.size() % 4, 0u);
  Engine b;
  ASSERT_TRUE(b.Configure(kConfig).ok());
  ASSERT_TRUE(Import(b, first).ok());
  EXPECT_EQ(Snapshot(b), first) << "export -> import -> export must be lossless";
}

TEST(Snapshot, IsPortableBetweenEnginesWithOtherNameIds) {
  Engine a;
  Fill(a);
  const std::string json_before = a.ExportJson(kNow);
  Engine b;
  ASSERT_TRUE(b.Configure(kConfig).ok());
  // Other names first: the snapshot's names land on other ids here.
  for (const char* n : {"zebra", "travel", "cooking"}) b.names(NameKind::kTopic).Intern(n);
  b.names(NameKind::kCreator).Intern("c4");
  ASSERT_TRUE(Import(b, Snapshot(a)).ok());
  EXPECT_EQ(b.ExportJson(kNow), json_before);
}

TEST(Snapshot, AnEmptyProfileRoundTrips) {
  Engine a, b;
  ASSERT_TRUE(a.Configure(kConfig).ok());
  ASSERT_TRUE(b.Configure(kConfig).ok());
  Fill(b);
  ASSERT_TRUE(Import(b, Snapshot(a)).ok());
  EXPECT_TRUE(b.profile().empty());
  EXPECT_TRUE(b.fatigue().empty());
  EXPECT_EQ(b.ExportJson(kNow), a.ExportJson(kNow));
}

TEST(Snapshot, BuildLimitsApplyLikeTheJsonImport) {
  Engine a;
  Fill(a);
  // Fewer stored events allowed here: the newest stay, as ImportJson does.
  Engine small;
  ASSERT_TRUE(small.Configure(R"({"dim":3,"maxEvents":5})").ok());
  ASSERT_TRUE(Import(small, Snapshot(a)).ok());
  ASSERT_EQ(small.profile().events.size(), 5u);
  EXPECT_EQ(small.profile().events.back().at, a.profile().events.back().at);
  // Another embedding dimension: the user vector is dropped, the rest kept.
  Engine other;
  ASSERT_TRUE(other.Configure(R"({"dim":4,"maxEvents":50})").ok());
  ASSERT_TRUE(Import(other, Snapshot(a)).ok());
  EXPECT_TRUE(other.profile().user_vector.empty());
  EXPECT_EQ(other.profile().topics.size(), a.profile().topics.size());
  // A lower topic cap: refused, like ImportJson.
  Engine capped;
  ASSERT_TRUE(capped.Configure(R"({"dim":3,"maxTopics":2})").ok());
  const Status s = Import(capped, Snapshot(a));
  EXPECT_EQ(s.code(), Code::kCorruptProfile);
  EXPECT_EQ(s.field(), "snapshot.topics");
}

TEST(Snapshot, EveryCutIsRefusedAndChangesNothing) {
  Engine a;
  Fill(a);
  const Bytes full = Snapshot(a);
  Target t;
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const Status s = Import(t.e, cut);
    ASSERT_EQ(s.code(), Code::kCorruptProfile) << "cut at " << n;
    ASSERT_EQ(s.field(), n < 16 ? "snapshot" : "snapshot.length") << "cut at " << n << ": " << s.message();
  }
  EXPECT_EQ(Snapshot(t.e), t.before);
}

TEST(Snapshot, HeaderDamageIsNamed) {
  Engine a;
  Fill(a);
  const Bytes good = Snapshot(a);
  Target t;
  Bytes b = good;
  b[0] = 'X';
  t.Refuses(b, "snapshot.magic");
  b = good;
  Store<std::uint32_t>(b, 4, kSnapshotVersion + 1);
  t.Refuses(b, "snapshot.version");
  b = good;
  b.insert(b.end(), {0, 0, 0, 0});
  t.Refuses(b, "snapshot.length");
  b = good;
  Store<std::uint32_t>(b, 12, Read<std::uint32_t>(b, 12) - 1);  // one section not listed
  t.Refuses(b, "snapshot");
  b = good;
  Store<std::uint32_t>(b, 12, 1000);
  t.Refuses(b, "snapshot.sections");
  b = good;
  Store<std::uint32_t>(b, 20, 1u << 30);  // the first section's length runs past the end
  t.Refuses(b, "snapshot.sections[0]");
}

// Appends a section and fixes the header.
Bytes WithSection(Bytes b, const char* tag, std::vector<std::uint8_t> body) {
  b.insert(b.end(), tag, tag + 4);
  const auto len = static_cast<std::uint32_t>(body.size());
  b.insert(b.end(), reinterpret_cast<const std::uint8_t*>(&len), reinterpret_cast<const std::uint8_t*>(&len) + 4);
  b.insert(b.end(), body.begin(), body.end());
  b.resize((b.size() + 3) & ~std::size_t{3}, 0);
  Store<std::uint32_t>(b, 8, static_cast<std::uint32_t>(b.size()));
  Store<std::uint32_t>(b, 12, Read<std::uint32_t>(b, 12) + 1);
  return b;
}

TEST(Snapshot, UnknownSectionsAreRefusedUnlessMarkedOptional) {
  Engine a;
  Fill(a);
  const Bytes good = Snapshot(a);
  Target t;
  const std::string expected = "snapshot.sections[" + std::to_string(Read<std::uint32_t>(good, 12)) + "]";
  t.Refuses(WithSection(good, "ENGS", {1, 2, 3}), expected);
  // A lower-case first letter marks an addition older builds may skip.
  Engine b;
  ASSERT_TRUE(b.Configure(kConfig).ok());
  ASSERT_TRUE(Import(b, WithSection(good, "engs", {1, 2, 3, 4, 5})).ok());
  EXPECT_EQ(Snapshot(b), good);
  // A known section twice.
  const std::size_t prof = Body(good, "PROF");
  const std::vector<std::uint8_t> scalars(good.begin() + static_cast<std::ptrdiff_t>(prof),
                                          good.begin() + static_cast<std::ptrdiff_t>(prof + 16));
  t.Refuses(WithSection(good, "PROF", scalars), expected);
  // Padding must be zero.
  Bytes odd = WithSection(good, "engs", {1});
  odd[odd.size() - 1] = 7;
  t.Refuses(odd, expected);
}

TEST(Snapshot, DamagedValuesAreRefusedNamingTheField) {
  Engine a;
  Fill(a);
  const Bytes good = Snapshot(a);
  Target t;
  const std::size_t names = Body(good, "NAME"), topics = Body(good, "TOPC"), events = Body(good, "EVTS");
  const std::size_t fatigue = Body(good, "FATG"), prefs = Body(good, "PREF"), vec = Body(good, "UVEC");
  const std::size_t prof = Body(good, "PROF"), contexts = Body(good, "CTXS");
  Bytes b = good;
  Store<double>(b, topics + 4 + 8, NAN);  // topics[0].long
  t.Refuses(b, "snapshot.topics[0]");
  b = good;
  Store<std::uint32_t>(b, topics + 4, 1000000);  // topics[0].name
  t.Refuses(b, "snapshot.topics[0].name");
  b = good;
  Store<std::uint32_t>(b, topics + 4 + 48, Read<std::uint32_t>(b, topics + 4));  // topics[1] repeats topics[0]
  t.Refuses(b, "snapshot.topics[1].name");
  b = good;
  Store<std::uint32_t>(b, topics + 4 + 4, 4000000001u);
  t.Refuses(b, "snapshot.topics[0].events");
  b = good;
  Store<std::uint32_t>(b, topics, Read<std::uint32_t>(b, topics) + 1);  // claims one more entry
  t.Refuses(b, "snapshot.topics");
  b = good;
  b[events + 4] = 200;  // events[0].type
  t.Refuses(b, "snapshot.events[0].type");
  b = good;
  const std::uint32_t n_events = Read<std::uint32_t>(good, events);
  Store<double>(b, events + 4 + ((n_events + 3) & ~3u) + 8 * 2, INFINITY);  // events[2].at
  t.Refuses(b, "snapshot.events[2]");
  b = good;
  Store<double>(b, fatigue + 16, 0.5);  // fatigue.items[0].key
  t.Refuses(b, "snapshot.fatigue.items[0].key");
  b = good;
  Store<double>(b, fatigue + 16 + 8, -1.0);  // fatigue.items[0].count
  t.Refuses(b, "snapshot.fatigue.items[0]");
  b = good;
  Store<std::uint32_t>(b, prefs + 8 + 4, 9);  // preferences.topics[0]
  t.Refuses(b, "snapshot.preferences.topics[0]");
  b = good;
  Store<float>(b, vec + 16, NAN);
  t.Refuses(b, "snapshot.userVector.values");
  b = good;
  Store<std::uint64_t>(b, prof, (1ull << 53) + 2);
  t.Refuses(b, "snapshot.totalEvents");
  b = good;
  Store<double>(b, contexts + 4 + 8, NAN);  // contexts[0].weight
  t.Refuses(b, "snapshot.contexts[0]");
  b = good;
  Store<std::uint32_t>(b, contexts + 4 + 4, 100000);  // contexts[0] claims too many topics
  t.Refuses(b, "snapshot.contexts[0].topics");
  // The name table: a NUL byte, an empty name, a repeat, a name nobody uses.
  const std::size_t first_name = names + 12;  // u16 length, then bytes
  b = good;
  b[first_name + 2] = 0;
  t.Refuses(b, "snapshot.names.topics[0]");
  b = good;
  Store<std::uint16_t>(b, first_name, 0);
  t.Refuses(b, "snapshot.names.topics[0]");
  // Bytes that are not UTF-8 (the JSON export could not write them): a lone
  // 0xFF, an encoded surrogate, an overlong '/'.
  const std::size_t len0 = Read<std::uint16_t>(good, first_name);
  for (const std::vector<std::uint8_t>& bad : std::vector<std::vector<std::uint8_t>>{{0xFF}, {0xED, 0xA0, 0x80}, {0xC0, 0xAF}}) {
    b = good;
    ASSERT_GE(len0, bad.size());
    std::memcpy(b.data() + first_name + 2, bad.data(), bad.size());
    t.Refuses(b, "snapshot.names.topics[0]");
  }
  // Creators are "c0".."c4": writing c0 over c1 repeats a name.
  std::size_t pos = first_name;
  for (std::uint32_t i = 0; i < Read<std::uint32_t>(good, names); ++i) pos += 2 + Read<std::uint16_t>(good, pos);
  ASSERT_EQ(Read<std::uint16_t>(good, pos), 2u);
  b = good;
  b[pos + 2 + 4 + 1] = b[pos + 2 + 1];
  t.Refuses(b, "snapshot.names.creators[1]");
  b = good;
  Store<std::uint32_t>(b, Body(good, "CRTR") + 4, Read<std::uint32_t>(good, Body(good, "CRTR") + 4 + 48));
  // creators[0] now names creators[1]'s name: out of order, and its own name is unused.
  t.Refuses(b, "snapshot.creators[1].name");
}

// Removes section `tag` (and its directory entry) from a snapshot.
Bytes WithoutSection(Bytes b, const char* tag) {
  const std::size_t body = Body(b, tag);
  const std::size_t len = (Read<std::uint32_t>(b, body - 4) + 3) & ~std::size_t{3};
  b.erase(b.begin() + static_cast<std::ptrdiff_t>(body - 8), b.begin() + static_cast<std::ptrdiff_t>(body + len));
  Store<std::uint32_t>(b, 8, static_cast<std::uint32_t>(b.size()));
  Store<std::uint32_t>(b, 12, Read<std::uint32_t>(b, 12) - 1);
  return b;
}

TEST(Snapshot, ASnapshotWithoutEngagementRatesStillLoads) {
  // Snapshots written before the `rate` section existed: everything else loads, the rates start empty.
  Engine a;
  Fill(a);
  Engine b;
  ASSERT_TRUE(b.Configure(kConfig).ok());
  ASSERT_TRUE(Import(b, WithoutSection(Snapshot(a), "rate")).ok());
  EXPECT_TRUE(b.profile().rates.empty());
  for (const auto& [id, ctx] : b.profile().contexts) EXPECT_TRUE(ctx.rates.empty());
  EXPECT_EQ(b.profile().topics.size(), a.profile().topics.size());
  json ja = json::parse(a.ExportJson(kNow)), jb = json::parse(b.ExportJson(kNow));
  ja.erase("rates");
  jb.erase("rates");
  for (auto* j : {&ja, &jb}) {
    for (auto& c : (*j)["contexts"]) c.erase("rates");
  }
  EXPECT_EQ(jb, ja);
}

TEST(Snapshot, DamagedEngagementRatesAreRefusedNamingTheField) {
  Engine a;
  Fill(a);
  const Bytes good = Snapshot(a);
  Target t;
  const std::size_t rates = Body(good, "rate");
  const std::uint32_t count = Read<std::uint32_t>(good, rates);
  ASSERT_GE(count, 2u);
  Bytes b = good;
  Store<double>(b, rates + 8 + 4, -1.0);  // rates[0].shown
  t.Refuses(b, "snapshot.rates[0].shown");
  b = good;
  Store<double>(b, rates + 8 + 20, NAN);  // rates[0].engaged
  t.Refuses(b, "snapshot.rates[0]");
  b = good;
  Store<std::uint32_t>(b, rates + 8 + 44, Read<std::uint32_t>(b, rates + 8));  // rates[1] repeats rates[0]
  t.Refuses(b, "snapshot.rates[1].name");
  b = good;
  Store<std::uint32_t>(b, rates + 8 + 44 * count, 1000000);  // contexts[0].name
  t.Refuses(b, "snapshot.rates.contexts[0].name");
  b = good;
  Store<std::uint32_t>(b, rates + 8 + 44 * count + 4, 1000000);  // contexts[0]: more rates than the cap
  t.Refuses(b, "snapshot.rates.contexts[0].rates");
  b = good;
  Store<std::uint32_t>(b, rates + 8 + 44 * count + 8, 1000000);  // contexts[0].rates[0].name
  t.Refuses(b, "snapshot.rates.contexts[0].rates[0].name");
  b = good;
  Store<std::uint32_t>(b, rates, count + 1);  // claims one more entry: the context block is read as one
  t.Refuses(b, "snapshot.rates[" + std::to_string(count) + "].name");
}

TEST(ProfileState, ReplaceInstallsACheckedStateAndARefusedOneChangesNothing) {
  Engine a;
  Fill(a);
  Engine b;
  ASSERT_TRUE(b.Configure(kConfig).ok());
  ASSERT_TRUE(b.Replace(a.Snapshot()).ok());
  EXPECT_EQ(b.ExportJson(kNow), a.ExportJson(kNow));
  const std::string before = b.ExportJson(kNow);
  ProfileState bad = a.Snapshot();
  bad.profile.topics.begin()->second.long_term.value = NAN;
  Status s = b.Replace(std::move(bad));
  EXPECT_EQ(s.code(), Code::kCorruptProfile);
  EXPECT_EQ(s.field().rfind("profile.topics[", 0), 0u) << s.field();
  ProfileState orphan = a.Snapshot();
  orphan.profile.creators[999999] = Affinity{};
  s = b.Replace(std::move(orphan));
  EXPECT_EQ(s.field(), "profile.names.creators") << s.message();
  EXPECT_EQ(b.ExportJson(kNow), before);
  // An engine that knows other names first: the state's names are added, its ids renumbered.
  Engine c;
  ASSERT_TRUE(c.Configure(kConfig).ok());
  for (int k = 0; k < kNameKindCount; ++k) c.names(static_cast<NameKind>(k)).Intern("zz");
  ASSERT_TRUE(c.Replace(a.Snapshot()).ok());
  EXPECT_EQ(c.ExportJson(kNow), a.ExportJson(kNow));
  EXPECT_EQ(Snapshot(c), Snapshot(a));
}

TEST(Snapshot, ANameNobodyUsesIsRefused) {
  Engine a;
  ASSERT_TRUE(a.Configure(kConfig).ok());
  // A hide: a topic entry and no engagement-rate evidence (only engagement and impressions make that).
  FillEvents(a, json::array({{{"type", "hide"}, {"topics", {{"x", 1}}}, {"at", kNow}}}));
  ASSERT_TRUE(a.Record(kNow).ok());
  Bytes b = Snapshot(a);
  // Drop the only topic entry: its name is left unused.
  const std::size_t topics = Body(b, "TOPC");
  Store<std::uint32_t>(b, topics, 0);
  b.erase(b.begin() + static_cast<std::ptrdiff_t>(topics + 4), b.begin() + static_cast<std::ptrdiff_t>(topics + 52));
  Store<std::uint32_t>(b, topics - 4, 4);
  Store<std::uint32_t>(b, 8, static_cast<std::uint32_t>(b.size()));
  Target t;
  t.Refuses(b, "snapshot.names.topics[0]");
}

TEST(Snapshot, RandomDamageNeverCrashesAndAFailureChangesNothing) {
  Engine a;
  Fill(a);
  const Bytes good = Snapshot(a);
  Target t;
  std::mt19937 rng(11);
  int refused = 0;
  for (int round = 0; round < 3000; ++round) {
    Bytes b = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    const Status s = Import(t.e, b);
    if (!s.ok()) {
      ++refused;
      ASSERT_TRUE(s.code() == Code::kCorruptProfile) << s.message();
      ASSERT_FALSE(s.field().empty());
      ASSERT_EQ(Snapshot(t.e), t.before);
    } else {
      // Accepted damage is a valid state: it exports and reads back the same.
      const Bytes again = Snapshot(t.e);
      Engine c;
      ASSERT_TRUE(c.Configure(kConfig).ok());
      ASSERT_TRUE(Import(c, again).ok());
      ASSERT_EQ(Snapshot(c), again);
      ASSERT_TRUE(Import(t.e, t.before).ok());
    }
  }
  // Most flips hit a value that is still valid (a time, a count); many are caught.
  EXPECT_GT(refused, 300);
}

TEST(Snapshot, OversizedInputIsALimitError) {
  Engine e;
  ASSERT_TRUE(e.Configure(kConfig).ok());
  const Bytes huge(kMaxProfileBytes + 4, 0);
  const Status s = Import(e, huge);
  EXPECT_EQ(s.code(), Code::kLimitExceeded);
  EXPECT_EQ(s.field(), "snapshot");
}

TEST(Snapshot, LongNonAsciiNamesRoundTripInBothFormats) {
  // 128 UTF-16 code units the facade accepts are up to 384 UTF-8 bytes.
  std::string name;
  for (int i = 0; i < 128; ++i) name += "語";
  Engine a;
  ASSERT_TRUE(a.Configure(kConfig).ok());
  FillEvents(a, json::array({{{"type", "like"}, {"topics", {{name, 1}}}, {"creatorId", name}, {"at", kNow}}}));
  ASSERT_TRUE(a.Record(kNow).ok());
  Engine b, c;
  ASSERT_TRUE(b.Configure(kConfig).ok());
  ASSERT_TRUE(c.Configure(kConfig).ok());
  ASSERT_TRUE(Import(b, Snapshot(a)).ok());
  EXPECT_EQ(b.ExportJson(kNow), a.ExportJson(kNow));
  const Status s = c.ImportJson(a.ExportJson(kNow));
  EXPECT_TRUE(s.ok()) << s.message();
}

}  // namespace
}  // namespace localrank
