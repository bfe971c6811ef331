#pragma once
// Small pure helpers that classify a client request.
#include "http/path.h"

#include <string>
#include <string_view>

namespace etcdpp::proxy {

using http::is_watch_target;

// GET and HEAD: safe to send again to another member.
inline bool is_idempotent(std::string_view method) { return method == "GET" || method == "HEAD"; }

// Number of proxies in an X-Etcdpp-Via value, and whether `id` is one of them.
struct ViaInfo {
  unsigned hops = 0;
  bool contains_self = false;
};
ViaInfo inspect_via(std::string_view via_value, std::string_view id);

}  // namespace etcdpp::proxy
