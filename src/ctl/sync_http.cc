#include "ctl/sync_http.h"

#include "http/fetch.h"
#include "http/tls.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace etcdpp::ctl {

namespace asio = boost::asio;

namespace {

constexpr size_t kMaxBodyBytes = 64 << 20;

}  // namespace

HttpAnswer http_exchange(const http::Url& url, std::string_view method, std::string_view target,
                         std::string_view body, std::string_view content_type,
                         std::chrono::milliseconds timeout, const TlsSettings& tls,
                         const Credentials& credentials) {
  http::FetchRequest request;
  request.method = std::string(method);
  request.target = std::string(target);
  request.timeout = timeout;
  request.connect_timeout = timeout;
  request.body_limit_bytes = kMaxBodyBytes;
  request.body = std::string(body);
  request.content_type = std::string(content_type);
  if (!credentials.authorization.empty()) {
    request.headers.emplace_back("Authorization", credentials.authorization);
  }
  request.tls = tls.context ? tls.context : &http::default_client_tls();
  request.tls_server_name = tls.server_name;
  http::FetchResult result;
  asio::io_context io(1);
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result = co_await http::fetch(url, request); },
      asio::detached);
  io.run();
  HttpAnswer out;
  out.ok = result.ok;
  out.error = std::move(result.error);
  out.tls_failure = result.tls_failure;
  out.status = result.status;
  out.etcd_index = result.header("X-Etcd-Index");
  out.body = std::move(result.body);
  return out;
}

}  // namespace etcdpp::ctl
