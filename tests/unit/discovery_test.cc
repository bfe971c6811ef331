// The discovery protocol's pure parts: token directories, placement, the cluster they
// describe, discovery URLs, and the ids a discovery bootstrap gives (etcd's, verified against
// etcd 3.4.23 in ../shared/spec/discovery.md).
#include "discovery/discovery_url.h"
#include "discovery/registry.h"
#include "server/membership.h"

#include <gtest/gtest.h>

namespace etcdpp::discovery {
namespace {

client::KeyNode dir_with(std::vector<std::tuple<std::string, std::string, uint64_t>> children) {
  client::KeyNode dir;
  dir.key = "/_etcd/registry/tok";
  dir.dir = true;
  dir.nodes.emplace();
  for (auto& [key, value, created] : children) {
    client::KeyNode n;
    n.key = "/_etcd/registry/tok/" + key;
    n.value = value;
    n.created_index = created;
    n.modified_index = created;
    dir.nodes->push_back(n);
  }
  return dir;
}

TEST(DiscoveryRegistryTest, RegistrationsAreOrderedByCreationAndSkipHiddenKeys) {
  auto dir = dir_with(
      {{"b2", "b=http://127.0.0.1:2", 9}, {"_config", "", 3}, {"a1", "a=http://127.0.0.1:1", 5}});
  auto regs = registrations_in(dir);
  ASSERT_EQ(regs.size(), 2u);
  EXPECT_EQ(regs[0].id, "a1");
  EXPECT_EQ(regs[1].id, "b2");
}

TEST(DiscoveryRegistryTest, PlacementFollowsEtcdsFullRule) {
  std::vector<Registration> regs = {
      {"1", "a=http://h:1", 4}, {"2", "b=http://h:2", 5}, {"3", "c=http://h:3", 6}};
  // Self among the first `size`: not full.
  auto p = place(regs, 2, "2");
  EXPECT_FALSE(p.full);
  EXPECT_TRUE(p.has_self);
  EXPECT_EQ(p.active.size(), 2u);
  // Self registered but after `size` others: full (it lost the race).
  EXPECT_TRUE(place(regs, 2, "3").full);
  // Self absent and `size` reached: full; a proxy ("0") is never registered.
  EXPECT_TRUE(place(regs, 3, "0").full);
  EXPECT_EQ(place(regs, 3, "0").active.size(), 3u);
  // Fewer than `size`: not full, keep waiting.
  EXPECT_FALSE(place(regs, 5, "0").full);
  EXPECT_EQ(place(regs, 5, "9").active.size(), 3u);
}

TEST(DiscoveryRegistryTest, ClusterChecksNamesAndUrls) {
  std::vector<Registration> ok = {{"1", "a=http://h:1,a=http://h:11", 4}, {"2", "b=http://h:2", 5}};
  auto c = cluster_of(ok, 2);
  EXPECT_EQ(c.failure, Failure::none);
  EXPECT_EQ(c.text, "a=http://h:1,a=http://h:11,b=http://h:2");
  std::vector<Registration> same_name = {{"1", "a=http://h:1", 4}, {"2", "a=http://h:2", 5}};
  EXPECT_EQ(cluster_of(same_name, 2).failure, Failure::duplicate_name);
  std::vector<Registration> same_url = {{"1", "a=http://h:1", 4}, {"2", "b=http://h:1", 5}};
  EXPECT_EQ(cluster_of(same_url, 2).failure, Failure::duplicate_url);
  std::vector<Registration> garbage = {{"1", "not a cluster", 4}};
  EXPECT_EQ(cluster_of(garbage, 1).failure, Failure::invalid_url);
  EXPECT_EQ(failure_text(Failure::full_cluster), "discovery: cluster is full");
}

TEST(DiscoveryRegistryTest, SizeIsAPositiveDecimal) {
  EXPECT_EQ(parse_size("3"), 3u);
  EXPECT_FALSE(parse_size("0"));
  EXPECT_FALSE(parse_size("-1"));
  EXPECT_FALSE(parse_size("3x"));
  EXPECT_FALSE(parse_size(""));
}

TEST(DiscoveryUrlTest, SplitsEndpointAndToken) {
  std::string error;
  auto u = parse_discovery_url("http://127.0.0.1:2379/v2/keys/_etcd/registry/abc/", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->endpoint.text, "http://127.0.0.1:2379");
  EXPECT_EQ(u->token_path, "/v2/keys/_etcd/registry/abc");
  auto no_port = parse_discovery_url("http://disc.example/abc", error);
  ASSERT_TRUE(no_port) << error;
  EXPECT_EQ(no_port->endpoint.port, 80);
  EXPECT_EQ(no_port->token_path, "/abc");
  auto v6 = parse_discovery_url("http://[::1]:4001/t", error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->endpoint.host, "::1");
  auto tls = parse_discovery_url("https://disc.example/abc", error);
  ASSERT_TRUE(tls) << error;
  EXPECT_EQ(tls->endpoint.text, "https://disc.example:443");
  EXPECT_EQ(tls->endpoint.port, 443);
  EXPECT_FALSE(parse_discovery_url("ftp://disc.example/abc", error));
  EXPECT_FALSE(parse_discovery_proxy("https://127.0.0.1:3128", error));
  EXPECT_FALSE(parse_discovery_url("http://disc.example", error));
  EXPECT_FALSE(parse_discovery_url("nonsense", error));
  auto proxy = parse_discovery_proxy("127.0.0.1:3128", error);
  ASSERT_TRUE(proxy) << error;
  EXPECT_EQ(proxy->text, "http://127.0.0.1:3128");
}

TEST(DiscoveryIdsTest, MatchEtcds) {
  // Observed with etcd 3.4.23: the discovery URL takes the place of the cluster token.
  std::string durl = "http://127.0.0.1:23861/v2/keys/_etcd/registry/tok9";
  uint64_t id =
      server::compute_member_id({"http://127.0.0.1:23891", "http://127.0.0.1:23881"}, durl);
  EXPECT_EQ(id, 0x27d84a267c5f6806ull);
  EXPECT_EQ(server::compute_cluster_id({0xa240e3121eeba4dcull, 0x27d84a267c5f6806ull}),
            0x742468e0f15f4f3full);
}

}  // namespace
}  // namespace etcdpp::discovery
