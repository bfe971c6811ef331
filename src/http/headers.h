#pragma once
// Header handling shared by anything that forwards HTTP messages.
#include <boost/beast/http/fields.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace etcdpp::http {

// Removes hop-by-hop headers (RFC 7230 §6.1): the fixed list etcd's proxy removes
// (Connection, Keep-Alive, Proxy-Authenticate, Proxy-Authorization, TE, Trailer(s),
// Transfer-Encoding, Upgrade) plus Proxy-Connection and every header named by a Connection
// header (the original leaves those in place: spec W8).
void strip_hop_by_hop(boost::beast::http::fields& fields);

// "Mon, 02 Jan 2006 15:04:05 GMT" for a Unix time in seconds.
std::string http_date(int64_t unix_seconds);

// The Date header for the current second, formatted at most once per second. The returned
// string object stays the same (its value changes): holders may keep a pointer to it.
class DateCache {
 public:
  const std::string& at(std::chrono::system_clock::time_point now);

 private:
  int64_t second_ = -1;
  std::string text_;
};

}  // namespace etcdpp::http
