#include "http/serialize.h"

#include <charconv>

namespace etcdpp::http {

namespace bhttp = boost::beast::http;

namespace {

void append_fields(std::string& out, const bhttp::fields& fields) {
  for (const auto& f : fields) {
    out.append(f.name_string());
    out.append(": ");
    out.append(f.value());
    out.append(kCrlf);
  }
  out.append(kCrlf);
}

}  // namespace

void append_request_head(std::string& out, const bhttp::request_header<>& head) {
  out.append(head.method_string());
  out.push_back(' ');
  out.append(head.target());
  out.append(head.version() == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  append_fields(out, head);
}

void append_response_head(std::string& out, const bhttp::response_header<>& head) {
  char code[4] = {};
  unsigned status = head.result_int();
  code[0] = static_cast<char>('0' + status / 100 % 10);
  code[1] = static_cast<char>('0' + status / 10 % 10);
  code[2] = static_cast<char>('0' + status % 10);
  out.append(head.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out.append(code, 3);
  out.push_back(' ');
  std::string_view reason = head.reason();
  if (reason.empty()) reason = bhttp::obsolete_reason(head.result());
  out.append(reason);
  out.append(kCrlf);
  append_fields(out, head);
}

void append_chunk_size(std::string& out, size_t size) {
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, size, 16);
  (void)ec;  // 20 characters always fit a size_t in hex
  out.append(buf, end);
  out.append(kCrlf);
}

}  // namespace etcdpp::http
