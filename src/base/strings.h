#pragma once
// Small text helpers with Go's semantics, shared by flags, query parsing and headers.
#include <cstdint>
#include <optional>
#include <string_view>

namespace etcdpp::base {

// Without leading and trailing spaces and tabs.
std::string_view trim_blanks(std::string_view s);

// strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False; nullopt otherwise.
std::optional<bool> parse_go_bool(std::string_view v);

// strconv.ParseUint(v, 10, 64): decimal digits only; nullopt when empty, signed or too big.
std::optional<uint64_t> parse_go_uint(std::string_view v);

}  // namespace etcdpp::base
