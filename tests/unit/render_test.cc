// v2 response bodies, compared with bytes captured from etcd 3.4.23.
#include "api/v2/render.h"

#include "base/json_string.h"
#include "store/store.h"

#include <gtest/gtest.h>

namespace etcdpp::api::v2 {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;

base::WallTime at(int64_t unix_ns) { return base::WallTime(nanoseconds(unix_ns)); }

TEST(RenderTest, EscapingLikeGo) {
  // Captured: PUT value=a<b>&c"d\e<LF>f<TAB>g<0x01>h<U+2028>i<é>j<0xff>
  std::string out;
  base::append_json_string(out, "a<b>&c\"d\\e\nf\tg\x01h\xe2\x80\xa8i\xc3\xa9j\xff");
  EXPECT_EQ(out, R"("a\u003cb\u003e\u0026c\"d\\e\nf\tg\u0001h\u2028iéj\ufffd")");
}

TEST(RenderTest, SetEventOfNewKey) {
  store::Store s;
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(s.set("/pad", false, "", std::nullopt).ok());
  auto e = s.set("/esc", false, "v", std::nullopt);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(render_event(*e, at(0)),
            "{\"action\":\"set\",\"node\":{\"key\":\"/esc\",\"value\":\"v\",\"modifiedIndex\":10,"
            "\"createdIndex\":10}}\n");
}

TEST(RenderTest, TtlAndExpiration) {
  // Captured: PUT /ttlk?ttl=100 -> expiration 2026-11-23T08:42:17.559544877Z, ttl 100.
  auto expiration = at(1795423337559544877);
  store::NodeView n;
  n.key = "/ttlk";
  n.value = "x";
  n.expiration = expiration;
  n.modified_index = n.created_index = 11;
  std::string out;
  append_node(out, n, expiration - seconds(100));
  EXPECT_EQ(out,
            "{\"key\":\"/ttlk\",\"value\":\"x\",\"expiration\":\"2026-11-23T08:42:17.559544877Z\","
            "\"ttl\":100,\"modifiedIndex\":11,\"createdIndex\":11}");
}

TEST(RenderTest, TtlRounding) {
  auto exp = at(2'000'000'000'000'000'000);
  EXPECT_EQ(remaining_ttl_seconds(exp, exp - nanoseconds(99'500'000'000)), 100);
  EXPECT_EQ(remaining_ttl_seconds(exp, exp - seconds(100)), 100);
  EXPECT_EQ(remaining_ttl_seconds(exp, exp - nanoseconds(1)), 1);
  EXPECT_EQ(remaining_ttl_seconds(exp, exp), 0);
  EXPECT_EQ(remaining_ttl_seconds(exp, exp + nanoseconds(1'500'000'000)), -1);
}

TEST(RenderTest, ZeroTtlIsOmittedButExpirationShown) {
  store::NodeView n;
  n.key = "/z";
  n.value = "";
  n.expiration = at(1'800'000'000'000'000'000);
  n.modified_index = n.created_index = 3;
  std::string out;
  append_node(out, n, *n.expiration);
  EXPECT_EQ(out,
            "{\"key\":\"/z\",\"value\":\"\",\"expiration\":\"2027-01-15T08:00:00Z\","
            "\"modifiedIndex\":3,\"createdIndex\":3}");
}

TEST(RenderTest, Rfc3339NanoTrimsZeros) {
  EXPECT_EQ(rfc3339_nano(at(1795419567739336700)), "2026-11-23T07:39:27.7393367Z");
  EXPECT_EQ(rfc3339_nano(at(0)), "1970-01-01T00:00:00Z");
}

TEST(RenderTest, RootListing) {
  // Spec example: {"action":"get","node":{"dir":true,"nodes":[{"key":"/foo","value":"baz",...}]}}
  store::Store s;
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(s.set("/_pad", false, "", std::nullopt).ok());
  ASSERT_TRUE(s.set("/foo", false, "baz", std::nullopt).ok());
  auto e = s.get("/", false);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(render_event(*e, at(0)),
            "{\"action\":\"get\",\"node\":{\"dir\":true,\"nodes\":[{\"key\":\"/foo\",\"value\":"
            "\"baz\",\"modifiedIndex\":9,\"createdIndex\":9}]}}\n");
}

TEST(RenderTest, DeleteEventHasNoValue) {
  store::Store s;
  ASSERT_TRUE(s.set("/k", false, "v", std::nullopt).ok());
  auto e = s.remove("/k", false, false);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(
      render_event(*e, at(0)),
      "{\"action\":\"delete\",\"node\":{\"key\":\"/k\",\"modifiedIndex\":2,\"createdIndex\":1},"
      "\"prevNode\":{\"key\":\"/k\",\"value\":\"v\",\"modifiedIndex\":1,\"createdIndex\":1}}\n");
}

TEST(RenderTest, Errors) {
  // Captured: {"errorCode":100,"message":"Key not found","cause":"/nope","index":11}
  EXPECT_EQ(render_error({store::ErrorCode::KeyNotFound, "/nope", 11}),
            "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/nope\",\"index\":11}\n");
  EXPECT_EQ(
      render_error({store::ErrorCode::TestFailed, "[a != b]", 4}),
      "{\"errorCode\":101,\"message\":\"Compare failed\",\"cause\":\"[a != b]\",\"index\":4}\n");
  EXPECT_EQ(render_error({store::ErrorCode::InvalidField, "", 0}),
            "{\"errorCode\":209,\"message\":\"Invalid field\",\"index\":0}\n");
}

TEST(RenderTest, ActionOnly) {
  store::Event e;
  e.action = store::Action::compare_and_swap;
  EXPECT_EQ(render_action_only(e), "{\"action\":\"compareAndSwap\"}\n");
}

}  // namespace
}  // namespace etcdpp::api::v2
