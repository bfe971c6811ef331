#include "proxy/session.h"

#include "base/log.h"
#include "http/path.h"
#include "proxy/forwarder.h"
#include "proxy/local_responses.h"
#include "proxy/request_info.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include <sstream>

namespace etcdpp::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr size_t kFirstReadBytes = 1024;

// Go's net/http answers requests it cannot read with these exact bytes (no Date, no
// Content-Length) and closes the connection; etcd's proxy therefore does too.
std::string go_request_error(std::string_view public_error) {
  std::string out = "HTTP/1.1 ";
  out += public_error;
  out += "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n";
  out += public_error;
  return out;
}

// The answer to a request that could not be read; the connection is closed after it.
std::string request_error(ProxyContext& ctx, const boost::system::error_code& ec) {
  if (ec == bhttp::error::header_limit) {
    ctx.metrics.on_local_response(431);
    return go_request_error("431 Request Header Fields Too Large");
  }
  if (ec == bhttp::error::body_limit) {
    // etcdpp's own limit (etcd's proxy has none): a JSON answer like its other errors.
    auto res = json_message(ctx, 413,
                            "httpproxy: request body too large (limit " +
                                std::to_string(ctx.config.max_body_bytes) + " bytes)");
    res.keep_alive(false);
    std::ostringstream os;
    os << res;
    return os.str();
  }
  if (ec == beast::error::timeout) {
    ctx.metrics.on_local_response(408);
    return go_request_error("408 Request Timeout");
  }
  ctx.metrics.on_local_response(400);
  return go_request_error("400 Bad Request");
}

bool is_quiet_close(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == bhttp::error::partial_message;
}

}  // namespace

Session::Session(ProxyContext& ctx, asio::ip::tcp::socket socket)
    : ctx_(ctx), socket_(std::move(socket)), deadline_(socket_.get_executor()) {
  boost::system::error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) client_ip_ = remote.address().to_string();
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void Session::arm_request_deadline() {
  timed_out_ = false;
  deadline_.expires_after(ctx_.config.client_request_timeout);
  deadline_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      self->timed_out_ = true;
      boost::system::error_code ignored;
      self->socket_.cancel(ignored);
    }
  });
}

asio::awaitable<void> Session::run() {
  boost::system::error_code ec;
  for (;;) {
    // Idle keep-alive connections wait here without a deadline. (A plain read, not
    // async_wait: asio re-arms epoll with a system call on every async_wait.)
    if (buffer_.size() == 0) {
      size_t n = co_await socket_.async_read_some(buffer_.prepare(kFirstReadBytes),
                                                  asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      buffer_.commit(n);
    }
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(ctx_.config.max_header_bytes));
    parser.body_limit(ctx_.config.max_body_bytes);
    // Once a request has started, all of it must arrive in time (slow clients).
    arm_request_deadline();
    co_await bhttp::async_read_header(socket_, buffer_, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && parser.get()[bhttp::field::expect] == "100-continue" && !parser.is_done()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      co_await asio::async_write(socket_, asio::buffer(kContinue),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!ec && !parser.is_done()) {
      co_await bhttp::async_read(socket_, buffer_, parser,
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    deadline_.cancel();
    if (timed_out_) ec = beast::error::timeout;
    if (ec) {
      // The client went away (before or in the middle of a request): nothing to answer.
      if (is_quiet_close(ec)) break;
      // Too large, too slow or malformed: answer once, then close.
      auto bytes = std::make_unique<std::string>(request_error(ctx_, ec));
      ETCDPP_LOG_DEBUG("bad request from {}: {}", client_ip_, ec.message());
      co_await asio::async_write(socket_, asio::buffer(*bytes),
                                 asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    ClientRequest req = parser.release();
    if (req.version() == 11 && req.count(bhttp::field::host) == 0) {
      // Go's server refuses an HTTP/1.1 request without Host before any handler runs.
      auto bytes = std::make_unique<std::string>(
          go_request_error("400 Bad Request: missing required Host header"));
      co_await asio::async_write(socket_, asio::buffer(*bytes),
                                 asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    // A long poll may stay idle for hours: it should not hold a read buffer meanwhile.
    if (buffer_.size() == 0 && (buffer_.capacity() > 8 * 1024 || is_watch_target(req.target()))) {
      buffer_.shrink_to_fit();
    }
    bool keep = co_await handle(req);
    if (!keep) break;
  }
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  socket_.close(ec);
}

std::unique_ptr<StringResponse> Session::local_answer(ClientRequest& req) {
  auto res = local_answer_value(req);
  if (!res) return nullptr;
  return std::make_unique<StringResponse>(std::move(*res));
}

std::optional<StringResponse> Session::local_answer_value(ClientRequest& req) {
  std::string_view target = req.target();
  if (target.empty() || target.front() != '/') return plain_text(ctx_, 400, "400 Bad Request");
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query =
      path.size() < target.size() ? target.substr(path.size()) : std::string_view{};
  bool is_get = req.method() == bhttp::verb::get;

  // /metrics is outside the read-only wrapper, as in etcd.
  if (path == "/metrics") return metrics_response(ctx_);
  if (ctx_.config.readonly && !is_get) return readonly_rejection(ctx_);
  std::string cleaned = http::clean_path(path);
  if (cleaned != path) return moved_permanently(ctx_, cleaned + std::string(query), is_get);
  if (path == "/v2/config/local/proxy") {
    return is_get ? config_response(ctx_) : method_not_allowed(ctx_);
  }
  if (path == "/proxy/health") return own_health(ctx_);
  if (req.method() == bhttp::verb::options) return options_response(ctx_);
  auto via = inspect_via(req[kViaHeader], ctx_.proxy_id);
  if (via.contains_self) {
    ETCDPP_LOG_WARN("forwarding loop: request from {} already passed through this proxy",
                    client_ip_);
    return json_message(ctx_, 508,
                        "httpproxy: forwarding loop detected: the request came back to this "
                        "proxy; check the members' advertised client URLs");
  }
  if (via.hops >= ctx_.config.max_hops) {
    ETCDPP_LOG_WARN("forwarding loop: request from {} crossed {} proxies", client_ip_, via.hops);
    return json_message(ctx_, 508,
                        "httpproxy: forwarding loop detected: the request crossed " +
                            std::to_string(via.hops) + " proxies (limit " +
                            std::to_string(ctx_.config.max_hops) + ")");
  }
  return std::nullopt;
}

asio::awaitable<bool> Session::handle(ClientRequest& req) {
  bool keep = req.keep_alive();
  // Note: no temporaries with destructors inside co_await expressions (GCC 12 destroys
  // some of them twice); results are named first.
  std::unique_ptr<StringResponse> local = local_answer(req);
  if (local) {
    local->version(req.version() == 10 ? 10 : 11);
    // Go's server sends no Content-Length for an empty answer to HEAD.
    if (req.method() == bhttp::verb::head && local->body().empty()) {
      local->erase(bhttp::field::content_length);
    }
    bool kept = co_await respond(*local, keep);
    co_return kept;
  }
  Forwarder forwarder(ctx_);
  bool kept = co_await forwarder.forward(socket_, req, client_ip_);
  co_return kept;
}

asio::awaitable<bool> Session::respond(StringResponse& res, bool keep_alive) {
  if (!keep_alive) res.keep_alive(false);
  boost::system::error_code ec;
  co_await bhttp::async_write(socket_, res, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec && keep_alive;
}

}  // namespace etcdpp::proxy
