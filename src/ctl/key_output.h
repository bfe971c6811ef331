#pragma once
// How etcdctl v2 prints keys API answers: the Go client's Response re-encoded (json), its
// "simple" and "extended" forms, ls listings, and v2 errors ("Error:  100: Key not found
// (/a) [7]").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::ctl {

struct KeyNode {
  std::string key;
  bool dir = false;
  std::string value;
  std::optional<std::vector<KeyNode>> nodes;
  uint64_t created_index = 0;
  uint64_t modified_index = 0;
  std::optional<std::string> expiration;  // as the server sent it (RFC 3339)
  int64_t ttl = 0;
};

struct KeyResponse {
  std::string action;
  std::optional<KeyNode> node;
  std::optional<KeyNode> prev_node;
  uint64_t index = 0;  // X-Etcd-Index
};

struct KeyError {
  int code = 0;
  std::string message;
  std::string cause;
  uint64_t index = 0;
  // etcdctl's line: "<code>: <message> (<cause>) [<index>]"
  std::string text() const;
};

// Parses a keys API answer body: a response, or an error (nullopt, `error` filled).
std::optional<KeyResponse> parse_key_response(std::string_view body, uint64_t etcd_index,
                                              std::optional<KeyError>& error);

// The Go client's Response as etcdctl -o json prints it (field order and nulls included).
std::string response_json(const KeyResponse& r);
// etcdctl's printResponseKey for "simple", "extended" and "json".
std::string print_response_key(const KeyResponse& r, std::string_view format);
// etcdctl ls in simple format: the children (depth-first with `recursive`), "/" after
// directories with `dir_slash`.
std::string print_ls(const KeyNode& node, bool recursive, bool dir_slash);

}  // namespace etcdpp::ctl
