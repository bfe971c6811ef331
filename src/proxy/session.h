#pragma once
// One client connection: reads requests (bounded in size and, once started, in time), routes
// the proxy's local paths, refuses loops and read-only writes, and hands the rest to the
// Forwarder.
#include "proxy/context.h"
#include "proxy/forwarder.h"
#include "proxy/local_responses.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <memory>
#include <optional>
#include <string>

namespace etcdpp::proxy {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ProxyContext& ctx, boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> run();

 private:
  boost::asio::awaitable<bool> handle(ClientRequest& req);
  // The answer when the proxy answers itself (local paths, read-only, loops); nullopt when
  // the request is to be forwarded.
  // (Returned on the heap so that coroutine frames, which live as long as a watch, do not
  // carry a response object.)
  std::unique_ptr<StringResponse> local_answer(ClientRequest& req);
  std::optional<StringResponse> local_answer_value(ClientRequest& req);
  boost::asio::awaitable<bool> respond(StringResponse& res, bool keep_alive);
  void arm_request_deadline();

  ProxyContext& ctx_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  boost::beast::flat_buffer buffer_;
  std::string client_ip_;
  bool timed_out_ = false;
};

}  // namespace etcdpp::proxy
