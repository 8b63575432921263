// SPDX-License-Identifier: MIT
// Private: a linear pre-scan of JSON text before it is parsed, so that
// hostile input (megabytes of '[', a huge document) is refused in O(n)
// without building a DOM first.
#pragma once

#include <cstddef>
#include <string_view>

namespace localrank {

/// Deepest nesting of objects/arrays any localrank JSON document needs
/// (a profile is 5 levels deep); anything deeper is refused before parsing.
constexpr int kMaxJsonDepth = 32;

/// True when the nesting of `text` never exceeds `max_depth`. Brackets inside
/// strings are ignored. Does not validate the JSON otherwise.
inline bool JsonDepthWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char ch : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      if (++depth > max_depth) return false;
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace localrank
