#pragma once
// A --discovery URL split as etcd splits it: the service endpoint (scheme://host:port) and the
// token path, used verbatim as the key-space directory of the token
// (http://h:2379/v2/keys/_etcd/registry/<token> → /v2/keys/_etcd/registry/<token>).
#include "http/url.h"

#include <optional>
#include <string>
#include <string_view>

namespace etcdpp::discovery {

struct DiscoveryUrl {
  std::string text;        // as given: it is also the cluster token
  http::Url endpoint;      // port defaulted from the scheme when absent
  std::string token_path;  // "/v2/keys/_etcd/registry/abc" (no trailing "/")
};

// http:// or https:// (verified against the system's roots, as etcd: $SSL_CERT_FILE and
// $SSL_CERT_DIR choose others); the path must name a token.
std::optional<DiscoveryUrl> parse_discovery_url(std::string_view text, std::string& error);

// --discovery-proxy: an HTTP proxy, "http://" assumed when no scheme is given (as etcd).
std::optional<http::Url> parse_discovery_proxy(std::string_view text, std::string& error);

}  // namespace etcdpp::discovery
