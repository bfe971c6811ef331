#include "http/url.h"
#include "http/path.h"

#include <gtest/gtest.h>

namespace etcdpp::http {
namespace {

TEST(UrlTest, ParsesHostPort) {
  std::string error;
  auto u = parse_url("http://127.0.0.1:2379", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 2379);
  EXPECT_EQ(u->text, "http://127.0.0.1:2379");
}

TEST(UrlTest, TrailingSlashAllowed) {
  std::string error;
  auto u = parse_url(" http://localhost:2379/ ", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->text, "http://localhost:2379");
}

TEST(UrlTest, Ipv6) {
  std::string error;
  auto u = parse_url("http://[::1]:2379", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->host_port(), "[::1]:2379");
}

TEST(UrlTest, RejectsBadSchemeWithEtcdMessage) {
  std::string error;
  EXPECT_FALSE(parse_url("ftp://a:1", error));
  EXPECT_EQ(error, "URL scheme must be http, https, unix, or unixs: ftp://a:1");
}

TEST(UrlTest, RejectsMissingPort) {
  std::string error;
  EXPECT_FALSE(parse_url("http://a", error));
  EXPECT_EQ(error, "URL address does not have the form \"host:port\": http://a");
}

TEST(UrlTest, RejectsPath) {
  std::string error;
  EXPECT_FALSE(parse_url("http://a:1/x", error));
  EXPECT_EQ(error, "URL must not contain a path: http://a:1/x");
}

TEST(UrlTest, ListIsSortedAndDeduplicated) {
  std::string error;
  auto l = parse_url_list("http://b:2,http://a:1, http://b:2", error);
  ASSERT_TRUE(l) << error;
  ASSERT_EQ(l->size(), 2u);
  EXPECT_EQ((*l)[0].text, "http://a:1");
  EXPECT_EQ((*l)[1].text, "http://b:2");
}

TEST(UrlTest, BindableHosts) {
  std::string error;
  EXPECT_TRUE(is_bindable_host(*parse_url("http://localhost:1", error)));
  EXPECT_TRUE(is_bindable_host(*parse_url("http://0.0.0.0:1", error)));
  EXPECT_FALSE(is_bindable_host(*parse_url("http://example.com:1", error)));
}

TEST(PathTest, CleansLikeGo) {
  EXPECT_EQ(clean_path("/v2/keys"), "/v2/keys");
  EXPECT_EQ(clean_path("//v2/keys"), "/v2/keys");
  EXPECT_EQ(clean_path("/v2/./keys"), "/v2/keys");
  EXPECT_EQ(clean_path("/v2/x/../keys"), "/v2/keys");
  EXPECT_EQ(clean_path("/v2/keys/"), "/v2/keys/");
  EXPECT_EQ(clean_path("/.."), "/");
  EXPECT_EQ(clean_path("/"), "/");
}

TEST(PathTest, IsCleanAgreesWithClean) {
  for (std::string_view p :
       {"/",           "/v2/keys", "/v2/keys/", "//",    "//v2",      "/v2//keys", "/v2/./keys",
        "/v2/../keys", "/.",       "/..",       "/a/.",  "/a/..",     "/a/.b",     "/a/..b",
        "/a/b.",       "/.a",      "/a//",      "/a/./", "/%2e%2e/a", "/a/b/c/"}) {
    EXPECT_EQ(is_clean_path(p), clean_path(p) == p) << p;
  }
  EXPECT_FALSE(is_clean_path(""));
}

}  // namespace
}  // namespace etcdpp::http
