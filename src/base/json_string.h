#pragma once
#include <string>
#include <string_view>

namespace etcdpp::base {

// Appends `text` as a JSON string literal exactly as Go's encoding/json writes it (what etcd's
// responses contain): HTML-safe (<, >, & as \u003c, \u003e, \u0026), U+2028/U+2029 escaped,
// control characters as \n, \r, \t or \u00XX, invalid UTF-8 bytes as \ufffd.
void append_json_string(std::string& out, std::string_view text);

}  // namespace etcdpp::base
