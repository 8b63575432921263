// SPDX-License-Identifier: MIT
// Private: the layout of the binary profile snapshot (docs/storage.md), shared
// by its writer (snapshot_writer.cpp) and reader (snapshot_reader.cpp):
// tagged, length-prefixed sections of little-endian values. Names are stored
// as strings, once, in a name table that the other sections index, so a
// snapshot is portable between engines.
#pragma once

#include <cstddef>
#include <cstdint>

namespace localrank {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the snapshot codec writes the host's byte order");

namespace snapshot {

constexpr std::uint32_t Tag(const char (&s)[5]) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[3])) << 24;
}

constexpr std::uint32_t kMagic = Tag("LRPS");
constexpr std::size_t kHeaderBytes = 16;  // magic, version, total length, section count
constexpr std::uint32_t kMaxSections = 64;

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


inline std::size_t Pad4(std::size_t n) { return (n + 3) & ~static_cast<std::size_t>(3); }

}  // namespace snapshot
}  // namespace localrank
