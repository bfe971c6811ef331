// etcdppctl's client: the endpoint order (ctl/v2_client.h). Requests are tested against real
// servers in tests/integration/test_ctl.py.
#include "ctl/v2_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace etcdpp::ctl {
namespace {

TEST(V2ClientTest, EndpointsAreHeldInARandomOrderAsTheGoClientHoldsThem) {
  const std::vector<std::string> given{"http://a:2379", "http://b:2379", "http://c:2379",
                                       "http://d:2379"};
  std::set<std::vector<std::string>> orders;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    ClientOptions options;
    options.endpoints = given;
    V2Client client(options, seed);
    auto held = client.endpoints();
    auto sorted = held;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, given);  // the same endpoints, none lost or repeated
    orders.insert(held);
  }
  // 24 orders are possible; 40 seeds that all gave the given one would mean no shuffle.
  EXPECT_GT(orders.size(), 5u);
}

TEST(V2ClientTest, TheSameSeedGivesTheSameOrder) {
  ClientOptions options;
  options.endpoints = {"http://a:2379", "http://b:2379", "http://c:2379"};
  EXPECT_EQ(V2Client(options, 7).endpoints(), V2Client(options, 7).endpoints());
}

}  // namespace
}  // namespace etcdpp::ctl
