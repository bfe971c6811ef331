#pragma once
// --discovery-srv at start-up: the initial cluster from the domain's DNS SRV records, for a new
// member (which must find itself among them) or for a proxy (which only needs the peers).
// Blocks on DNS; the lookups are client/srv_lookup.h's.
#include "cmd/flags.h"

#include <optional>
#include <string>
#include <vector>

namespace etcdpp::cmd {

// The --initial-cluster value the SRV records of --discovery-srv (and --discovery-srv-name)
// give, this member being `name` at `advertise_peer_urls` (none for a proxy). nullopt when
// there is none to use: the reason is logged. https peers (the _etcd-server-ssl records) are
// reached with the --peer-* TLS files.
std::optional<std::string> srv_initial_cluster(const FlagValues& f, const std::string& name,
                                               const std::vector<std::string>& advertise_peer_urls);

}  // namespace etcdpp::cmd
