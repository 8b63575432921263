// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "localrank/status.h"

namespace localrank {

/// Schema version written by PrivacyAccountant::ToJson.
constexpr int kLedgerSchemaVersion = 1;
/// Hard bounds no configuration can lift (issue 22): at most epsilon 8 in a
/// window, and no window shorter than 7 days.
constexpr double kMaxEpsilonCap = 8.0;
constexpr double kMinWindowMs = 7.0 * 24 * 3600 * 1000;

/// Composes the epsilon of every report a device sends over a rolling window
/// (basic sequential composition: the epsilons add up) and refuses a report
/// that would push the total within any window of `window_ms` above the cap.
/// Its state is a small JSON ledger the facade persists, so the bound holds
/// across reloads.
class PrivacyAccountant {
 public:
  /// One spend: when (ms since epoch) and how much.
  struct Spend {
    double at = 0.0;
    double epsilon = 0.0;
  };

  PrivacyAccountant() = default;

  /// Sets the cap and the window (defaults: 4 per 30 days; cap <= kMaxEpsilonCap,
  /// window >= kMinWindowMs). On error nothing changes.
  Status Configure(double epsilon_cap, double window_ms);
  double epsilon_cap() const { return cap_; }
  double window_ms() const { return window_ms_; }

  /// Epsilon spent in the window ending at `now`. Spends dated after `now` (a
  /// clock that went back) still count: the accountant errs towards refusing.
  double Spent(double now) const;
  /// Cap minus Spent(now), never negative.
  double Remaining(double now) const;
  /// Whether a report of `epsilon` fits under the cap at `now`.
  bool CanSpend(double epsilon, double now) const;
  /// Records a spend, or returns kBudgetExhausted and changes nothing.
  Status Charge(double epsilon, double now);
  /// Earliest time >= now at which `epsilon` fits (now when it fits already).
  double NextAvailable(double epsilon, double now) const;

  const std::vector<Spend>& spends() const { return spends_; }

  /// {"schema":"localrank.privacy-ledger","version":1,"epsilonCap":4,
  ///  "windowMs":...,"spends":[{"at":ms,"epsilon":1},...]} (expired spends dropped).
  std::string ToJson(double now) const;
  /// Restores the spends of a ledger written by ToJson. The cap and window
  /// stay those of Configure (a stricter configuration applies at once). On
  /// error nothing changes.
  Status FromJson(std::string_view json);
  void Clear() { spends_.clear(); }

 private:
  double cap_ = 4.0;
  double window_ms_ = 30.0 * 24 * 3600 * 1000;
  std::vector<Spend> spends_;
};

}  // namespace localrank
