#pragma once
// TLS on a connected TCP socket: OpenSSL reads and writes the socket itself (a socket BIO,
// non-blocking), and asio only waits for the socket to be ready.
//
// Why not asio's ssl::stream: it keeps two 17 KB record buffers of its own and a 2 × 17 KB
// BIO pair for every connection, allocated for the connection's whole life — about 90 KB per
// idle TLS connection measured (1000 idle watchers through a proxy to an https member: 93 KB
// each, etcd's own proxy 41 KB). Here OpenSSL's buffers are released while the connection is
// idle (SSL_MODE_RELEASE_BUFFERS), and OpenSSL reads exactly the records it needs (no
// read-ahead), so bytes a connection has not asked for stay in the socket, where a peek
// (an idle pooled connection's liveness check, a client's hang-up) can see them.
//
// The operations follow asio's conventions (any completion token; one read and one write may
// be outstanding together; an operation never completes inside its initiating call). They
// are cancelled by cancelling or closing the socket (operation_aborted).
//
// Error contract: the peer's close_notify or a bare TCP end is asio::error::eof; OpenSSL's
// errors come in asio's ssl category (ERR_get_error's code), system errors as they are.
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>

namespace etcdpp::http {

class TlsLayer {
 public:
  // `socket` must be connected and outlive this object.
  TlsLayer(boost::asio::ip::tcp::socket& socket, boost::asio::ssl::context& context);
  TlsLayer(const TlsLayer&) = delete;
  TlsLayer& operator=(const TlsLayer&) = delete;

  SSL* native_handle() { return ssl_.get(); }

  template <class Token>
  auto async_handshake(boost::asio::ssl::stream_base::handshake_type role, Token&& token) {
    if (role == boost::asio::ssl::stream_base::client) {
      SSL_set_connect_state(ssl_.get());
    } else {
      SSL_set_accept_state(ssl_.get());
    }
    return run(
        [ssl = ssl_.get()](size_t& n) {
          n = 0;
          return SSL_do_handshake(ssl);
        },
        std::forward<Token>(token));
  }

  // Reads what OpenSSL has decrypted, at most the first non-empty buffer of `buffers`.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    boost::asio::mutable_buffer first = first_buffer(buffers);
    return run(
        [this, first](size_t& n) {
          if (first.size() == 0) return 1;
          // Nothing to read yet: wait without calling OpenSSL, which would allocate its record
          // buffer and keep it for as long as the connection idles (a watcher, for hours).
          if (!SSL_has_pending(ssl_.get()) && !socket_readable()) return kWaitForRead;
          return SSL_read_ex(ssl_.get(), first.data(), first.size(), &n);
        },
        std::forward<Token>(token));
  }

  // Writes the buffers as one record when they are small together (a head and its body),
  // else the first non-empty one.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    std::string gathered;
    boost::asio::const_buffer first = first_buffer(buffers);
    size_t total = boost::asio::buffer_size(buffers);
    if (total > first.size() && total <= kGatherMaxBytes) {
      gathered.resize(total);
      boost::asio::buffer_copy(boost::asio::buffer(gathered), buffers);
    }
    return run(
        [ssl = ssl_.get(), first, gathered = std::move(gathered)](size_t& n) {
          // (OpenSSL accepts the retry of a write from a moved buffer: ACCEPT_MOVING_WRITE_BUFFER)
          if (!gathered.empty()) return SSL_write_ex(ssl, gathered.data(), gathered.size(), &n);
          if (first.size() == 0) return 1;
          return SSL_write_ex(ssl, first.data(), first.size(), &n);
        },
        std::forward<Token>(token));
  }

  // Sends close_notify without waiting for the peer's (the connection is closed next).
  template <class Token>
  auto async_shutdown(Token&& token) {
    SSL_set_shutdown(ssl_.get(), SSL_RECEIVED_SHUTDOWN);
    return run(
        [ssl = ssl_.get()](size_t& n) {
          n = 0;
          int ret = SSL_shutdown(ssl);
          return ret == 0 ? 1 : ret;
        },
        std::forward<Token>(token));
  }

 private:
  static constexpr size_t kGatherMaxBytes = 16 * 1024;  // one TLS record
  // An attempt's return value that means "wait until the socket is readable".
  static constexpr int kWaitForRead = -2;
  enum class Want { nothing, read, write };

  // Whether the socket has bytes (or its end) to read now; a peek, nothing consumed.
  bool socket_readable() const;

  // What an OpenSSL call's return value `ret` means: done (`ec` says how), or wait.
  Want outcome(int ret, boost::system::error_code& ec);

  template <class Buffers>
  static auto first_buffer(const Buffers& buffers) {
    auto it = boost::asio::buffer_sequence_begin(buffers);
    auto end = boost::asio::buffer_sequence_end(buffers);
    using Buffer = std::decay_t<decltype(*it)>;
    for (; it != end; ++it) {
      if (Buffer(*it).size() > 0) return Buffer(*it);
    }
    return Buffer();
  }

  // Runs `attempt` (an OpenSSL call; its byte count in `n`) until it is done, waiting for the
  // socket as OpenSSL asks; completes with (ec, n). A result ready at the first attempt is
  // delivered through the executor, never inside the initiating call.
  template <class Attempt, class Token>
  auto run(Attempt attempt, Token&& token) {
    namespace asio = boost::asio;
    return asio::async_compose<Token, void(boost::system::error_code, size_t)>(
        [this, attempt = std::move(attempt), initiating = true, done = false,
         result = boost::system::error_code(),
         bytes = size_t(0)](auto& self, boost::system::error_code wait_ec = {}) mutable {
          if (done) return self.complete(result, bytes);
          if (wait_ec) return self.complete(wait_ec, 0);  // cancelled, closed
          ERR_clear_error();
          size_t n = 0;
          int ret = attempt(n);
          boost::system::error_code ec;
          Want want = outcome(ret, ec);
          if (want != Want::nothing) {
            initiating = false;
            socket_.async_wait(
                want == Want::read ? asio::socket_base::wait_read : asio::socket_base::wait_write,
                std::move(self));
            return;
          }
          if (initiating) {
            initiating = false;
            done = true;
            result = ec;
            bytes = ec ? 0 : n;
            asio::post(std::move(self));
            return;
          }
          self.complete(ec, ec ? 0 : n);
        },
        token, socket_);
  }

  boost::asio::ip::tcp::socket& socket_;
  std::unique_ptr<SSL, void (*)(SSL*)> ssl_;
};

}  // namespace etcdpp::http
