#pragma once
// A blocking HTTP/1.1 exchange for the command-line client: http::fetch run to completion on
// a private io_context (one request on a fresh connection, bounded by a timeout).
#include "http/url.h"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace etcdpp::ctl {

struct HttpAnswer {
  bool ok = false;           // a complete response was read
  std::string error;         // Go's wording when !ok, e.g. "dial tcp 127.0.0.1:1: connect: ..."
  bool tls_failure = false;  // when !ok: a TLS failure rather than a connection failure
  unsigned status = 0;
  std::string body;
  std::string etcd_index;  // X-Etcd-Index, if any
};

// How https endpoints are reached (etcdctl's --ca-file, --cert-file, --key-file).
struct TlsSettings {
  boost::asio::ssl::context* context = nullptr;  // nullptr: the system's roots, no certificate
  std::string server_name;  // the name certificates must carry when not the URL's host
};

// Sent with every request: the Authorization header of --username ("" for none).
struct Credentials {
  std::string authorization;
};

HttpAnswer http_exchange(const http::Url& url, std::string_view method, std::string_view target,
                         std::string_view body, std::string_view content_type,
                         std::chrono::milliseconds timeout, const TlsSettings& tls = {},
                         const Credentials& credentials = {});

}  // namespace etcdpp::ctl
