#include "proxy/request_info.h"

#include "base/strings.h"

namespace etcdpp::proxy {

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
    if (key == "wait") return base::parse_go_bool(value).value_or(false);
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
    std::string_view item = base::trim_blanks(via_value.substr(start, comma - start));
    if (!item.empty()) {
      ++info.hops;
      if (item == id) info.contains_self = true;
    }
    start = comma + 1;
  }
  return info;
}

}  // namespace etcdpp::proxy
