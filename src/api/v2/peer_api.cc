#include "api/v2/peer_api.h"

#include "api/v2/client_api.h"
#include "api/v2/members_json.h"
#include "base/log.h"
#include "http/headers.h"
#include "http/message_io.h"
#include "http/url.h"
#include "transport/raft_codec.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace etcdpp::api::v2 {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

Reply PeerApi::raft_messages(http::ServerRequest& req, const asio::ip::tcp::endpoint& remote) {
  if (req.method() != bhttp::verb::post) {
    Reply r = text_error(405, "Method Not Allowed");
    r.set("Allow", "POST");
    return r;
  }
  std::string_view cluster = req["X-Etcd-Cluster-ID"];
  if (server::parse_id_hex(cluster) != member_.cluster_id()) {
    ETCDPP_LOG_WARN("refused raft messages from another cluster ({} instead of {})", cluster,
                    server::id_hex(member_.cluster_id()));
    return text_error(412, "cluster ID mismatch");
  }
  auto from = server::parse_id_hex(req["X-Server-From"]);
  if (from && member_.membership().is_removed(*from)) {
    return text_error(410, "the member has been permanently removed from the cluster");
  }
  std::string error;
  auto messages = transport::decode_batch(req.body(), error);
  if (!messages) {
    ETCDPP_LOG_WARN("refused raft messages from {}: {}", req["X-Server-From"], error);
    return text_error(400, "error unmarshalling raft message");
  }
  for (const auto& m : *messages) {
    if (m.to != member_.id() || (from && m.from != *from)) {
      return text_error(400, "raft message addressed to another member");
    }
  }
  std::vector<std::string> sender_urls;
  std::string urls_error;
  if (auto urls = http::parse_url_list(req["X-PeerURLs"], urls_error)) {
    for (const auto& u : *urls) sender_urls.push_back(u.text);
  }
  if (from) raft_connections_[remote] = *from;
  member_.receive(std::move(*messages), from.value_or(0), sender_urls);
  Reply r;
  r.status = 204;
  return r;
}

void PeerApi::on_connection_closed(const asio::ip::tcp::endpoint& remote) {
  auto it = raft_connections_.find(remote);
  if (it == raft_connections_.end()) return;
  uint64_t peer = it->second;
  raft_connections_.erase(it);
  member_.peer_connection_closed(peer);
}

Reply PeerApi::answer(http::ServerRequest& req, const asio::ip::tcp::endpoint& remote) {
  std::string_view path0 = req.target();
  if (path0.substr(0, path0.find('?')) == "/raft") return raft_messages(req, remote);
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  bool get = req.method() == bhttp::verb::get;
  if (path == "/members") {
    if (!get) {
      Reply r = text_error(405, "Method Not Allowed");
      r.set("Allow", "GET");
      return r;
    }
    Reply r = json_reply(200, render_peer_members(member_.membership()));
    r.set("X-Etcd-Cluster-Id", server::id_hex(member_.cluster_id()));
    return r;
  }
  if (path == "/version") {
    if (!get) {
      Reply r = text_error(405, "Method Not Allowed");
      r.set("Allow", "GET");
      return r;
    }
    return version_reply();
  }
  return text_error(404, "404 page not found");
}

asio::awaitable<bool> PeerApi::handle(http::Stream& socket, http::ServerRequest& req,
                                      const std::string&) {
  WireOptions wire;
  wire.http_version = req.version() == 10 ? 10 : 11;
  wire.keep_alive = req.keep_alive();
  wire.head = req.method() == bhttp::verb::head;
  std::string date = http::http_date(
      std::chrono::duration_cast<std::chrono::seconds>(member_.clock().wall().time_since_epoch())
          .count());
  wire.date = &date;
  boost::system::error_code remote_ec;
  auto remote = socket.socket().remote_endpoint(remote_ec);
  Reply reply = answer(req, remote);
  auto bytes = std::make_unique<std::string>(serialize_reply(reply, wire));
  boost::system::error_code ec;
  co_await http::write_all(socket, asio::buffer(*bytes), ec);
  co_return !ec && wire.keep_alive;
}

}  // namespace etcdpp::api::v2
