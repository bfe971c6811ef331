#pragma once
// The proxy's answer to each client request (connections are read by http::accept_connections):
// routes the proxy's local paths, refuses loops and read-only writes, and hands the rest to
// the Forwarder. One instance serves every connection of the proxy.
#include "http/connection.h"
#include "proxy/context.h"
#include "proxy/forwarder.h"
#include "proxy/local_responses.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <optional>
#include <string>

namespace etcdpp::proxy {

class Session final : public http::ConnectionHandler {
 public:
  explicit Session(ProxyContext& ctx) : ctx_(ctx) {}

  boost::asio::awaitable<bool> handle(http::Stream& socket, ClientRequest& req,
                                      const std::string& client_ip) override;
  std::string unreadable(const boost::system::error_code& ec) override;
  bool is_long_poll(const ClientRequest& req) const override;
  void on_open() override;
  void on_close() override;
  std::string_view busy_answer() const override;

 private:
  // The answer when the proxy answers itself (local paths, read-only, loops); nullptr when
  // the request is to be forwarded.
  // (Returned on the heap so that coroutine frames, which live as long as a watch, do not
  // carry a response object.)
  std::unique_ptr<StringResponse> local_answer(ClientRequest& req, const std::string& client_ip);
  std::optional<StringResponse> local_answer_value(ClientRequest& req,
                                                   const std::string& client_ip);

  ProxyContext& ctx_;
};

}  // namespace etcdpp::proxy
