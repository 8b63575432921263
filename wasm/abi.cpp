// SPDX-License-Identifier: MIT
#include "abi.h"

#include <emscripten/emscripten.h>

#include <array>
#include <cstring>
#include <utility>

namespace localrank::wasm {
namespace {

// One module instance serves one JavaScript thread, and every call is
// synchronous: the buffers are only ever read right after the call that filled them.
std::string& In() {
  static std::string* in = new std::string();
  return *in;
}
std::string& Out() {
  static std::string* out = new std::string();
  return *out;
}
Status& Last() {
  static Status* last = new Status();
  return *last;
}
// Fixed size: filling them never allocates, so their addresses stay valid.
std::array<std::uint32_t, 2> out_directory;
std::array<std::uint32_t, 8> status_directory;

}  // namespace

std::string_view InText() { return In(); }

void SetOutText(std::string text) { Out() = std::move(text); }

int Keep(const Status& s) {
  Last() = s;
  return s.ok() ? 1 : 0;
}

}  // namespace localrank::wasm

extern "C" {
using namespace localrank::wasm;

EMSCRIPTEN_KEEPALIVE char* localrank_text_in(int size) {
  In().assign(size > 0 ? static_cast<std::size_t>(size) : 0, '\0');
  return In().data();
}

EMSCRIPTEN_KEEPALIVE std::uint32_t localrank_text_out() {
  out_directory = {Address(Out().data()), static_cast<std::uint32_t>(Out().size())};
  return Address(out_directory.data());
}

EMSCRIPTEN_KEEPALIVE std::uint32_t localrank_status() {
  const localrank::Status& s = Last();
  const char* code = s.ok() ? "" : localrank::CodeName(s.code());
  status_directory = {s.ok() ? 1u : 0u,
                      static_cast<std::uint32_t>(s.index()),
                      Address(code),
                      static_cast<std::uint32_t>(std::strlen(code)),
                      Address(s.field().data()),
                      static_cast<std::uint32_t>(s.field().size()),
                      Address(s.message().data()),
                      static_cast<std::uint32_t>(s.message().size())};
  return Address(status_directory.data());
}
}
