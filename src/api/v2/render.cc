#include "api/v2/render.h"

#include <cstdio>
#include <ctime>

namespace etcdpp::api::v2 {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  // Overlong, surrogate and out-of-range forms.
  if (n == 3 && c == 0xE0 && b(i + 1) < 0xA0) return 0;
  if (n == 3 && c == 0xED && b(i + 1) >= 0xA0) return 0;
  if (n == 4 && c == 0xF0 && b(i + 1) < 0x90) return 0;
  if (n == 4 && c == 0xF4 && b(i + 1) >= 0x90) return 0;
  return n;
}

void append_uint(std::string& out, uint64_t v) { out += std::to_string(v); }

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '<':
        case '>':
        case '&':
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    // U+2028 and U+2029 are escaped by Go (they break JavaScript string literals).
    if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out.push_back('"');
}

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
    append_json_string(out, node.key);
  }
  if (node.value) {
    field("value");
    append_json_string(out, *node.value);
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
  std::string out = "{\"action\":\"";
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
  append_json_string(out, store::error_message(error.code));
  if (!error.cause.empty()) {
    out += ",\"cause\":";
    append_json_string(out, error.cause);
  }
  out += ",\"index\":" + std::to_string(error.index) + "}\n";
  return out;
}

}  // namespace etcdpp::api::v2
