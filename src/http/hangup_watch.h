#pragma once
// Watches a client connection while its request is in flight, so that a client that hangs up
// ends the work done for it at once (an idle long poll would otherwise hold an upstream
// connection or a watcher until the next event).
//
// It waits for the client socket to become readable without consuming anything. When the
// client has closed, it calls on_gone (which typically fails or wakes the pending operation). If
// the client instead sent more bytes (a pipelined request), monitoring stops and the bytes stay in
// the socket for the session to read. On a TLS connection the bytes cannot be read without
// decrypting them (a client's close_notify alert looks like any record), so there the watch
// goes on until the client's TCP end arrives (POLLRDHUP), and pipelined requests wait.
//
// Contract: stop() must be called before the client socket or what on_gone touches is
// destroyed or reused; after stop() nothing is touched and on_gone is not called any more.
#include <functional>

#include <boost/asio/cancellation_signal.hpp>
#include "http/stream.h"

#include <memory>

namespace etcdpp::http {

class HangupWatch : public std::enable_shared_from_this<HangupWatch> {
 public:
  static std::shared_ptr<HangupWatch> start(Stream& client, std::function<void()> on_gone);
  HangupWatch(Stream& client, std::function<void()> on_gone)
      : client_(client.socket()), tls_(client.is_tls()), on_gone_(std::move(on_gone)) {}

  void stop();
  bool client_gone() const { return client_gone_; }

 private:
  void arm();
  void on_readable(const boost::system::error_code& ec);

  boost::asio::ip::tcp::socket& client_;
  bool tls_;
  std::function<void()> on_gone_;
  boost::asio::cancellation_signal cancel_;
  bool waiting_ = false;
  bool stopped_ = false;
  bool client_gone_ = false;
};

}  // namespace etcdpp::http
