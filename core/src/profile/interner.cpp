// SPDX-License-Identifier: MIT
#include "localrank/interner.h"

namespace localrank {

std::uint32_t Interner::Intern(std::string_view name) {
  std::string key(name);
  auto it = ids_.find(key);
  if (it != ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(names_.size());
  names_.push_back(key);
  ids_.emplace(std::move(key), id);
  return id;
}

std::int64_t Interner::Find(std::string_view name) const {
  auto it = ids_.find(std::string(name));
  return it == ids_.end() ? -1 : static_cast<std::int64_t>(it->second);
}

void Interner::Clear() {
  names_.clear();
  ids_.clear();
}

}  // namespace localrank
