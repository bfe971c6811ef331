#pragma once
// An etcd v2 keys API answer as a client reads it: the response (action, node, prevNode) or the
// error (errorCode, message, cause, index). Shared by etcdppctl and the discovery client.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::client {

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
  int code = 0;  // 0: the body was not a keys API answer at all (not JSON, not an object)
  std::string message;
  std::string cause;
  uint64_t index = 0;
  // etcdctl's line: "<code>: <message> (<cause>) [<index>]"
  std::string text() const;
};

// Parses a keys API answer body: a response, or an error (nullopt, `error` filled).
std::optional<KeyResponse> parse_key_response(std::string_view body, uint64_t etcd_index,
                                              std::optional<KeyError>& error);

}  // namespace etcdpp::client
