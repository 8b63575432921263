// SPDX-License-Identifier: MIT
// The result type of the server module's Embind calls (bindings_server.cpp).
#ifndef LOCALRANK_WASM_BINDINGS_PRIVACY_H_
#define LOCALRANK_WASM_BINDINGS_PRIVACY_H_

#include <string>
#include <utility>

#include "localrank/status.h"

namespace localrank::wasm {

/// A status plus a string value (JSON or a report) on success.
struct PrivacyResult {
  std::string code;  // "" on success
  std::string field;
  int index = -1;
  std::string message;
  std::string value;
};

inline PrivacyResult Result(const Status& s, std::string value = {}) {
  if (s.ok()) return PrivacyResult{"", "", -1, "", std::move(value)};
  return PrivacyResult{CodeName(s.code()), s.field(), s.index(), s.message(), ""};
}

}  // namespace localrank::wasm

#endif  // LOCALRANK_WASM_BINDINGS_PRIVACY_H_
