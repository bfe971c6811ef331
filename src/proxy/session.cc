#include "proxy/session.h"

#include "base/log.h"
#include "http/path.h"
#include "proxy/forwarder.h"
#include "proxy/local_responses.h"
#include "proxy/request_info.h"

#include <boost/beast/http.hpp>

#include <sstream>

namespace etcdpp::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::string Session::unreadable(const boost::system::error_code& ec) {
  if (ec == bhttp::error::body_limit) {
    // etcdpp's own limit (etcd's proxy has none): a JSON answer like its other errors.
    auto res = json_message(ctx_, 413,
                            "httpproxy: request body too large (limit " +
                                std::to_string(ctx_.config.max_body_bytes) + " bytes)");
    res.keep_alive(false);
    std::ostringstream os;
    os << res;
    return os.str();
  }
  if (ec == bhttp::error::header_limit) {
    ctx_.metrics.on_local_response(431);
  } else if (ec == beast::error::timeout) {
    ctx_.metrics.on_local_response(408);
  } else {
    ctx_.metrics.on_local_response(400);
  }
  ETCDPP_LOG_DEBUG("unreadable client request: {}", ec.message());
  return http::ConnectionHandler::unreadable(ec);
}

bool Session::is_long_poll(const ClientRequest& req) const { return is_watch_target(req.target()); }

void Session::on_open() {
  ++ctx_.client_connections;
  ctx_.metrics.client_connections().Increment();
}

void Session::on_close() {
  --ctx_.client_connections;
  ctx_.metrics.client_connections().Decrement();
}

std::string_view Session::busy_answer() const {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: 58\r\n\r\n"
      "{\"message\":\"httpproxy: too many client connections open\"}";
  return kBusy;
}

std::unique_ptr<StringResponse> Session::local_answer(ClientRequest& req,
                                                      const std::string& client_ip) {
  auto res = local_answer_value(req, client_ip);
  if (!res) return nullptr;
  return std::make_unique<StringResponse>(std::move(*res));
}

std::optional<StringResponse> Session::local_answer_value(ClientRequest& req,
                                                          const std::string& client_ip) {
  std::string_view target = req.target();
  // An empty path ("" or "?query", from an absolute-form "http://host") is redirected to "/".
  if (!target.empty() && target.front() != '/' && target.front() != '?') {
    return plain_text(ctx_, 400, "400 Bad Request");
  }
  std::string_view path = target.substr(0, target.find('?'));
  bool is_get = req.method() == bhttp::verb::get;

  // /metrics is outside the read-only wrapper, as in etcd.
  if (path == "/metrics") return metrics_response(ctx_);
  if (ctx_.config.readonly && !is_get) return readonly_rejection(ctx_);
  if (auto redirect = http::mux_redirect(target)) {
    return moved_permanently(ctx_, std::move(*redirect), req.method());
  }
  if (path == "/v2/config/local/proxy") {
    return is_get ? config_response(ctx_) : method_not_allowed(ctx_);
  }
  if (path == "/proxy/health") return own_health(ctx_);
  if (req.method() == bhttp::verb::options) return options_response(ctx_);
  auto via = inspect_via(req[kViaHeader], ctx_.proxy_id);
  if (via.contains_self) {
    ETCDPP_LOG_WARN("forwarding loop: request from {} already passed through this proxy",
                    client_ip);
    return json_message(ctx_, 508,
                        "httpproxy: forwarding loop detected: the request came back to this "
                        "proxy; check the members' advertised client URLs");
  }
  if (via.hops >= ctx_.config.max_hops) {
    ETCDPP_LOG_WARN("forwarding loop: request from {} crossed {} proxies", client_ip, via.hops);
    return json_message(ctx_, 508,
                        "httpproxy: forwarding loop detected: the request crossed " +
                            std::to_string(via.hops) + " proxies (limit " +
                            std::to_string(ctx_.config.max_hops) + ")");
  }
  return std::nullopt;
}

// Not a coroutine: it returns the one that answers, so that a forwarded request (an idle
// watcher, for hours) keeps no frame of this function.
asio::awaitable<bool> Session::handle(http::Stream& socket, ClientRequest& req,
                                      const std::string& client_ip) {
  bool keep = req.keep_alive();
  std::unique_ptr<StringResponse> local = local_answer(req, client_ip);
  if (local) {
    local->version(req.version() == 10 ? 10 : 11);
    // Go's server sends no Content-Length for an empty answer to HEAD.
    if (req.method() == bhttp::verb::head && local->body().empty()) {
      local->erase(bhttp::field::content_length);
    }
    if (!keep) local->keep_alive(false);
    return write_own_response(socket, std::move(local), keep);
  }
  return Forwarder(ctx_).forward(socket, req, client_ip);
}

}  // namespace etcdpp::proxy
