#include "api/v2/form.h"

#include "base/strings.h"

namespace etcdpp::api::v2 {

bool Form::parse(std::string_view text, std::string& error) {
  // Go's url.ParseQuery: pairs separated by '&'; a ';' is an error (since Go 1.17); the first
  // error is reported but parsing of the other pairs goes on.
  bool ok = true;
  size_t start = 0;
  while (start < text.size()) {
    size_t amp = text.find('&', start);
    if (amp == std::string_view::npos) amp = text.size();
    std::string_view pair = text.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    if (pair.find(';') != std::string_view::npos) {
      if (ok) error = "invalid semicolon separator in query";
      ok = false;
      continue;
    }
    size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    std::string e;
    auto name = base::percent_decode(raw_name, true, e);
    auto value = name ? base::percent_decode(raw_value, true, e) : std::nullopt;
    if (!name || !value) {
      if (ok) error = e;
      ok = false;
      continue;
    }
    pairs_.emplace_back(std::move(*name), std::move(*value));
  }
  return ok;
}

bool Form::has(std::string_view name) const {
  for (const auto& [k, _] : pairs_) {
    if (k == name) return true;
  }
  return false;
}

std::string Form::get(std::string_view name) const {
  for (const auto& [k, v] : pairs_) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace etcdpp::api::v2
