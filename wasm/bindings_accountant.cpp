// SPDX-License-Identifier: MIT
// The privacy accountant as plain exports (abi.h), in the device module:
// privacyBudget() is synchronous and needs no taxonomy, so the accountant
// stays with the engine while the report encoder lives in the report module
// (bindings_encoder.cpp). Internal: src/personalizer.js, through
// src/core-abi.js, is the public API.
#include <emscripten/emscripten.h>

#include "localrank/accountant.h"

#include "abi.h"

extern "C" {
using localrank::PrivacyAccountant;
using localrank::wasm::InText;
using localrank::wasm::Keep;
using localrank::wasm::SetOutText;

EMSCRIPTEN_KEEPALIVE PrivacyAccountant* localrank_accountant_new() { return new PrivacyAccountant(); }
EMSCRIPTEN_KEEPALIVE void localrank_accountant_delete(PrivacyAccountant* a) { delete a; }
EMSCRIPTEN_KEEPALIVE int localrank_accountant_configure(PrivacyAccountant* a, double cap, double window_ms) {
  return Keep(a->Configure(cap, window_ms));
}
EMSCRIPTEN_KEEPALIVE double localrank_accountant_spent(PrivacyAccountant* a, double now) { return a->Spent(now); }
EMSCRIPTEN_KEEPALIVE double localrank_accountant_remaining(PrivacyAccountant* a, double now) { return a->Remaining(now); }
EMSCRIPTEN_KEEPALIVE int localrank_accountant_can_spend(PrivacyAccountant* a, double epsilon, double now) {
  return a->CanSpend(epsilon, now) ? 1 : 0;
}
EMSCRIPTEN_KEEPALIVE double localrank_accountant_next_available(PrivacyAccountant* a, double epsilon, double now) {
  return a->NextAvailable(epsilon, now);
}
EMSCRIPTEN_KEEPALIVE int localrank_accountant_charge(PrivacyAccountant* a, double epsilon, double now) {
  return Keep(a->Charge(epsilon, now));
}
EMSCRIPTEN_KEEPALIVE void localrank_accountant_to_json(PrivacyAccountant* a, double now) { SetOutText(a->ToJson(now)); }
EMSCRIPTEN_KEEPALIVE int localrank_accountant_from_json(PrivacyAccountant* a) { return Keep(a->FromJson(InText())); }
EMSCRIPTEN_KEEPALIVE void localrank_accountant_clear(PrivacyAccountant* a) { a->Clear(); }
}
