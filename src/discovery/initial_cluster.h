#pragma once
// The initial cluster of a new member (from --initial-cluster or a discovery service):
// "name1=url1,name1=url1b,name2=url2". A name may repeat to give several
// URLs; empty items are skipped; every URL is validated like etcd's URL-list flags.
#include "http/url.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::discovery {

using InitialCluster = std::map<std::string, std::vector<http::Url>>;

std::optional<InitialCluster> parse_initial_cluster(std::string_view text, std::string& error);

// etcd's URLsMap.String(): every "name=url" pair, sorted, joined by ",". What a member registers
// with a discovery service.
std::string format_initial_cluster(const InitialCluster& cluster);

// Every URL of every member, sorted, duplicates removed.
std::vector<http::Url> all_peer_urls(const InitialCluster& cluster);

}  // namespace etcdpp::discovery
