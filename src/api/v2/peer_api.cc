#include "api/v2/peer_api.h"

#include "api/v2/client_api.h"
#include "api/v2/members_json.h"
#include "http/headers.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace etcdpp::api::v2 {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

Reply PeerApi::answer(const http::ServerRequest& req) const {
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

asio::awaitable<bool> PeerApi::handle(asio::ip::tcp::socket& socket, http::ServerRequest& req,
                                      const std::string&) {
  WireOptions wire;
  wire.http_version = req.version() == 10 ? 10 : 11;
  wire.keep_alive = req.keep_alive();
  wire.head = req.method() == bhttp::verb::head;
  std::string date = http::http_date(
      std::chrono::duration_cast<std::chrono::seconds>(member_.clock().wall().time_since_epoch())
          .count());
  wire.date = &date;
  Reply reply = answer(req);
  auto bytes = std::make_unique<std::string>(serialize_reply(reply, wire));
  boost::system::error_code ec;
  co_await asio::async_write(socket, asio::buffer(*bytes),
                             asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec && wire.keep_alive;
}

}  // namespace etcdpp::api::v2
