#include "proxy/request_info.h"

#include "base/strings.h"

namespace etcdpp::proxy {

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
