#pragma once
// --discovery at start-up: a new member registers and learns its initial cluster; a proxy (or a
// member that found the cluster complete) learns the cluster's peer URLs. Both block until the
// token is complete. Flag values were validated by parse_flags.
#include "cmd/flags.h"
#include "http/url.h"

#include <boost/asio/io_context.hpp>

#include <string>
#include <vector>

namespace etcdpp::cmd {

// For a new member named `name` advertising `advertise_peer`, with `cluster_token` the
// discovery URL. Returns 0 and sets `cluster_text` (an --initial-cluster value), or returns
// kFallBackToProxy (run_member.h) or the exit status (the reason is logged).
int join_discovery_cluster(const FlagValues& f, const std::string& name,
                           const std::vector<http::Url>& advertise_peer,
                           const std::string& cluster_token, boost::asio::io_context& io,
                           std::string& cluster_text);

// For a proxy: the peer URLs of the first `size` registrations, sorted. Returns 0, or the exit
// status (the reason is logged).
int discover_proxy_peers(const FlagValues& f, std::vector<http::Url>& peer_urls);

}  // namespace etcdpp::cmd
