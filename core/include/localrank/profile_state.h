// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

#include "localrank/config.h"
#include "localrank/fatigue.h"
#include "localrank/interner.h"
#include "localrank/profile.h"
#include "localrank/status.h"
#include "localrank/types.h"

namespace localrank {

/// Current profile schema version written by ExportJson.
/// v1: topics, creators, events. v2 adds contexts, preferences and the user
/// vector (v1 data is migrated on import). v3 adds the engagement-rate
/// evidence (`rates`, globally and per context; older profiles import with none).
/// v4 adds the learnt model (`model`, model.h; older profiles import with the prior).
constexpr int kProfileSchemaVersion = 4;
/// Current binary snapshot version written by ExportSnapshot (docs/storage.md).
constexpr int kSnapshotVersion = 1;

/// Everything a profile export or snapshot carries: the three name tables, the
/// profile (with the learnt model) and the fatigue state. The ids in `profile`
/// and `fatigue` index this value's own `names`. New profile state goes here
/// (in Profile or FatigueState), into both codecs (core/src/storage) and, when
/// it has limits, into CheckProfileState (core/src/profile/profile_state.cpp).
struct ProfileState {
  Interner names[kNameKindCount];
  Profile profile;
  FatigueState fatigue;

  Interner& table(NameKind kind) { return names[static_cast<int>(kind)]; }
  const Interner& table(NameKind kind) const { return names[static_cast<int>(kind)]; }
};

/// How CheckProfileState names a field: as the profile JSON does
/// (`profile.contexts[1].rates[0]`, `profile.model.shift.topic`) or as the
/// binary snapshot does (`snapshot.rates.contexts[0].rates[0]`,
/// `snapshot.model.signals[1].shift`). An entry's index is its position in the
/// order that format writes the list in (JSON: by name; snapshot: by name id;
/// fatigue items: by key), which is its position in any file the format wrote.
enum class StateFields { kJson, kSnapshot };

/// Why `name` cannot be a name, nullptr when it can: a name is 1..kMaxNameLength
/// characters (NameLengthOk) of well-formed UTF-8 without NUL. The snapshot
/// reader checks its name table with it, CheckProfileState every name in use.
const char* NameFault(std::string_view name);

/// Why `key` cannot be an item key (a 53-bit item hash: an integer
/// 0..2^53-1, which a double holds exactly), nullptr when it can. Both
/// readers check each fatigue key with it where they read it (at its index,
/// and before the snapshot's key order), CheckProfileState every key.
const char* ItemKeyFault(double key);

/// Every limit and consistency rule of a profile state, in one place: list
/// caps (Config and FatigueTuning), name lengths and encoding, ids within the
/// name tables, finite values, float32 range, the bounds of counts, times,
/// item keys, preferences, event types and the learnt model. Fails with
/// CORRUPT_PROFILE naming the first field that breaks one. The codecs only
/// convert; Engine::Replace calls this before it installs a state.
Status CheckProfileState(const ProfileState& state, const Config& c, StateFields fields);

}  // namespace localrank
