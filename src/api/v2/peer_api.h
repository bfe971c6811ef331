#pragma once
// A member's peer listener: POST /raft (Raft messages from the other members), GET /members
// (what proxies and joining members read, with the cluster id header) and /version.
//
// /raft checks that the sender belongs to this cluster (X-Etcd-Cluster-ID, else 412) and has
// not been removed from it (X-Server-From, else 410: the sender then stops, as in etcd).
#include "api/v2/reply.h"
#include "http/connection.h"
#include "server/member.h"

#include <map>

namespace etcdpp::api::v2 {

class PeerApi final : public http::ConnectionHandler {
 public:
  explicit PeerApi(server::Member& member) : member_(member) {}
  boost::asio::awaitable<bool> handle(http::Stream& socket, http::ServerRequest& req,
                                      const std::string& client_ip) override;
  // A peer's connection closing tells the member at once that the peer's process is gone
  // (when it was the leader, a new election need not wait for the election timeout).
  void on_connection_closed(const boost::asio::ip::tcp::endpoint& remote) override;

 private:
  Reply answer(http::ServerRequest& req, const boost::asio::ip::tcp::endpoint& remote);
  Reply raft_messages(http::ServerRequest& req, const boost::asio::ip::tcp::endpoint& remote);
  server::Member& member_;
  // Connections that carried Raft messages, by remote address: the member that sent them.
  std::map<boost::asio::ip::tcp::endpoint, uint64_t> raft_connections_;
};

}  // namespace etcdpp::api::v2
