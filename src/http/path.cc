#include "http/path.h"

#include "base/path.h"
#include "base/strings.h"

namespace etcdpp::http {

std::string clean_path(std::string_view path) {
  if (path.empty()) return "/";
  std::string out = base::clean_absolute_path(path);
  // Go's ServeMux keeps a trailing slash when the original had one.
  if (path.back() == '/' && out != "/") out += '/';
  return out;
}

bool is_clean_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  // Every segment between slashes must be non-empty (no "//") and not "." or "..";
  // the last one may be empty (a trailing slash is kept by the router).
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    bool last = slash == std::string_view::npos;
    std::string_view seg = path.substr(start, last ? std::string_view::npos : slash - start);
    if (seg == "." || seg == "..") return false;
    if (seg.empty() && !last) return false;
    if (last) break;
    start = slash + 1;
  }
  return true;
}

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

}  // namespace etcdpp::http
