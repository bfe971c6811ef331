#include "http/headers.h"

#include <gtest/gtest.h>

namespace etcdpp::http {
namespace {

namespace bhttp = boost::beast::http;

TEST(HeadersTest, StripsHopByHopAndConnectionListed) {
  bhttp::fields f;
  f.set("Connection", "keep-alive, X-Private");
  f.set("X-Private", "1");
  f.set("Keep-Alive", "timeout=5");
  f.set("Proxy-Connection", "keep-alive");
  f.set("Proxy-Authorization", "x");
  f.set("TE", "trailers");
  f.set("Transfer-Encoding", "chunked");
  f.set("Upgrade", "h2c");
  f.set("Authorization", "Basic abc");
  f.set("X-Etcd-Index", "4");
  strip_hop_by_hop(f);
  EXPECT_EQ(f.count("Connection"), 0u);
  EXPECT_EQ(f.count("X-Private"), 0u);
  EXPECT_EQ(f.count("Keep-Alive"), 0u);
  EXPECT_EQ(f.count("Proxy-Connection"), 0u);
  EXPECT_EQ(f.count("Proxy-Authorization"), 0u);
  EXPECT_EQ(f.count("TE"), 0u);
  EXPECT_EQ(f.count("Transfer-Encoding"), 0u);
  EXPECT_EQ(f.count("Upgrade"), 0u);
  EXPECT_EQ(f["Authorization"], "Basic abc");
  EXPECT_EQ(f["X-Etcd-Index"], "4");
}

TEST(HeadersTest, HttpDate) {
  EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(http_date(1795419457), "Mon, 23 Nov 2026 07:37:37 GMT");
}

}  // namespace
}  // namespace etcdpp::http
