#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace etcdpp::http {

// Lexical path cleaning with the rules of Go's path.Clean (the router of etcd's proxy sends a
// 301 to the cleaned path when a request path is not canonical): collapse "//", drop "." and
// resolve ".." against the previous element; a trailing slash of the original is kept.
std::string clean_path(std::string_view path);
// Whether clean_path(path) == path, without building the cleaned path (the hot path: almost
// every request path is clean).
bool is_clean_path(std::string_view path);

// Go's ServeMux answer to a request whose path, once percent-decoded, is not clean: a 301 to
// the cleaned path, escaped again (url.URL.String), with the raw query when there is one.
struct MuxRedirect {
  std::string location;   // the Location header (non-ASCII bytes %-escaped, as Go sends it)
  std::string html_body;  // the body Go writes for GET: `<a href="...">Moved Permanently</a>.`
};
// nullopt when `target` (origin form, already checked by go_server_checks; an empty path —
// from "http://host" — counts as unclean) needs no redirect.
std::optional<MuxRedirect> mux_redirect(std::string_view target);

// True for "wait=<true>" in the query string of a v2 request target, with Go's
// strconv.ParseBool spellings: such a request is a long poll (or a stream) and may legitimately
// stay open for ever.
bool is_watch_target(std::string_view target);

}  // namespace etcdpp::http
