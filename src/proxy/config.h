#pragma once
// Everything the proxy is configured with, already validated (src/cmd does the parsing).
#include "base/clock.h"
#include "http/tls.h"
#include "http/url.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace etcdpp::proxy {

struct ProxyConfig {
  bool readonly = false;
  std::vector<http::Url> listen_urls;
  std::vector<http::Url> initial_peer_urls;  // from --initial-cluster
  std::filesystem::path data_dir;

  // etcd's proxy flags.
  base::Millis failure_wait{5'000};
  base::Millis refresh_interval{30'000};
  base::Millis dial_timeout{1'000};   // 0 = none
  base::Millis write_timeout{5'000};  // 0 = none; applies to each upstream write
  base::Millis read_timeout{0};       // 0 = none; per upstream read, never for watches (W10)

  // TLS, as etcd's proxy uses its flags: `client_tls` (--cert-file, --key-file,
  // --trusted-ca-file, --client-cert-auth) serves https listen URLs and, as the client side,
  // dials the members' https client URLs (`peer_tls` instead when it is empty); `peer_tls`
  // (--peer-*) is the client side of the membership requests to https peer URLs.
  http::TlsFiles client_tls;
  http::TlsFiles peer_tls;
  // --auto-tls: https listeners get a self-signed certificate (<data-dir>/proxy/clientCerts),
  // and the members' certificates are not verified (etcd's proxy does the same).
  bool client_auto_tls = false;

  // etcdpp's own limits (not in etcd, which has none: spec W7 and slowloris).
  // Once the first byte of a request has arrived, the whole request must arrive within this.
  base::Millis client_request_timeout{30'000};
  // Non-watch requests whose member sends no response headers within this are failed
  // (and, when idempotent, retried on the next endpoint). Used when read_timeout is 0.
  base::Millis response_header_timeout{15'000};
  base::Millis probe_timeout{3'000};
  base::Millis membership_request_timeout{10'000};
  size_t max_header_bytes = 64 * 1024;
  size_t max_body_bytes = 2 * 1024 * 1024;
  size_t max_client_connections = 20'000;
  size_t max_idle_upstream_per_endpoint = 128;  // etcd: DefaultMaxIdleConnsPerHost
  // Identical GET/HEAD requests arriving together share one upstream exchange
  // (proxy/read_coalescer.h); --proxy-coalesce-reads.
  bool coalesce_reads = true;
  // A request that has already crossed this many etcdpp proxies is refused (loop guard).
  unsigned max_hops = 8;
};

}  // namespace etcdpp::proxy
