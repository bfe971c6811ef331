#include "ctl/key_output.h"

#include "base/json_string.h"

#include <boost/json/parse.hpp>

namespace etcdpp::ctl {

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

void append_node_json(std::string& out, const KeyNode& n) {
  out += "{\"key\":";
  base::append_json_string(out, n.key);
  if (n.dir) out += ",\"dir\":true";
  out += ",\"value\":";
  base::append_json_string(out, n.value);
  out += ",\"nodes\":";
  if (n.nodes) {
    out += "[";
    for (size_t i = 0; i < n.nodes->size(); ++i) {
      if (i) out += ",";
      append_node_json(out, (*n.nodes)[i]);
    }
    out += "]";
  } else {
    out += "null";
  }
  out += ",\"createdIndex\":" + std::to_string(n.created_index) +
         ",\"modifiedIndex\":" + std::to_string(n.modified_index);
  if (n.expiration) {
    out += ",\"expiration\":";
    base::append_json_string(out, *n.expiration);
  }
  if (n.ttl != 0) out += ",\"ttl\":" + std::to_string(n.ttl);
  out += "}";
}

void ls_walk(const KeyNode& node, bool recursive, bool dir_slash, std::string& out) {
  if (!node.nodes) return;
  for (const KeyNode& child : *node.nodes) {
    out += child.key;
    if (child.dir && dir_slash) out += "/";
    out += "\n";
    if (recursive) ls_walk(child, recursive, dir_slash, out);
  }
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

std::string response_json(const KeyResponse& r) {
  std::string out = "{\"action\":";
  base::append_json_string(out, r.action);
  out += ",\"node\":";
  if (r.node) {
    append_node_json(out, *r.node);
  } else {
    out += "null";
  }
  out += ",\"prevNode\":";
  if (r.prev_node) {
    append_node_json(out, *r.prev_node);
  } else {
    out += "null";
  }
  out += "}";
  return out;
}

std::string print_response_key(const KeyResponse& r, std::string_view format) {
  const KeyNode empty;
  const KeyNode& node = r.node ? *r.node : empty;
  std::string out;
  if (format == "simple") {
    if (r.action != "delete") return node.value + "\n";
    return "PrevNode.Value: " + (r.prev_node ? r.prev_node->value : std::string()) + "\n";
  }
  if (format == "extended") {
    out += "Key: " + node.key + "\n";
    out += "Created-Index: " + std::to_string(node.created_index) + "\n";
    out += "Modified-Index: " + std::to_string(node.modified_index) + "\n";
    if (r.prev_node) out += "PrevNode.Value: " + r.prev_node->value + "\n";
    out += "TTL: " + std::to_string(node.ttl) + "\n";
    out += "Index: " + std::to_string(r.index) + "\n";
    if (r.action != "delete") out += "\n" + node.value + "\n";
    return out;
  }
  return response_json(r) + "\n";
}

std::string print_ls(const KeyNode& node, bool recursive, bool dir_slash) {
  std::string out;
  ls_walk(node, recursive, dir_slash, out);
  return out;
}

}  // namespace etcdpp::ctl
