#include "client/keys_response.h"

#include <boost/json/parse.hpp>

namespace etcdpp::client {

namespace {

namespace json = boost::json;

std::string as_string(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

uint64_t as_uint(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v) return 0;
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64()) return static_cast<uint64_t>(v->as_int64());
  return 0;
}

KeyNode parse_node(const json::object& o) {
  KeyNode n;
  n.key = as_string(o, "key");
  if (const auto* d = o.if_contains("dir"); d && d->is_bool()) n.dir = d->as_bool();
  n.value = as_string(o, "value");
  if (const auto* list = o.if_contains("nodes"); list && list->is_array()) {
    n.nodes.emplace();
    for (const auto& child : list->as_array()) {
      if (child.is_object()) n.nodes->push_back(parse_node(child.as_object()));
    }
  }
  n.created_index = as_uint(o, "createdIndex");
  n.modified_index = as_uint(o, "modifiedIndex");
  if (const auto* e = o.if_contains("expiration"); e && e->is_string()) {
    n.expiration = std::string(e->as_string());
  }
  if (const auto* t = o.if_contains("ttl"); t && (t->is_int64() || t->is_uint64())) {
    n.ttl = t->is_int64() ? t->as_int64() : static_cast<int64_t>(t->as_uint64());
  }
  return n;
}

}  // namespace

std::string KeyError::text() const {
  return std::to_string(code) + ": " + message + " (" + cause + ") [" + std::to_string(index) + "]";
}

std::optional<KeyResponse> parse_key_response(std::string_view body, uint64_t etcd_index,
                                              std::optional<KeyError>& error) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec || !value.is_object()) {
    error = KeyError{0, "unexpected response from the server", std::string(body), 0};
    return std::nullopt;
  }
  const auto& o = value.as_object();
  if (o.contains("errorCode")) {
    error = KeyError{static_cast<int>(as_uint(o, "errorCode")), as_string(o, "message"),
                     as_string(o, "cause"), as_uint(o, "index")};
    return std::nullopt;
  }
  KeyResponse r;
  r.action = as_string(o, "action");
  if (const auto* n = o.if_contains("node"); n && n->is_object())
    r.node = parse_node(n->as_object());
  if (const auto* p = o.if_contains("prevNode"); p && p->is_object()) {
    r.prev_node = parse_node(p->as_object());
  }
  r.index = etcd_index;
  return r;
}

}  // namespace etcdpp::client
