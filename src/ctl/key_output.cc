#include "ctl/key_output.h"

#include "base/json_string.h"

namespace etcdpp::ctl {

namespace {

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
