#pragma once
// Small text helpers with Go's semantics, shared by flags, query parsing and headers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::base {

// Without leading and trailing spaces and tabs.
std::string_view trim_blanks(std::string_view s);

// The pieces of `s` between `separator`s, empty pieces dropped ("a,,b" → a, b).
std::vector<std::string> split(std::string_view s, char separator);

// strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False; nullopt otherwise.
std::optional<bool> parse_go_bool(std::string_view v);

// strconv.ParseUint(v, 10, 64): decimal digits only; nullopt when empty, signed or too big.
std::optional<uint64_t> parse_go_uint(std::string_view v);

}  // namespace etcdpp::base
