#include "discovery/discovery_url.h"

#include <boost/url/parse.hpp>

namespace etcdpp::discovery {

namespace {

// scheme://host[:port][/path] → the endpoint URL (explicit port) and the path. `what` names
// the URL in errors; https:// only where `https_allowed`.
std::optional<http::Url> endpoint_of(std::string_view text, bool https_allowed, std::string& path,
                                     std::string& error) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed || parsed->encoded_host().empty()) {
    error = "parse \"" + std::string(text) + "\": invalid URL";
    return std::nullopt;
  }
  const auto& u = *parsed;
  bool https = u.scheme() == "https";
  if (u.scheme() != "http" && !(https && https_allowed)) {
    error = std::string(https_allowed ? "a discovery URL is http:// or https://"
                                      : "a discovery proxy is http://") +
            " (got \"" + std::string(text) + "\")";
    return std::nullopt;
  }
  if (u.has_query() || u.has_fragment() || u.has_userinfo()) {
    error = "a discovery URL has no query, fragment or user (got \"" + std::string(text) + "\")";
    return std::nullopt;
  }
  std::string port =
      u.has_port() && !u.port().empty() ? std::string(u.port()) : (https ? "443" : "80");
  path = std::string(u.encoded_path());
  // encoded_host() keeps an IPv6 literal's brackets.
  return http::parse_url(
      std::string(https ? "https://" : "http://") + std::string(u.encoded_host()) + ":" + port,
      error);
}

}  // namespace

std::optional<DiscoveryUrl> parse_discovery_url(std::string_view text, std::string& error) {
  std::string path;
  auto endpoint = endpoint_of(text, true, path, error);
  if (!endpoint) return std::nullopt;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty() || path == "/") {
    error = "the discovery URL \"" + std::string(text) +
            "\" names no token (expected http://host:port/v2/keys/_etcd/registry/<token>)";
    return std::nullopt;
  }
  return DiscoveryUrl{std::string(text), *endpoint, path};
}

std::optional<http::Url> parse_discovery_proxy(std::string_view text, std::string& error) {
  std::string with_scheme(text);
  if (with_scheme.rfind("http", 0) != 0) with_scheme = "http://" + with_scheme;
  std::string path;
  auto url = endpoint_of(with_scheme, false, path, error);
  if (!url) {
    error = "invalid proxy address \"" + std::string(text) + "\": " + error;
    return std::nullopt;
  }
  return url;
}

}  // namespace etcdpp::discovery
