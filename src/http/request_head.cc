#include "http/request_head.h"

#include <boost/asio/buffer.hpp>

#include <cstring>
#include <string>
#include <string_view>

namespace etcdpp::http {

HeadLineEndings prepare_request_head(boost::beast::flat_buffer& buffer, size_t max_head_bytes) {
  auto data = buffer.data();
  auto* chars = static_cast<char*>(data.data());
  std::string_view bytes(chars, data.size());
  size_t first = bytes.find('\n');
  if (first == std::string_view::npos) return HeadLineEndings::crlf;
  bool crlf = first > 0 && bytes[first - 1] == '\r';
  // "HTTP/1.d" at the end of the request line, d in 2..9: said as HTTP/1.1 (same length).
  size_t line_end = crlf ? first - 1 : first;
  if (line_end >= 9 && bytes.substr(line_end - 9, 8) == " HTTP/1." && bytes[line_end - 1] >= '2' &&
      bytes[line_end - 1] <= '9') {
    chars[line_end - 1] = '1';
  }
  if (crlf) return HeadLineEndings::crlf;  // the hot path: one search over the request line
  // Go's textproto: a line ends at LF, a CR before it is dropped; the head ends at the first
  // empty line after the request line. Find that end first (a slow client sends the head in
  // pieces: each new piece costs one scan, bounded by max_head_bytes).
  size_t end = std::string_view::npos;
  for (size_t pos = first + 1; pos < bytes.size();) {
    size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) break;
    if (nl == pos || (nl == pos + 1 && bytes[pos] == '\r')) {
      end = nl + 1;
      break;
    }
    pos = nl + 1;
  }
  if (end == std::string_view::npos) {
    return bytes.size() > max_head_bytes ? HeadLineEndings::crlf : HeadLineEndings::incomplete;
  }
  std::string head;
  head.reserve(end + 64);
  for (size_t pos = 0; pos < end;) {
    size_t nl = bytes.find('\n', pos);
    std::string_view line = bytes.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    head.append(line);
    head.append("\r\n");
    pos = nl + 1;
  }
  size_t pos = end;
  std::string rest(bytes.substr(pos));
  buffer.consume(buffer.size());
  auto out = buffer.prepare(head.size() + rest.size());
  std::memcpy(out.data(), head.data(), head.size());
  std::memcpy(static_cast<char*>(out.data()) + head.size(), rest.data(), rest.size());
  buffer.commit(head.size() + rest.size());
  return HeadLineEndings::rewritten;
}

}  // namespace etcdpp::http
