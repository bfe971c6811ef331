#include "api/v2/form.h"

namespace etcdpp::api::v2 {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space,
                                          std::string& error) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size() || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0) {
        // Go quotes the escape as written: at most the 3 characters from the '%'.
        std::string_view bad = text.substr(i, 3);
        error = "invalid URL escape \"" + std::string(bad) + "\"";
        return std::nullopt;
      }
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

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
    auto name = percent_decode(raw_name, true, e);
    auto value = name ? percent_decode(raw_value, true, e) : std::nullopt;
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
