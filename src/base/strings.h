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

// Percent-decoding as Go's url package does (`%XX` with two hex digits; `plus_is_space` for
// query and form components, not for paths). nullopt on a malformed escape, with Go's message
// in `error` (`invalid URL escape "%zz"`).
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space,
                                          std::string& error);
// Whether every '%' in `text` starts a `%XX` escape (what percent_decode accepts), without
// decoding.
bool valid_percent_escapes(std::string_view text);

}  // namespace etcdpp::base
