// SPDX-License-Identifier: MIT
#include "json_text.h"

#include <algorithm>
#include <string>

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

namespace {

struct NameLess {
  bool operator()(const json& x, const json& y) const {
    return x["name"].get_ref<const std::string&>() < y["name"].get_ref<const std::string&>();
  }
};

}  // namespace

void SortByName(json* array) { std::sort(array->begin(), array->end(), NameLess{}); }

}  // namespace localrank
