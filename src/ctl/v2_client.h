#pragma once
// The v2 client behind etcdppctl, with the behaviour of etcd's Go client (client/v2) that
// etcdctl users see: it first synchronises the endpoint list from the cluster's members
// (unless --no-sync), then sends each request to the endpoints in turn until one answers;
// a 500/503 answer counts as "has no leader" and moves on to the next endpoint. When none
// answers, the error lists each endpoint's failure in etcd's wording. As the Go client, it
// holds its endpoints in a random order (so that many runs spread over the members) and starts
// each request at the endpoint that answered the last one.
#include "ctl/sync_http.h"

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace etcdpp::ctl {

struct ClientOptions {
  std::vector<std::string> endpoints;
  std::chrono::milliseconds request_timeout{2000};  // --timeout
  std::chrono::milliseconds total_timeout{5000};    // --total-timeout (sync)
  bool debug = false;       // --debug: print each request as a curl command on stderr
  TlsSettings tls;          // for https endpoints
  Credentials credentials;  // --username
};

struct ClusterError {
  std::vector<std::string> errors;  // one per endpoint tried
  // "client: etcd cluster is unavailable or misconfigured; error #0: ...\n; error #1: ...\n"
  // (each error ends its line, as in the Go client)
  std::string message() const;
  // "error #0: ...\n" per endpoint (etcdctl prints it after the message).
  std::string detail() const;
  // True when every failure was a connection failure (etcdctl's exit status 2).
  bool connection_only = true;
};

class V2Client {
 public:
  // `seed` orders the endpoints (a fixed one for tests; by default a random one).
  explicit V2Client(ClientOptions options, uint64_t seed = std::random_device{}());

  // Replaces the endpoints by the client URLs the members published. False and `error` when
  // no endpoint answered, or the cluster published none ("no_endpoints" set).
  bool sync(ClusterError& error, bool& no_endpoints);
  // Sends the request to the endpoints in turn. False and `error` when none answered.
  bool call(std::string_view method, std::string_view target, std::string_view body,
            std::string_view content_type, HttpAnswer& answer, ClusterError& error);
  // The same with its own timeout per request (the sync is bounded by --total-timeout even
  // for a watch, whose requests have none).
  bool call(std::string_view method, std::string_view target, std::string_view body,
            std::string_view content_type, HttpAnswer& answer, ClusterError& error,
            std::chrono::milliseconds timeout);
  const std::vector<std::string>& endpoints() const { return options_.endpoints; }
  const TlsSettings& tls() const { return options_.tls; }

 private:
  // The Go client's SetEndpoints: shuffled, the first one pinned.
  void set_endpoints(std::vector<std::string> endpoints);

  ClientOptions options_;
  std::mt19937_64 rng_;
  size_t pinned_ = 0;  // where the next request starts: the endpoint that answered last
};

// Percent-encodes `text` for a URL path or a form value.
std::string url_escape(std::string_view text, bool keep_slash);
// Go's url.QueryEscape: unreserved characters kept, space as '+', the rest %XX.
std::string query_escape(std::string_view text);
// Go's %q of a string: in double quotes, with \" \\ and control characters escaped.
std::string go_quote(std::string_view text);

}  // namespace etcdpp::ctl
