#pragma once
// State shared by every connection of one proxy. Lives on the proxy's single io_context
// thread: no member is touched from another thread, so nothing here is locked.
#include "base/clock.h"
#include "http/headers.h"
#include "proxy/config.h"
#include "proxy/director.h"
#include "proxy/metrics.h"
#include "proxy/read_coalescer.h"
#include "proxy/upstream_pool.h"

#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <memory>
#include <string>

namespace etcdpp::proxy {

struct ProxyContext {
  ProxyContext(const ProxyConfig& cfg, base::Clock& clk, Director& dir, UpstreamPool& p,
               ProxyMetrics& m, std::string id)
      : config(cfg), clock(clk), director(dir), pool(p), metrics(m), proxy_id(std::move(id)) {}

  const ProxyConfig& config;
  base::Clock& clock;
  Director& director;
  UpstreamPool& pool;
  ProxyMetrics& metrics;
  // Random per process; put in the hop header of every forwarded request.
  const std::string proxy_id;
  size_t client_connections = 0;
  ReadCoalescer coalescer;
  // Called when a request has just marked an endpoint failed: the refresher then re-plans its
  // wake-up (the endpoint's health probe is due after --proxy-failure-wait).
  std::function<void()> on_endpoint_failed;
  // Client-side TLS contexts (never null once the proxy runs): for the members' client URLs
  // (forwarding, health probes) and their peer URLs (membership).
  std::shared_ptr<boost::asio::ssl::context> member_tls;
  std::shared_ptr<boost::asio::ssl::context> peer_tls;

  // The HTTP Date header for now, formatted at most once per second.
  const std::string& date();

 private:
  http::DateCache dates_;
};

// Name of the hop header etcdpp proxies add to every request they forward: a comma-separated
// list of the ids of the proxies the request has crossed.
inline constexpr const char* kViaHeader = "X-Etcdpp-Via";

}  // namespace etcdpp::proxy
