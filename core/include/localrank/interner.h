// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace localrank {

/// Maps names (topics, creators, context keys) to dense ids 0..size()-1, in
/// order of first appearance. The JavaScript facade mirrors this table so that
/// names cross the wasm boundary once, not on every call.
class Interner {
 public:
  /// Returns the id of `name`, adding it if new.
  std::uint32_t Intern(std::string_view name);
  /// Returns the id of `name`, or -1 when it was never interned.
  std::int64_t Find(std::string_view name) const;
  const std::string& Name(std::uint32_t id) const { return names_[id]; }
  std::size_t size() const { return names_.size(); }
  void Clear();
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> ids_;
};

}  // namespace localrank
