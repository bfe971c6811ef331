#include "client/members.h"

#include <gtest/gtest.h>

namespace etcdpp::client {
namespace {

TEST(MembersTest, ParsesEtcdAnswerWithLargeIds) {
  std::string error;
  auto m = parse_members(
      R"([{"id":13668033151171901709,"peerURLs":["http://127.0.0.1:23801"],"name":"m1",)"
      R"("clientURLs":["http://127.0.0.1:23791"]},{"id":5,"peerURLs":["http://x:1"]}])",
      error);
  ASSERT_TRUE(m) << error;
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].id, 13668033151171901709ull);
  EXPECT_EQ((*m)[0].name, "m1");
  EXPECT_EQ((*m)[0].client_urls, std::vector<std::string>{"http://127.0.0.1:23791"});
  EXPECT_TRUE((*m)[1].client_urls.empty());  // added but never started
}

TEST(MembersTest, EmptyArrayIsValid) {
  std::string error;
  auto m = parse_members("[]", error);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->empty());
}

TEST(MembersTest, RejectsNonArray) {
  std::string error;
  EXPECT_FALSE(parse_members(R"({"members":[]})", error));
  EXPECT_FALSE(parse_members("404 page not found", error));
  EXPECT_FALSE(parse_members(R"([{"clientURLs":"x"}])", error));
}

TEST(MembersTest, ClusterIdHex) {
  EXPECT_EQ(parse_cluster_id("d1cfaf999eb97a2a"), 0xd1cfaf999eb97a2aull);
  EXPECT_EQ(parse_cluster_id("A"), 10u);
  EXPECT_FALSE(parse_cluster_id(""));
  EXPECT_FALSE(parse_cluster_id("xyz"));
  EXPECT_FALSE(parse_cluster_id("11112222333344445"));
}

}  // namespace
}  // namespace etcdpp::client
