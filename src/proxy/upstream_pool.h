#pragma once
// Keep-alive connections to the members, per endpoint, bounded by
// max_idle_upstream_per_endpoint. Single-threaded: used only on the proxy's io_context.
#include "http/lazy_deadline.h"
#include "http/stream.h"
#include "http/url.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace etcdpp::proxy {

struct UpstreamConn {
  explicit UpstreamConn(const boost::asio::any_io_executor& ex) : stream(ex), deadline(ex) {}
  http::Stream stream;  // TLS for an https member
  // Times the dial, a write that has to wait, and the reads of a response. (Cheaper per
  // request, and smaller per idle watcher, than a beast::tcp_stream's own timers.)
  http::LazyDeadline deadline;
  boost::beast::flat_buffer buffer;
  std::string endpoint;  // Url::text of the member
  bool reused = false;   // taken from the idle pool rather than freshly dialled
};

class UpstreamPool {
 public:
  // `tls`: the client context for https members (nullptr: https members cannot be dialled).
  UpstreamPool(boost::asio::any_io_executor executor, size_t max_idle_per_endpoint,
               std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

  // An idle connection to `endpoint`, or nullptr. With `check_open`, connections the member
  // has closed meanwhile are discarded (one extra system call), so that a request that must
  // not be replayed is not sent into a dead one; requests that may be retried skip the check.
  std::unique_ptr<UpstreamConn> take_idle(const std::string& endpoint, bool check_open);
  // Returns a connection whose last response was read completely.
  void give_back(std::unique_ptr<UpstreamConn> conn);
  // Drops idle connections of endpoints that are no longer in the list.
  void retain(const std::set<std::string>& endpoints);

  // Dials `url` (resolving names asynchronously; the TLS handshake for https, within the same
  // timeout). dial_timeout 0 = no timeout.
  boost::asio::awaitable<std::unique_ptr<UpstreamConn>> connect(
      const http::Url& url, std::chrono::milliseconds dial_timeout, boost::system::error_code& ec);

  size_t idle_count() const;

 private:
  boost::asio::any_io_executor executor_;
  size_t max_idle_per_endpoint_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::map<std::string, std::vector<std::unique_ptr<UpstreamConn>>> idle_;
};

}  // namespace etcdpp::proxy
