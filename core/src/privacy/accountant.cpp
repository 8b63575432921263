// SPDX-License-Identifier: MIT
#include "localrank/accountant.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "storage/json_text.h"

namespace localrank {

namespace {
using nlohmann::json;
// Tolerance of float sums: 4 reports of 1.0 must fit a cap of 4.0 exactly.
constexpr double kSlack = 1e-9;
constexpr std::size_t kMaxSpends = 100000;
}  // namespace

Status PrivacyAccountant::Configure(double epsilon_cap, double window_ms) {
  if (!std::isfinite(epsilon_cap) || epsilon_cap <= 0.0 || epsilon_cap > kMaxEpsilonCap) {
    return Status::Error(Code::kInvalidArgument, "privacy.epsilonCap", -1,
                         "privacy.epsilonCap must be a number in (0, 8] (a hard bound)");
  }
  if (!std::isfinite(window_ms) || window_ms < kMinWindowMs) {
    return Status::Error(Code::kInvalidArgument, "privacy.windowDays", -1,
                         "privacy.windowDays must be at least 7 days (a hard bound)");
  }
  cap_ = epsilon_cap;
  window_ms_ = window_ms;
  return Status::Ok();
}

double PrivacyAccountant::Spent(double now) const {
  double sum = 0.0;
  for (const Spend& s : spends_) {
    if (s.at > now - window_ms_) sum += s.epsilon;
  }
  return sum;
}

double PrivacyAccountant::Remaining(double now) const { return std::max(0.0, cap_ - Spent(now)); }

bool PrivacyAccountant::CanSpend(double epsilon, double now) const {
  return epsilon > 0.0 && Spent(now) + epsilon <= cap_ + kSlack;
}

Status PrivacyAccountant::Charge(double epsilon, double now) {
  if (!std::isfinite(epsilon) || epsilon <= 0.0 || !std::isfinite(now)) {
    return Status::Error(Code::kInvalidArgument, "epsilon", -1, "a spend needs a finite epsilon > 0 and time");
  }
  if (!CanSpend(epsilon, now)) {
    return Status::Error(Code::kBudgetExhausted, "privacy.epsilonCap", -1,
                         "the privacy budget of this window is spent");
  }
  // Drop what no window ending now or later can see again.
  spends_.erase(std::remove_if(spends_.begin(), spends_.end(),
                               [&](const Spend& s) { return s.at <= now - window_ms_; }),
                spends_.end());
  spends_.push_back(Spend{now, epsilon});
  return Status::Ok();
}

double PrivacyAccountant::NextAvailable(double epsilon, double now) const {
  if (CanSpend(epsilon, now)) return now;
  if (epsilon > cap_ + kSlack) return INFINITY;
  // Spends leave the window in time order; find the first moment enough has left.
  std::vector<Spend> live;
  for (const Spend& s : spends_) {
    if (s.at > now - window_ms_) live.push_back(s);
  }
  std::sort(live.begin(), live.end(), [](const Spend& a, const Spend& b) { return a.at < b.at; });
  double spent = 0.0;
  for (const Spend& s : live) spent += s.epsilon;
  for (const Spend& s : live) {
    spent -= s.epsilon;
    if (spent + epsilon <= cap_ + kSlack) return std::max(now, s.at + window_ms_);
  }
  return INFINITY;
}

std::string PrivacyAccountant::ToJson(double now) const {
  json spends = json::array();
  for (const Spend& s : spends_) {
    if (s.at > now - window_ms_) spends.push_back(json{{"at", s.at}, {"epsilon", s.epsilon}});
  }
  return json{{"schema", "localrank.privacy-ledger"},
              {"version", kLedgerSchemaVersion},
              {"epsilonCap", cap_},
              {"windowMs", window_ms_},
              {"spends", spends}}
      .dump();
}

Status PrivacyAccountant::FromJson(std::string_view text) {
  const json j = ParseJson(text);
  auto bad = [](const std::string& field, int index, const std::string& msg) {
    return Status::Error(Code::kCorruptProfile, field, index, msg);
  };
  if (j.is_discarded() || !j.is_object()) return bad("ledger", -1, "the privacy ledger is not a JSON object");
  if (!j.contains("schema") || j["schema"] != "localrank.privacy-ledger") {
    return bad("ledger.schema", -1, "not a localrank privacy ledger");
  }
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != kLedgerSchemaVersion) {
    return bad("ledger.version", -1, "unsupported privacy ledger version");
  }
  if (!j.contains("spends") || !j["spends"].is_array() || j["spends"].size() > kMaxSpends) {
    return bad("ledger.spends", -1, "ledger.spends must be an array");
  }
  std::vector<Spend> spends;
  int i = 0;
  for (const json& s : j["spends"]) {
    if (!s.is_object() || !s.contains("at") || !s["at"].is_number() || !s.contains("epsilon") ||
        !s["epsilon"].is_number()) {
      return bad("ledger.spends[" + std::to_string(i) + "]", i, "a spend needs numbers at and epsilon");
    }
    const Spend sp{s["at"].get<double>(), s["epsilon"].get<double>()};
    if (!std::isfinite(sp.at) || !std::isfinite(sp.epsilon) || sp.epsilon <= 0.0) {
      return bad("ledger.spends[" + std::to_string(i) + "]", i, "a spend needs a finite time and epsilon > 0");
    }
    spends.push_back(sp);
    ++i;
  }
  spends_ = std::move(spends);
  return Status::Ok();
}

}  // namespace localrank
