#include "http/path.h"

#include <vector>

namespace etcdpp::http {

std::string clean_path(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(i, slash - i);
    if (part.empty() || part == ".") {
      // nothing
    } else if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else {
      parts.push_back(part);
    }
    i = slash + 1;
  }
  std::string out;
  for (auto p : parts) {
    out += '/';
    out += p;
  }
  if (out.empty()) out = "/";
  // Go's ServeMux keeps a trailing slash when the original had one.
  if (path.back() == '/' && out != "/") out += '/';
  return out;
}

}  // namespace etcdpp::http
