#pragma once
// How etcdctl v2 prints keys API answers: the Go client's Response re-encoded (json), its
// "simple" and "extended" forms, ls listings, and v2 errors ("Error:  100: Key not found
// (/a) [7]").
#include "client/keys_response.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::ctl {

using client::KeyError;
using client::KeyNode;
using client::KeyResponse;
using client::parse_key_response;

// The Go client's Response as etcdctl -o json prints it (field order and nulls included).
std::string response_json(const KeyResponse& r);
// etcdctl's printResponseKey for "simple", "extended" and "json".
std::string print_response_key(const KeyResponse& r, std::string_view format);
// etcdctl ls in simple format: the children (depth-first with `recursive`), "/" after
// directories with `dir_slash`.
std::string print_ls(const KeyNode& node, bool recursive, bool dir_slash);

}  // namespace etcdpp::ctl
