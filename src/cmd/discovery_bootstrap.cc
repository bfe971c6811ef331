#include "cmd/discovery_bootstrap.h"

#include "base/log.h"
#include "cmd/run_member.h"
#include "cmd/run_until_done.h"
#include "discovery/discovery.h"
#include "discovery/initial_cluster.h"
#include "server/membership.h"

namespace etcdpp::cmd {

namespace asio = boost::asio;

namespace {

discovery::DiscoveryUrl discovery_url(const FlagValues& f) {
  std::string error;
  return *discovery::parse_discovery_url(f.get("discovery"), error);  // validated
}

std::optional<http::Url> discovery_proxy(const FlagValues& f) {
  if (f.get("discovery-proxy").empty()) return std::nullopt;
  std::string error;
  auto proxy = discovery::parse_discovery_proxy(f.get("discovery-proxy"), error);  // validated
  ETCDPP_LOG_INFO("running proxy with discovery: {}", proxy->text);
  return proxy;
}

// The exit status after a failed discovery (etcd's: 1), with what to do about it.
int discovery_failed(const discovery::Outcome& outcome, const std::string& url,
                     const std::string& name) {
  std::string what(discovery::failure_text(outcome.failure));
  if (!outcome.detail.empty()) what += ": " + outcome.detail;
  ETCDPP_LOG_ERROR("failed to join discovery cluster ({})", what);
  switch (outcome.failure) {
    case discovery::Failure::duplicate_id:
      ETCDPP_LOG_ERROR(
          "member {} has previously registered with discovery token {}, but its data dir "
          "holds no cluster: check the data dir if the earlier bootstrap succeeded, or use a "
          "new discovery token if it failed",
          name, url);
      break;
    case discovery::Failure::duplicate_name:
    case discovery::Failure::duplicate_url:
      ETCDPP_LOG_ERROR(
          "two members registered the same name or peer URL with {}: check its registrations "
          "(curl {}), give every member its own --name, and use a new discovery token",
          url, url);
      break;
    case discovery::Failure::size_not_found:
      ETCDPP_LOG_ERROR(
          "the discovery token {} does not exist: create it first (etcdpp's GET /new?size=N, "
          "or PUT <token>/_config/size with the cluster size)",
          url);
      break;
    default:
      ETCDPP_LOG_ERROR(
          "discovery token {} was used, but failed to bootstrap the cluster; please generate a "
          "new discovery token and try to bootstrap again",
          url);
  }
  return 1;
}

}  // namespace

int join_discovery_cluster(const FlagValues& f, const std::string& name,
                           const std::vector<http::Url>& advertise_peer,
                           const std::string& cluster_token, asio::io_context& io,
                           std::string& cluster_text) {
  auto url = discovery_url(f);
  uint64_t self_id = server::compute_member_id(http::url_texts(advertise_peer), cluster_token);
  std::string self_value =
      discovery::format_initial_cluster(discovery::InitialCluster{{name, advertise_peer}});
  discovery::Discovery client(url, discovery_proxy(f), server::id_hex(self_id));
  auto outcome =
      run_until_done<discovery::Outcome>(io, [&]() -> asio::awaitable<discovery::Outcome> {
        discovery::Outcome o = co_await client.join_cluster(self_value);
        co_return o;
      });
  if (outcome.failure == discovery::Failure::full_cluster) {
    if (f.get("discovery-fallback") == "proxy") {
      ETCDPP_LOG_WARN("discovery cluster full, falling back to proxy ({} is complete: {})",
                      url.text, outcome.cluster);
      return kFallBackToProxy;
    }
    ETCDPP_LOG_ERROR(
        "failed to join discovery cluster (discovery: cluster is full): {} is complete ({}); "
        "exiting as --discovery-fallback=exit asks (add this machine with member add, or use "
        "--discovery-fallback proxy)",
        url.text, outcome.cluster);
    return 1;
  }
  if (outcome.failure != discovery::Failure::none) return discovery_failed(outcome, url.text, name);
  cluster_text = outcome.cluster;
  return 0;
}

int discover_proxy_peers(const FlagValues& f, std::vector<http::Url>& peer_urls) {
  auto url = discovery_url(f);
  discovery::Discovery client(url, discovery_proxy(f), "0");
  asio::io_context io(1);
  auto outcome =
      run_until_done<discovery::Outcome>(io, [&]() -> asio::awaitable<discovery::Outcome> {
        discovery::Outcome o = co_await client.get_cluster();
        co_return o;
      });
  std::string error;
  std::optional<discovery::InitialCluster> cluster;
  if (outcome.failure == discovery::Failure::none) {
    cluster = discovery::parse_initial_cluster(outcome.cluster, error);
  }
  if (!cluster) {
    std::string what(discovery::failure_text(outcome.failure));
    if (!outcome.detail.empty()) what += ": " + outcome.detail;
    ETCDPP_LOG_ERROR("proxy: cannot learn the cluster from discovery service {} ({})", url.text,
                     what);
    return 1;
  }
  peer_urls = discovery::all_peer_urls(*cluster);
  return 0;
}

}  // namespace etcdpp::cmd
