#include "api/v2/render.h"

#include "base/json_string.h"

#include <cstdio>
#include <ctime>

namespace etcdpp::api::v2 {

namespace {

void append_uint(std::string& out, uint64_t v) { out += std::to_string(v); }

// A guess at a node's JSON size (enough for a plain file without escapes or TTL), so that an
// answer is usually rendered into one allocation.
size_t node_bytes_hint(const store::NodeView& node) {
  size_t bytes = 96 + node.key.size() + (node.value ? node.value->size() : 0);
  if (node.expiration) bytes += 64;
  for (const auto& child : node.nodes) bytes += node_bytes_hint(child);
  return bytes;
}

}  // namespace

std::string rfc3339_nano(base::WallTime t) {
  auto ns_total =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = ns_total / 1'000'000'000;
  int64_t nanos = ns_total % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (nanos != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

int64_t remaining_ttl_seconds(base::WallTime expiration, base::WallTime now) {
  auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(expiration - now).count();
  int64_t ttl = left / 1'000'000'000;
  if (left % 1'000'000'000 > 0) ++ttl;
  return ttl;
}

void append_node(std::string& out, const store::NodeView& node, base::WallTime now) {
  // Field order and omission rules of etcd's NodeExtern with `omitempty`.
  out.push_back('{');
  bool first = true;
  auto field = [&](std::string_view name) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out.append(name);
    out += "\":";
  };
  if (!node.key.empty()) {
    field("key");
    base::append_json_string(out, node.key);
  }
  if (node.value) {
    field("value");
    base::append_json_string(out, *node.value);
  }
  if (node.dir) {
    field("dir");
    out += "true";
  }
  if (node.expiration) {
    field("expiration");
    out.push_back('"');
    out += rfc3339_nano(*node.expiration);
    out.push_back('"');
    int64_t ttl = remaining_ttl_seconds(*node.expiration, now);
    if (ttl != 0) {
      field("ttl");
      out += std::to_string(ttl);
    }
  }
  if (!node.nodes.empty()) {
    field("nodes");
    out.push_back('[');
    for (size_t i = 0; i < node.nodes.size(); ++i) {
      if (i) out.push_back(',');
      append_node(out, node.nodes[i], now);
    }
    out.push_back(']');
  }
  if (node.modified_index != 0) {
    field("modifiedIndex");
    append_uint(out, node.modified_index);
  }
  if (node.created_index != 0) {
    field("createdIndex");
    append_uint(out, node.created_index);
  }
  out.push_back('}');
}

std::string render_event(const store::Event& event, base::WallTime now) {
  std::string out;
  out.reserve(32 + node_bytes_hint(event.node) +
              (event.prev_node ? node_bytes_hint(*event.prev_node) : 0));
  out += "{\"action\":\"";
  out += store::action_name(event.action);
  out += "\",\"node\":";
  append_node(out, event.node, now);
  if (event.prev_node) {
    out += ",\"prevNode\":";
    append_node(out, *event.prev_node, now);
  }
  out += "}\n";
  return out;
}

std::string render_action_only(const store::Event& event) {
  return std::string("{\"action\":\"") + store::action_name(event.action) + "\"}\n";
}

std::string render_error(const store::Error& error) {
  std::string out =
      "{\"errorCode\":" + std::to_string(static_cast<int>(error.code)) + ",\"message\":";
  base::append_json_string(out, store::error_message(error.code));
  if (!error.cause.empty()) {
    out += ",\"cause\":";
    base::append_json_string(out, error.cause);
  }
  out += ",\"index\":" + std::to_string(error.index) + "}\n";
  return out;
}

}  // namespace etcdpp::api::v2
