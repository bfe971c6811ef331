#include "http/fetch.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "http/tls.h"

#include <openssl/ssl.h>

namespace etcdpp::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::string FetchResult::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) return v;
  }
  return {};
}

namespace {

// Go's net package wording for the common dial failures.
std::string dial_error(const Url& url, const boost::system::error_code& ec) {
  std::string what = ec == asio::error::connection_refused ? "connect: connection refused"
                     : ec == beast::error::timeout         ? "i/o timeout"
                                                           : ec.message();
  return "dial tcp " + url.host_port() + ": " + what;
}

// Writes the request and reads the answer on a connected stream (plain or TLS).
template <class AsyncStream>
asio::awaitable<void> exchange(AsyncStream& stream, const Url& url, const FetchRequest& request,
                               FetchResult& out) {
  boost::system::error_code ec;
  bhttp::request<bhttp::string_body> req;
  req.method_string(request.method);
  req.target(request.target);
  req.version(11);
  req.set(bhttp::field::host, url.host_port());
  req.set(bhttp::field::user_agent, "etcdpp");
  req.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (!request.content_type.empty()) req.set(bhttp::field::content_type, request.content_type);
  if (!request.body.empty()) {
    req.body() = request.body;
    req.prepare_payload();
  }
  co_await bhttp::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.tls_failure = is_tls_alert(ec);
    out.error =
        out.tls_failure ? go_tls_alert_text(ec) : "write to " + url.text + ": " + ec.message();
    co_return;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(request.body_limit_bytes);
  if (request.method == "HEAD") parser.skip(true);
  co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    // (TLS 1.3: a server that refuses the client's certificate says so after the handshake,
    // with an alert the first read finds.)
    out.tls_failure = is_tls_alert(ec);
    out.error =
        out.tls_failure ? go_tls_alert_text(ec) : "read from " + url.text + ": " + ec.message();
    co_return;
  }
  auto& res = parser.get();
  out.ok = true;
  out.status = res.result_int();
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(res.body());
}

}  // namespace

asio::awaitable<FetchResult> fetch(const Url& url, const FetchRequest& request) {
  FetchResult out;
  bool https = url.scheme == "https";
  if (url.scheme != "http" && !(https && request.tls)) {
    out.error = "unsupported scheme " + url.scheme +
                (https ? " (no TLS settings for this connection)" : " (only http and https)");
    co_return out;
  }
  auto executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(executor);
  beast::tcp_stream stream(executor);
  stream.expires_after(request.connect_timeout);
  std::string port = std::to_string(url.port);
  auto results = co_await resolver.async_resolve(url.host, port,
                                                 asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await stream.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.error = dial_error(url, ec);
    co_return out;
  }
  stream.expires_after(request.timeout);
  if (https) {
    beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *request.tls);
    const std::string& name = request.tls_server_name.empty() ? url.host : request.tls_server_name;
    prepare_client_tls(tls.native_handle(), name,
                       SSL_CTX_get_verify_mode(request.tls->native_handle()) != SSL_VERIFY_NONE);
    co_await tls.async_handshake(asio::ssl::stream_base::client,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      out.tls_failure = true;
      out.error = client_handshake_error(tls.native_handle(), name, ec);
      co_return out;
    }
    // (No TLS shutdown after the answer: the request said Connection: close.)
    co_await exchange(tls, url, request, out);
    co_return out;
  }
  co_await exchange(stream, url, request, out);
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  co_return out;
}

}  // namespace etcdpp::http
