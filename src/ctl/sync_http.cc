#include "ctl/sync_http.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace etcdpp::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr size_t kMaxBodyBytes = 64 << 20;

// Go's net package wording for the common dial failures (etcdctl prints it as is).
std::string dial_error(const http::Url& url, const boost::system::error_code& ec) {
  std::string what = ec == asio::error::connection_refused ? "connect: connection refused"
                     : ec == beast::error::timeout         ? "i/o timeout"
                                                           : ec.message();
  return "dial tcp " + url.host_port() + ": " + what;
}

asio::awaitable<void> exchange(const http::Url& url, std::string method, std::string target,
                               std::string body, std::string content_type,
                               std::chrono::milliseconds timeout, HttpAnswer& out) {
  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(executor);
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);
  std::string port = std::to_string(url.port);
  auto results = co_await resolver.async_resolve(url.host, port,
                                                 asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await stream.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.error = dial_error(url, ec);
    co_return;
  }
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, url.host_port());
  req.set(bhttp::field::user_agent, "etcdppctl");
  if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
  req.body() = std::move(body);
  if (method != "GET" || !req.body().empty()) req.prepare_payload();
  co_await bhttp::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxBodyBytes);
  if (!ec) {
    co_await bhttp::async_read(stream, buffer, parser,
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) {
    out.error = (ec == beast::error::timeout ? std::string("net/http: request canceled")
                                             : "read tcp " + url.host_port() + ": " + ec.message());
    co_return;
  }
  auto& res = parser.get();
  out.ok = true;
  out.status = res.result_int();
  out.cluster_id = std::string(res["X-Etcd-Cluster-Id"]);
  out.etcd_index = std::string(res["X-Etcd-Index"]);
  out.body = std::move(res.body());
}

}  // namespace

HttpAnswer http_exchange(const http::Url& url, std::string_view method, std::string_view target,
                         std::string_view body, std::string_view content_type,
                         std::chrono::milliseconds timeout) {
  HttpAnswer out;
  asio::io_context io(1);
  asio::co_spawn(io,
                 exchange(url, std::string(method), std::string(target), std::string(body),
                          std::string(content_type), timeout, out),
                 asio::detached);
  io.run();
  return out;
}

}  // namespace etcdpp::ctl
