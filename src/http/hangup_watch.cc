#include "http/hangup_watch.h"

#include <boost/asio/bind_cancellation_slot.hpp>

#include <poll.h>
#include <sys/socket.h>

namespace etcdpp::http {

namespace asio = boost::asio;

std::shared_ptr<HangupWatch> HangupWatch::start(Stream& client, std::function<void()> on_gone) {
  auto watch = std::make_shared<HangupWatch>(client, std::move(on_gone));
  watch->arm();
  return watch;
}

void HangupWatch::arm() {
  waiting_ = true;
  client_.async_wait(
      asio::socket_base::wait_read,
      asio::bind_cancellation_slot(
          cancel_.slot(), [self = shared_from_this()](const boost::system::error_code& ec) {
            self->on_readable(ec);
          }));
}

void HangupWatch::on_readable(const boost::system::error_code& ec) {
  waiting_ = false;
  if (stopped_ || ec == asio::error::operation_aborted) return;
  if (!ec) {
    char byte;
    ssize_t n = ::recv(client_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0 && tls_) {
      // Encrypted bytes: the client is gone only once its TCP end has arrived too.
      pollfd pfd{client_.native_handle(), POLLRDHUP, 0};
      if (::poll(&pfd, 1, 0) <= 0 || !(pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
        arm();
        return;
      }
    } else if (n > 0) {
      return;  // a pipelined request: leave it for the session
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      arm();  // spurious wake-up
      return;
    }
  }
  client_gone_ = true;
  if (auto cb = std::move(on_gone_)) cb();
}

void HangupWatch::stop() {
  if (stopped_) return;
  stopped_ = true;
  on_gone_ = nullptr;
  if (waiting_) cancel_.emit(asio::cancellation_type::all);
}

}  // namespace etcdpp::http
