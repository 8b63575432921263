// SPDX-License-Identifier: MIT
#include "storage/json_text.h"

#include <algorithm>

#include "localrank/model.h"
#include "localrank/profile.h"

namespace localrank {

using nlohmann::json;

json ParseJson(std::string_view text) {
  json result;
  nlohmann::detail::json_sax_dom_parser<json> dom(result, /*allow_exceptions_=*/false);
  // Strict: the whole text must be one document, as parse() requires.
  const bool ok = json::sax_parse(text.begin(), text.end(), &dom, json::input_format_t::json, /*strict=*/true);
  if (!ok || dom.is_errored()) return json(json::value_t::discarded);
  return result;
}

void SortByValueThenName(std::vector<std::pair<double, std::uint32_t>>* v, const Interner& names) {
  std::sort(v->begin(), v->end(), [&names](const auto& x, const auto& y) {
    if (x.first != y.first) return x.first > y.first;
    return names.Name(x.second) < names.Name(y.second);
  });
}

json PreferenceMap(const std::unordered_map<std::uint32_t, Preference>& m, const Interner& names) {
  json obj = json::object();
  for (const auto& [id, p] : m) obj[names.Name(id)] = PreferenceName(p);
  return obj;
}

// {signal: value} of the model's first n parameters (model.h's order).
json SignalObject(const double* v, int n) {
  json o = json::object();
  for (int k = 0; k < n; ++k) o[SignalName(k)] = v[k];
  return o;
}

}  // namespace localrank
