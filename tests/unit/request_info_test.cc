#include "proxy/request_info.h"

#include <gtest/gtest.h>

namespace etcdpp::proxy {
namespace {

TEST(RequestInfoTest, WatchDetection) {
  EXPECT_TRUE(is_watch_target("/v2/keys/a?wait=true"));
  EXPECT_TRUE(is_watch_target("/v2/keys/a?recursive=true&wait=1&stream=true"));
  EXPECT_FALSE(is_watch_target("/v2/keys/a?wait=false"));
  EXPECT_FALSE(is_watch_target("/v2/keys/a"));
  EXPECT_FALSE(is_watch_target("/v2/keys/a?waitIndex=3"));
  EXPECT_FALSE(is_watch_target("/v2/keys/wait=true"));
}

TEST(RequestInfoTest, Idempotent) {
  EXPECT_TRUE(is_idempotent("GET"));
  EXPECT_TRUE(is_idempotent("HEAD"));
  EXPECT_FALSE(is_idempotent("PUT"));
  EXPECT_FALSE(is_idempotent("POST"));
  EXPECT_FALSE(is_idempotent("DELETE"));
}

TEST(RequestInfoTest, Via) {
  auto v = inspect_via("aaa, bbb,ccc", "bbb");
  EXPECT_EQ(v.hops, 3u);
  EXPECT_TRUE(v.contains_self);
  v = inspect_via("", "bbb");
  EXPECT_EQ(v.hops, 0u);
  EXPECT_FALSE(v.contains_self);
  EXPECT_FALSE(inspect_via("bbbb", "bbb").contains_self);
}

}  // namespace
}  // namespace etcdpp::proxy
