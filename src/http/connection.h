#pragma once
// The server side of one HTTP/1.1 connection: reads requests with limits (header bytes, body
// bytes, and — once a request has started — the time it may take to arrive), answers requests
// that cannot be read exactly as Go's net/http does (so that etcd's clients see the same
// bytes), and hands each readable request to a handler. Idle keep-alive connections are never
// timed out (clients keep pooled connections, and watches are long-lived).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/stream.h"
#include "http/url.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace etcdpp::http {

using ServerRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct ConnectionLimits {
  size_t max_header_bytes = 1 << 20;
  uint64_t max_body_bytes = 10 << 20;
  std::chrono::milliseconds request_timeout{30'000};
  size_t max_connections = 10'000;
};

// An answer a handler gives without waiting (see ConnectionHandler::answer_now).
struct ImmediateAnswer {
  std::string bytes;       // the whole answer, head and body
  bool keep_alive = true;  // false: the connection closes once it is written
};

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Answers a request when nothing has to wait for it (reads, errors, redirects): the answer is
  // built and sent without a coroutine frame or a trip through the event loop. nullopt hands
  // the request to handle(). Called for every readable request before handle(); must neither
  // block nor keep references to `req`. Default: nullopt.
  virtual std::optional<ImmediateAnswer> answer_now(ServerRequest& /*req*/,
                                                    const std::string& /*client_ip*/) {
    return std::nullopt;
  }
  // Answers one request on `socket`. Returns whether the connection may carry more requests.
  virtual boost::asio::awaitable<bool> handle(Stream& socket, ServerRequest& req,
                                              const std::string& client_ip) = 0;
  // The bytes that answer a request that could not be read (`ec` is Beast's header_limit or
  // body_limit, beast::error::timeout, or a parse error); the connection is closed after them.
  // Default: Go's fixed answers (431, 408, 400; 413 for the body limit).
  virtual std::string unreadable(const boost::system::error_code& ec);
  // Whether a request may stay open for long (a watch): its connection then gives its read
  // buffer back while it waits.
  virtual bool is_long_poll(const ServerRequest&) const { return false; }
  // Connection accounting (accept_connections): called when a connection is taken and when it
  // ends; busy_answer() is written to a connection refused over the limit.
  virtual void on_open() {}
  virtual void on_close() {}
  // Called when serve_connection ends a connection (the client closed it, or it was closed
  // after an answer); `remote` is the client's address and port.
  virtual void on_connection_closed(const boost::asio::ip::tcp::endpoint& /*remote*/) {}
  virtual std::string_view busy_answer() const;

  size_t open_connections() const { return open_connections_; }

 private:
  friend boost::asio::awaitable<void> accept_connections(
      boost::asio::ip::tcp::acceptor&, const ConnectionLimits&, ConnectionHandler&,
      std::shared_ptr<boost::asio::ssl::context>);
  size_t open_connections_ = 0;
};

// Accepts connections until the acceptor is closed, serving each (requests until the client
// closes, an unreadable request was answered, or the handler says to stop); over
// limits.max_connections a connection gets busy_answer() and is closed at once. Accept
// failures (e.g. out of descriptors) back off for 100 ms instead of spinning.
// With `tls`, every connection is TLS (an https listener): the handshake must finish within
// limits.request_timeout; a failed handshake (a plain HTTP request too) is logged and the
// connection closed without an answer, as etcd's TLS listener does.
boost::asio::awaitable<void> accept_connections(
    boost::asio::ip::tcp::acceptor& acceptor, const ConnectionLimits& limits,
    ConnectionHandler& handler, std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

// A listening socket for `url` ("localhost" listens on 127.0.0.1). nullopt and etcd's message
// ("listen tcp 127.0.0.1:2379: bind: Address already in use") when it cannot listen.
std::optional<boost::asio::ip::tcp::acceptor> open_listener(const boost::asio::any_io_executor& ex,
                                                            const Url& url, std::string& error);

// Go's net/http answer to a request it cannot read: "HTTP/1.1 <public_error>", plain text, the
// same text as body, Connection: close (no Date, no Content-Length).
std::string go_request_error(std::string_view public_error);

}  // namespace etcdpp::http
