#include "http/path.h"

#include "base/path.h"

namespace etcdpp::http {

std::string clean_path(std::string_view path) {
  if (path.empty()) return "/";
  std::string out = base::clean_absolute_path(path);
  // Go's ServeMux keeps a trailing slash when the original had one.
  if (path.back() == '/' && out != "/") out += '/';
  return out;
}

}  // namespace etcdpp::http
