#pragma once
// A small asynchronous HTTP/1.1 client for control traffic (membership refresh, health probes,
// etcdppctl's requests): one request per connection, bounded in time and in response size.
#include "http/url.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace etcdpp::http {

struct FetchRequest {
  std::string method = "GET";
  std::string target = "/";
  std::chrono::milliseconds timeout{10'000};  // whole exchange: resolve, connect, write, read
  std::chrono::milliseconds connect_timeout{1'000};
  size_t body_limit_bytes = 4 * 1024 * 1024;
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  std::string body;          // sent with Content-Length when not empty
  std::string content_type;  // set when not empty
  // The client context for https URLs (http/tls.h: make_client_tls); without one an https URL
  // is refused. Not owned.
  boost::asio::ssl::context* tls = nullptr;
  // The name the server's certificate must carry, when not the URL's host (etcdctl checks the
  // SRV domain for endpoints it discovered).
  std::string tls_server_name;
};

struct FetchResult {
  bool ok = false;  // a complete response was read
  // When !ok: what went wrong, in Go's wording for dial failures (etcdctl users see it), e.g.
  // "dial tcp 127.0.0.1:1: connect: connection refused".
  std::string error;
  // When !ok: the TLS handshake failed or the server refused it with an alert (not a
  // connection failure, in etcdctl's sorting of errors).
  bool tls_failure = false;
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Case-insensitive header lookup; empty when absent.
  std::string header(std::string_view name) const;
};

// The caller keeps `url` and `request` alive until the result is ready.
boost::asio::awaitable<FetchResult> fetch(const Url& url, const FetchRequest& request);

}  // namespace etcdpp::http
