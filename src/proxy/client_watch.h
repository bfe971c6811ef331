#pragma once
// Watches a client connection while its request is in flight, so that a client that hangs up
// cancels the upstream request at once (an idle long poll would otherwise hold a member
// connection until the next event).
//
// It waits for the client socket to become readable without consuming anything. When the
// client has closed, it closes the upstream connection, which fails the pending upstream
// operation. If the client instead sent more bytes (a pipelined request), monitoring stops and
// the bytes stay in the socket for the session to read.
//
// Contract: stop() must be called before the client socket or the upstream connection is
// destroyed or reused; after stop() nothing is touched any more.
#include "proxy/upstream_pool.h"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace etcdpp::proxy {

class ClientWatch : public std::enable_shared_from_this<ClientWatch> {
 public:
  static std::shared_ptr<ClientWatch> start(boost::asio::ip::tcp::socket& client,
                                            UpstreamConn* upstream);
  ClientWatch(boost::asio::ip::tcp::socket& client, UpstreamConn* upstream)
      : client_(client), upstream_(upstream) {}

  void stop();
  bool client_gone() const { return client_gone_; }

 private:
  void arm();
  void on_readable(const boost::system::error_code& ec);

  boost::asio::ip::tcp::socket& client_;
  UpstreamConn* upstream_;
  boost::asio::cancellation_signal cancel_;
  bool waiting_ = false;
  bool stopped_ = false;
  bool client_gone_ = false;
};

}  // namespace etcdpp::proxy
