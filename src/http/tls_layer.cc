#include "http/tls_layer.h"

#include <boost/asio/ssl/error.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>

namespace etcdpp::http {

namespace asio = boost::asio;

TlsLayer::TlsLayer(asio::ip::tcp::socket& socket, asio::ssl::context& context)
    : socket_(socket), ssl_(SSL_new(context.native_handle()), SSL_free) {
  if (!ssl_) throw std::runtime_error("SSL_new failed: out of memory");
  // OpenSSL reads and writes the descriptor itself, without blocking; asio only waits.
  boost::system::error_code ec;
  socket_.native_non_blocking(true, ec);
  SSL_set_fd(ssl_.get(), static_cast<int>(socket_.native_handle()));
  SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                               SSL_MODE_RELEASE_BUFFERS);
}

bool TlsLayer::socket_readable() const {
  char byte;
  ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);  // data, the end, or an error
}

TlsLayer::Want TlsLayer::outcome(int ret, boost::system::error_code& ec) {
  ec = {};
  if (ret > 0) return Want::nothing;
  if (ret == kWaitForRead) return Want::read;
  int saved_errno = errno;
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ: return Want::read;
    case SSL_ERROR_WANT_WRITE: return Want::write;
    case SSL_ERROR_ZERO_RETURN:  // close_notify, or (IGNORE_UNEXPECTED_EOF) a bare end
      ec = asio::error::eof;
      return Want::nothing;
    case SSL_ERROR_SYSCALL:
      ec = saved_errno != 0
               ? boost::system::error_code(saved_errno, boost::system::system_category())
               : boost::system::error_code(asio::error::eof);
      return Want::nothing;
    default: {
      unsigned long code = ERR_get_error();
      ec = code != 0
               ? boost::system::error_code(static_cast<int>(code), asio::error::get_ssl_category())
               : boost::system::error_code(asio::ssl::error::unspecified_system_error);
      return Want::nothing;
    }
  }
}

}  // namespace etcdpp::http
