#pragma once
#include <string>
#include <string_view>

namespace etcdpp::http {

// Lexical path cleaning with the rules of Go's path.Clean (the router of etcd's proxy sends a
// 301 to the cleaned path when a request path is not canonical): collapse "//", drop "." and
// resolve ".." against the previous element; a trailing slash of the original is kept.
std::string clean_path(std::string_view path);

}  // namespace etcdpp::http
