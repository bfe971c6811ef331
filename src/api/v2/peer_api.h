#pragma once
// A member's peer listener: GET /members (what proxies and joining members read, with the
// cluster id header) and /version. Raft traffic arrives here once clustering lands.
#include "api/v2/reply.h"
#include "http/connection.h"
#include "server/member.h"

namespace etcdpp::api::v2 {

class PeerApi final : public http::ConnectionHandler {
 public:
  explicit PeerApi(server::Member& member) : member_(member) {}
  boost::asio::awaitable<bool> handle(boost::asio::ip::tcp::socket& socket,
                                      http::ServerRequest& req,
                                      const std::string& client_ip) override;

 private:
  Reply answer(const http::ServerRequest& req) const;
  server::Member& member_;
};

}  // namespace etcdpp::api::v2
