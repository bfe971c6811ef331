#pragma once
#include <string>
#include <string_view>

namespace etcdpp::base {

// Lexical cleaning with the rules of Go's path.Clean on an absolute path: collapse "//",
// drop ".", resolve ".." against the previous element (never above "/"), no trailing slash.
std::string clean_absolute_path(std::string_view path);

}  // namespace etcdpp::base
