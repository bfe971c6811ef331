#include "proxy/request_info.h"

namespace etcdpp::proxy {

namespace {

bool parse_bool_true(std::string_view v) {
  return v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool is_watch_target(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return false;
  std::string_view query = target.substr(q + 1);
  bool watch = false;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(start, amp - start);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    // Go's url.Values.Get returns the first value of a key.
    if (key == "wait") return parse_bool_true(value);
    start = amp + 1;
  }
  return watch;
}

ViaInfo inspect_via(std::string_view via_value, std::string_view id) {
  ViaInfo info;
  size_t start = 0;
  while (start < via_value.size()) {
    size_t comma = via_value.find(',', start);
    if (comma == std::string_view::npos) comma = via_value.size();
    std::string_view item = trim(via_value.substr(start, comma - start));
    if (!item.empty()) {
      ++info.hops;
      if (item == id) info.contains_self = true;
    }
    start = comma + 1;
  }
  return info;
}

}  // namespace etcdpp::proxy
