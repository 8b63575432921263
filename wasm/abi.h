// SPDX-License-Identifier: MIT
// The plain C ABI of the device module (and of the privacy calls the server
// module shares), read by src/core-abi.js. Embind is not used here: its
// JavaScript runtime was about two thirds of the Emscripten glue a browser
// downloads (28 KB of minified glue then, 10 KB now; BENCHMARKS.md, "Build
// choices"), and every call crosses as numbers anyway. Text crosses as UTF-8 through one input and one output buffer; a
// failed call's Status through a directory of (address, length) pairs.
#ifndef LOCALRANK_WASM_ABI_H_
#define LOCALRANK_WASM_ABI_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "localrank/status.h"

namespace localrank::wasm {

/// The bytes the facade wrote through localrank_text_in for this call.
std::string_view InText();
/// Makes `text` the result localrank_text_out describes (until the next one).
void SetOutText(std::string text);
/// Keeps `s` for localrank_status; returns 1 when it is ok, else 0.
int Keep(const Status& s);

/// A heap address as the facade sees it.
template <typename T>
std::uint32_t Address(const T* p) {
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(p));
}
template <typename T>
std::uint32_t Address(const std::vector<T>& v) {
  return Address(v.data());
}

}  // namespace localrank::wasm

extern "C" {
/// A buffer of `size` bytes for the next call's text argument.
char* localrank_text_in(int size);
/// [address, size] of the last text result.
std::uint32_t localrank_text_out();
/// The last kept status: [ok, index, code address, code size, field address,
/// field size, message address, message size].
std::uint32_t localrank_status();
}

#endif  // LOCALRANK_WASM_ABI_H_
