#include "base/path.h"

namespace etcdpp::base {

std::string clean_absolute_path(std::string_view path) {
  // One pass, writing the result as it goes: it is never longer than "/" + path, and ".."
  // drops back to the slash before the previous element (never past the leading one).
  std::string out;
  out.reserve(path.size() + 1);
  size_t i = 0;
  while (i < path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(i, slash - i);
    if (part == "..") {
      out.resize(out.empty() ? 0 : out.rfind('/'));
    } else if (!part.empty() && part != ".") {
      out += '/';
      out += part;
    }
    i = slash + 1;
  }
  if (out.empty()) out = "/";
  return out;
}

}  // namespace etcdpp::base
