#include "http/path.h"

#include "base/path.h"
#include "base/strings.h"

#include <fmt/format.h>

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

namespace {

// Go's url.shouldEscape(c, encodePath) is false for these (and for letters and digits).
bool path_byte_kept(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  static constexpr std::string_view kKept = "-_.~$&+,/:;=@";
  return kKept.find(static_cast<char>(c)) != std::string_view::npos;
}

// url.escape writes upper-case hex digits; http.Redirect's hexEscapeNonASCII lower-case ones.
void append_hex_escape(std::string& out, unsigned char c, bool upper) {
  if (upper) {
    fmt::format_to(std::back_inserter(out), "%{:02X}", c);
  } else {
    fmt::format_to(std::back_inserter(out), "%{:02x}", c);
  }
}

// Go's html.EscapeString set, as net/http's htmlEscape uses it.
std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::optional<MuxRedirect> mux_redirect(std::string_view target) {
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  std::string_view raw_query = q == std::string_view::npos ? "" : target.substr(q + 1);
  bool escaped = raw_path.find('%') != std::string_view::npos;
  if (!escaped && !raw_path.empty() && is_clean_path(raw_path)) return std::nullopt;  // hot path
  std::string error;
  auto decoded = base::percent_decode(raw_path, false, error);
  if (!decoded) return std::nullopt;  // refused earlier by go_server_checks
  if (!decoded->empty() && is_clean_path(*decoded)) return std::nullopt;
  std::string cleaned = clean_path(*decoded);
  // url.URL{Path: cleaned, RawQuery: query}.String(), then http.Redirect's hexEscapeNonASCII
  // for the header; the body quotes the URL before that escaping.
  std::string url;
  for (char c : cleaned) {
    auto b = static_cast<unsigned char>(c);
    if (path_byte_kept(b)) {
      url += c;
    } else {
      append_hex_escape(url, b, true);
    }
  }
  if (!raw_query.empty()) {
    url += '?';
    url += raw_query;
  }
  MuxRedirect r;
  for (char c : url) {
    auto b = static_cast<unsigned char>(c);
    if (b >= 0x80) {
      append_hex_escape(r.location, b, false);
    } else {
      r.location += c;
    }
  }
  r.html_body = "<a href=\"" + html_escape(url) + "\">Moved Permanently</a>.\n\n";
  return r;
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
