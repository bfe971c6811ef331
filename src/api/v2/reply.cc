#include "api/v2/reply.h"

#include "base/json_string.h"

#include <ostream>  // boost/core/detail/string_view.hpp needs it complete

#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <array>
#include <vector>

namespace etcdpp::api::v2 {

namespace bhttp = boost::beast::http;

void Reply::set(std::string_view name, std::string value) {
  for (auto& [n, v] : headers) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(name, std::move(value));
}

namespace {

void append_head(std::string& out, const Reply& reply, const WireOptions& options) {
  out += options.http_version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(reply.status);
  out.push_back(' ');
  auto reason = bhttp::obsolete_reason(bhttp::int_to_status(reply.status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  using Field = std::pair<std::string_view, std::string_view>;
  std::array<Field, 16> fixed;
  std::vector<Field> many;
  size_t count = reply.headers.size() + (reply.cors_origin.empty() ? 0 : 3);
  Field* fields = fixed.data();
  if (count > fixed.size()) {
    many.resize(count);
    fields = many.data();
  }
  size_t n = 0;
  for (const auto& [name, value] : reply.headers) fields[n++] = {name, value};
  if (!reply.cors_origin.empty()) {
    fields[n++] = {"Access-Control-Allow-Headers", "accept, content-type, authorization"};
    fields[n++] = {"Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE"};
    fields[n++] = {"Access-Control-Allow-Origin", reply.cors_origin};
  }
  // Go writes a response's header fields sorted by name.
  std::sort(fields, fields + n, [](const Field& a, const Field& b) { return a.first < b.first; });
  for (size_t i = 0; i < n; ++i) {
    out += fields[i].first;
    out += ": ";
    out += fields[i].second;
    out += "\r\n";
  }
  out += "Date: ";
  if (options.date) out += *options.date;
  out += "\r\n";
}

void append_connection(std::string& out, const WireOptions& options) {
  if (options.http_version == 10) {
    if (options.keep_alive) out += "Connection: keep-alive\r\n";
  } else if (!options.keep_alive) {
    out += "Connection: close\r\n";
  }
}

}  // namespace

std::string serialize_reply(const Reply& reply, const WireOptions& options) {
  // Room for the whole answer at once: the head's fixed parts, every field, the body.
  size_t head_bytes = 160 + (options.date ? options.date->size() : 0) +
                      reply.sniffed_content_type.size() +
                      (reply.cors_origin.empty() ? 0 : 160 + reply.cors_origin.size());
  for (const auto& [name, value] : reply.headers) head_bytes += name.size() + value.size() + 4;
  std::string out;
  out.reserve(head_bytes + (options.head ? 0 : reply.body.size()));
  append_head(out, reply, options);
  // Go sends no Content-Length for 204/304, nor for an empty answer to HEAD.
  bool no_length =
      reply.status == 204 || reply.status == 304 || (options.head && reply.body.empty());
  if (!no_length) {
    out += "Content-Length: ";
    out += std::to_string(reply.body.size());
    out += "\r\n";
  }
  if (!reply.sniffed_content_type.empty()) {
    out += "Content-Type: ";
    out += reply.sniffed_content_type;
    out += "\r\n";
  }
  append_connection(out, options);
  out += "\r\n";
  if (!options.head) out += reply.body;
  return out;
}

std::string serialize_stream_head(const Reply& reply, const WireOptions& options) {
  std::string out;
  append_head(out, reply, options);
  WireOptions o = options;
  if (options.http_version == 10) o.keep_alive = false;
  append_connection(out, o);
  if (options.http_version != 10) out += "Transfer-Encoding: chunked\r\n";
  out += "\r\n";
  return out;
}

Reply text_error(unsigned status, std::string_view text) {
  Reply r;
  r.status = status;
  r.headers = {{"Content-Type", "text/plain; charset=utf-8"},
               {"X-Content-Type-Options", "nosniff"}};
  r.body = std::string(text) + "\n";
  return r;
}

Reply sniffed_text(unsigned status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  if (!r.body.empty()) r.sniffed_content_type = "text/plain; charset=utf-8";
  return r;
}

Reply json_reply(unsigned status, std::string body) {
  Reply r;
  r.status = status;
  r.headers.reserve(5);  // room for a keys answer's fields: one allocation
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Reply http_error(unsigned status, std::string_view message) {
  std::string body = "{\"message\":";
  base::append_json_string(body, message);
  body += "}";
  return json_reply(status, std::move(body));
}

}  // namespace etcdpp::api::v2
