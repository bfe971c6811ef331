// SRV record order and error texts (client/srv_lookup.h). The lookups themselves are tested
// against a real name server in tests/integration/test_ctl_discovery_srv.py.
#include "client/srv_lookup.h"

#include <gtest/gtest.h>

#include <map>

namespace etcdpp::client {
namespace {

SrvRecord record(std::string target, uint16_t priority, uint16_t weight) {
  SrvRecord r;
  r.target = std::move(target);
  r.port = 2379;
  r.priority = priority;
  r.weight = weight;
  return r;
}

TEST(SrvOrderTest, LowerPriorityFirstWhateverTheWeights) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<SrvRecord> records{record("c.", 20, 90), record("a.", 10, 1), record("d.", 30, 0),
                                   record("b.", 10, 50)};
    order_srv_records(records, rng);
    ASSERT_EQ(records.size(), 4u);
    EXPECT_EQ(records[0].priority, 10);
    EXPECT_EQ(records[1].priority, 10);
    EXPECT_EQ(records[2].target, "c.");
    EXPECT_EQ(records[3].target, "d.");
  }
}

TEST(SrvOrderTest, WithinAPriorityFirstInProportionToWeight) {
  // RFC 2782: with weights 1 and 3, the heavier record comes first three times in four.
  std::mt19937_64 rng(42);
  std::map<std::string, int> first;
  constexpr int kRounds = 8000;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<SrvRecord> records{record("light.", 0, 1), record("heavy.", 0, 3)};
    order_srv_records(records, rng);
    ++first[records[0].target];
  }
  double heavy_share = static_cast<double>(first["heavy."]) / kRounds;
  EXPECT_GT(heavy_share, 0.72);
  EXPECT_LT(heavy_share, 0.78);
}

TEST(SrvOrderTest, WeightZeroRecordsComeLastInTheirPriority) {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 200; ++round) {
    std::vector<SrvRecord> records{record("zero1.", 5, 0), record("one.", 5, 1),
                                   record("zero2.", 5, 0), record("two.", 5, 2)};
    order_srv_records(records, rng);
    EXPECT_GT(records[0].weight, 0);
    EXPECT_GT(records[1].weight, 0);
    EXPECT_EQ(records[2].weight, 0);
    EXPECT_EQ(records[3].weight, 0);
  }
}

TEST(SrvErrorTest, GoTexts) {
  const std::string name = "_etcd-client._tcp.example.com";
  EXPECT_EQ(dns_error_text(name, "127.0.0.1:53", DnsFailure::no_such_host),
            "lookup _etcd-client._tcp.example.com on 127.0.0.1:53: no such host");
  EXPECT_EQ(dns_error_text(name, "[::1]:53", DnsFailure::server_misbehaving),
            "lookup _etcd-client._tcp.example.com on [::1]:53: server misbehaving");
  EXPECT_EQ(dns_error_text(name, "10.0.0.2:53", DnsFailure::timeout),
            "lookup _etcd-client._tcp.example.com on 10.0.0.2:53: i/o timeout");
}

}  // namespace
}  // namespace etcdpp::client
