#pragma once
// Response bodies of the v2 keys API, byte for byte as etcd 3.4 writes them (spec/v2-api.md §3):
// Go's encoding/json with its field order, omitted empty fields, HTML-safe escaping, and a
// trailing newline after events and errors.
#include "base/clock.h"
#include "store/error.h"
#include "store/node.h"

#include <string>
#include <string_view>

namespace etcdpp::api::v2 {

// {"action":"set","node":{...},"prevNode":{...}}\n — `now` is only used to render `ttl`.
std::string render_event(const store::Event& event, base::WallTime now);
// {"action":"set"}\n (noValueOnSuccess=true)
std::string render_action_only(const store::Event& event);
// {"errorCode":100,"message":"Key not found","cause":"/a","index":9}\n
std::string render_error(const store::Error& error);

// Pieces, exposed for tests.
void append_node(std::string& out, const store::NodeView& node, base::WallTime now);
// time.RFC3339Nano in UTC: "2026-11-23T05:19:52.7393367Z" (trailing zeros trimmed).
std::string rfc3339_nano(base::WallTime t);
// etcd's ttl: ceil((expiration - now) / 1 s) for the future; truncated toward zero otherwise.
int64_t remaining_ttl_seconds(base::WallTime expiration, base::WallTime now);

}  // namespace etcdpp::api::v2
