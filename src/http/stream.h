#pragma once
// One HTTP connection's byte stream: a TCP socket, plain or wrapped in TLS.
//
// Why one type for both (rather than templates over the stream type): the handlers behind
// ConnectionHandler are virtual, and the proxy's and member's request paths are long; a
// branch per read or write costs nothing next to a system call, and a plain connection keeps
// exactly its former fast paths (non-blocking first writes, speculative reads).
//
// TLS state (http/tls_layer.h) lives on the heap and only for TLS connections, so a plain
// connection — the common case behind a local proxy — pays one pointer for it.
//
// Contract: socket() is the TCP layer (options, addresses, shutdown, close, the descriptor):
// on a TLS connection, bytes must never be read from or written to it directly.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "http/tls_layer.h"

#include <memory>
#include <utility>

namespace etcdpp::http {

class Stream {
 public:
  using executor_type = boost::asio::any_io_executor;
  explicit Stream(const executor_type& executor) : socket_(executor) {}
  explicit Stream(boost::asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // From now on bytes pass through TLS with `context` (the handshake is the caller's next
  // step: handshake()). The context must outlive the stream.
  void use_tls(boost::asio::ssl::context& context) {
    tls_ = std::make_unique<TlsLayer>(socket_, context);
  }
  bool is_tls() const { return tls_ != nullptr; }
  TlsLayer* tls() { return tls_.get(); }

  boost::asio::ip::tcp::socket& socket() { return socket_; }
  executor_type get_executor() { return socket_.get_executor(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            socket_.async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            socket_.async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

 private:
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<TlsLayer> tls_;
};

}  // namespace etcdpp::http
