#include "proxy/client_watch.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include <sys/socket.h>

namespace etcdpp::proxy {

namespace asio = boost::asio;

std::shared_ptr<ClientWatch> ClientWatch::start(asio::ip::tcp::socket& client,
                                                UpstreamConn* upstream) {
  auto watch = std::make_shared<ClientWatch>(client, upstream);
  watch->arm();
  return watch;
}

void ClientWatch::arm() {
  waiting_ = true;
  client_.async_wait(
      asio::socket_base::wait_read,
      asio::bind_cancellation_slot(
          cancel_.slot(), [self = shared_from_this()](const boost::system::error_code& ec) {
            self->on_readable(ec);
          }));
}

void ClientWatch::on_readable(const boost::system::error_code& ec) {
  waiting_ = false;
  if (stopped_ || ec == asio::error::operation_aborted) return;
  if (!ec) {
    char byte;
    ssize_t n = ::recv(client_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return;  // a pipelined request: leave it for the session
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      arm();  // spurious wake-up
      return;
    }
  }
  client_gone_ = true;
  if (upstream_) {
    boost::system::error_code ignored;
    upstream_->stream.socket().close(ignored);
  }
}

void ClientWatch::stop() {
  if (stopped_) return;
  stopped_ = true;
  upstream_ = nullptr;
  if (waiting_) cancel_.emit(asio::cancellation_type::all);
}

}  // namespace etcdpp::proxy
