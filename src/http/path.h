#pragma once
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

// True for "wait=<true>" in the query string of a v2 request target, with Go's
// strconv.ParseBool spellings: such a request is a long poll (or a stream) and may legitimately
// stay open for ever.
bool is_watch_target(std::string_view target);

}  // namespace etcdpp::http
