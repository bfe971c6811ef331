#include "proxy/upstream_pool.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/tls.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

namespace etcdpp::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// True when the peer has not closed the connection and sent nothing unexpected (on a TLS
// connection, any record — a close_notify, a session ticket — counts as unexpected: the
// connection is then not reused, which costs a handshake, never a lost request).
bool looks_open(tcp::socket& socket) {
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return false;  // orderly close
  if (n > 0) return false;   // stray bytes: unusable
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

}  // namespace

UpstreamPool::UpstreamPool(asio::any_io_executor executor, size_t max_idle_per_endpoint,
                           std::shared_ptr<asio::ssl::context> tls)
    : executor_(std::move(executor)),
      max_idle_per_endpoint_(max_idle_per_endpoint),
      tls_(std::move(tls)) {}

std::unique_ptr<UpstreamConn> UpstreamPool::take_idle(const std::string& endpoint,
                                                      bool check_open) {
  auto it = idle_.find(endpoint);
  if (it == idle_.end()) return nullptr;
  auto& stack = it->second;
  while (!stack.empty()) {
    auto conn = std::move(stack.back());
    stack.pop_back();
    if (!check_open || looks_open(conn->stream.socket())) {
      conn->reused = true;
      return conn;
    }
  }
  return nullptr;
}

void UpstreamPool::give_back(std::unique_ptr<UpstreamConn> conn) {
  auto& stack = idle_[conn->endpoint];
  if (stack.size() >= max_idle_per_endpoint_) return;  // closed on destruction
  conn->buffer.clear();
  if (conn->buffer.capacity() > 16 * 1024) conn->buffer.shrink_to_fit();
  stack.push_back(std::move(conn));
}

void UpstreamPool::retain(const std::set<std::string>& endpoints) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    if (endpoints.count(it->first)) {
      ++it;
    } else {
      it = idle_.erase(it);
    }
  }
}

size_t UpstreamPool::idle_count() const {
  size_t n = 0;
  for (const auto& [_, stack] : idle_) n += stack.size();
  return n;
}

asio::awaitable<std::unique_ptr<UpstreamConn>> UpstreamPool::connect(
    const http::Url& url, std::chrono::milliseconds dial_timeout, boost::system::error_code& ec) {
  auto conn = std::make_unique<UpstreamConn>(executor_);
  conn->endpoint = url.text;
  bool https = url.scheme == "https";
  if (https && !tls_) {
    ec = asio::error::operation_not_supported;
    co_return nullptr;
  }
  auto& socket = conn->stream.socket();
  auto addr = asio::ip::make_address(url.host, ec);
  if (!ec) {
    if (dial_timeout.count() > 0) conn->deadline.arm(dial_timeout, socket);
    co_await socket.async_connect(tcp::endpoint(addr, url.port),
                                  asio::redirect_error(asio::use_awaitable, ec));
  } else {
    ec.clear();
    tcp::resolver resolver(executor_);
    std::string port = std::to_string(url.port);
    auto results = co_await resolver.async_resolve(url.host, port,
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      if (dial_timeout.count() > 0) conn->deadline.arm(dial_timeout, socket);
      co_await asio::async_connect(socket, results, asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  if (!ec) socket.set_option(tcp::no_delay(true), ec);
  if (!ec && https) {
    conn->stream.use_tls(*tls_);
    http::prepare_client_tls(conn->stream, url.host,
                             SSL_CTX_get_verify_mode(tls_->native_handle()) != SSL_VERIFY_NONE);
    co_await http::tls_handshake(conn->stream, asio::ssl::stream_base::client, ec);
  }
  if (conn->deadline.disarm()) ec = asio::error::timed_out;
  if (ec) co_return nullptr;
  co_return conn;
}

}  // namespace etcdpp::proxy
