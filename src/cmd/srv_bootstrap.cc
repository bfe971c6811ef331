#include "cmd/srv_bootstrap.h"

#include "base/log.h"
#include "client/srv_lookup.h"

namespace etcdpp::cmd {

std::optional<std::string> srv_initial_cluster(
    const FlagValues& f, const std::string& name,
    const std::vector<std::string>& advertise_peer_urls) {
  auto found = client::discover_srv_cluster(f.get("discovery-srv"), f.get("discovery-srv-name"),
                                            name, advertise_peer_urls);
  if (!found.error.empty()) {
    ETCDPP_LOG_ERROR("error setting up initial cluster: {}", found.error);
    return std::nullopt;
  }
  std::string initial_cluster;
  for (const auto& entry : found.members) {
    ETCDPP_LOG_INFO("got bootstrap from DNS for etcd-server at {}", entry);
    initial_cluster += (initial_cluster.empty() ? "" : ",") + entry;
  }
  return initial_cluster;
}

}  // namespace etcdpp::cmd
