// Parsing of v2 keys requests; expected causes captured from etcd 3.4.23.
#include "api/v2/keys_request.h"

#include <gtest/gtest.h>

namespace etcdpp::api::v2 {
namespace {

using store::ErrorCode;

store::Result<KeysRequest> put(std::string_view query, std::string_view body = "") {
  return parse_keys_request("PUT", "/v2/keys/k", query, "application/x-www-form-urlencoded", body);
}

void expect_error(const store::Result<KeysRequest>& r, ErrorCode code, std::string_view cause) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, code);
  EXPECT_EQ(r.error().cause, cause);
  EXPECT_EQ(r.error().index, 0u);
}

TEST(KeysRequestTest, ErrorsLikeEtcd) {
  expect_error(put("prevIndex=abc"), ErrorCode::IndexNaN, "invalid value for \"prevIndex\"");
  expect_error(put("prevIndex="), ErrorCode::IndexNaN, "invalid value for \"prevIndex\"");
  expect_error(put("waitIndex=-1"), ErrorCode::IndexNaN, "invalid value for \"waitIndex\"");
  expect_error(put("recursive=maybe"), ErrorCode::InvalidField, "invalid value for \"recursive\"");
  expect_error(put("prevExist=maybe"), ErrorCode::InvalidField, "invalid value for prevExist");
  expect_error(put("x=%zz"), ErrorCode::InvalidForm, "invalid URL escape \"%zz\"");
  expect_error(put("x=%z"), ErrorCode::InvalidForm, "invalid URL escape \"%z\"");
  expect_error(put("a=1;b=2"), ErrorCode::InvalidForm, "invalid semicolon separator in query");
  expect_error(put("refresh=true"), ErrorCode::RefreshTTLRequired, "No TTL value set");
  expect_error(put("refresh=true&ttl=5&value=x"), ErrorCode::RefreshValue,
               "A value was provided on a refresh");
  expect_error(put("prevValue="), ErrorCode::PrevValueRequired, "\"prevValue\" cannot be empty");
  expect_error(put("wait=true"), ErrorCode::InvalidField,
               "\"wait\" can only be used with GET requests");
  expect_error(put("ttl=abc"), ErrorCode::TTLNaN, "invalid value for \"ttl\"");
  expect_error(put("", "value=%zz"), ErrorCode::InvalidForm, "invalid URL escape \"%zz\"");
}

TEST(KeysRequestTest, BodyWinsOverQuery) {
  auto r = put("value=query", "value=body");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value, "body");
}

TEST(KeysRequestTest, BodyIgnoredForDeleteAndOtherContentTypes) {
  auto d = parse_keys_request("DELETE", "/v2/keys/k", "", "application/x-www-form-urlencoded",
                              "prevValue=x");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->prev_value, "");
  auto j = parse_keys_request("PUT", "/v2/keys/k", "", "application/json", "value=x");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->value, "");
  auto p = parse_keys_request("PUT", "/v2/keys/k", "",
                              "Application/X-WWW-Form-Urlencoded; charset=utf-8", "value=x");
  EXPECT_EQ(p->value, "x");
}

TEST(KeysRequestTest, FirstValueCountsAndPlusIsSpace) {
  auto r = put("value=a+b&value=second&dir=false&dir=true");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value, "a b");
  EXPECT_FALSE(r->dir);
}

TEST(KeysRequestTest, AllFields) {
  auto r =
      parse_keys_request("GET", "/v2/keys/a//b/",
                         "recursive=true&sorted=1&wait=T&waitIndex=7&quorum=True&stream=t", "", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->key, "/a/b");
  EXPECT_TRUE(r->recursive && r->sorted && r->wait && r->quorum && r->stream);
  EXPECT_EQ(r->wait_index, 7u);
  auto w = put("prevExist=false&prevValue=x&prevIndex=3&ttl=&refresh=false&noValueOnSuccess=true");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->prev_exist, false);
  EXPECT_EQ(w->prev_value, "x");
  EXPECT_EQ(w->prev_index, 3u);
  EXPECT_FALSE(w->ttl_seconds);  // "ttl=" means no TTL
  EXPECT_EQ(w->refresh, false);
  EXPECT_TRUE(w->no_value_on_success);
}

TEST(KeysRequestTest, RootKey) {
  EXPECT_EQ(parse_keys_request("GET", "/v2/keys", "", "", "")->key, "/");
  EXPECT_EQ(parse_keys_request("GET", "/v2/keys/", "", "", "")->key, "/");
}

TEST(KeysRequestTest, ExpirationFromTtl) {
  base::WallTime now{std::chrono::seconds(1'800'000'000)};
  KeysRequest req;
  EXPECT_FALSE(expiration_for(req, now));
  req.ttl_seconds = 100;
  EXPECT_EQ(expiration_for(req, now), now + std::chrono::seconds(100));
  req.ttl_seconds = 18446744073709551615ull;  // wraps to -1 s, as in Go (observed: ttl -1)
  EXPECT_EQ(expiration_for(req, now), now - std::chrono::seconds(1));
  req.ttl_seconds = 9'000'000'000ull;  // wraps before 2000: permanent
  EXPECT_FALSE(expiration_for(req, now));
}

TEST(KeysRequestTest, WriteDispatchFollowsEtcdsTable) {
  store::Store s;
  auto apply = [&](std::string_view method, std::string_view query, std::string_view body = "") {
    auto r =
        parse_keys_request(method, "/v2/keys/k", query, "application/x-www-form-urlencoded", body);
    EXPECT_TRUE(r.ok());
    return server::apply_write(s, to_write_request(*r, base::WallTime{}));
  };
  EXPECT_EQ(apply("PUT", "prevExist=false", "value=1")->action, store::Action::create);
  EXPECT_EQ(apply("PUT", "", "value=2")->action, store::Action::set);
  EXPECT_EQ(apply("PUT", "prevExist=true", "value=3")->action, store::Action::update);
  EXPECT_EQ(apply("PUT", "prevExist=true&prevValue=3", "value=4")->action,
            store::Action::compare_and_swap);
  EXPECT_EQ(apply("PUT", "prevIndex=4", "value=5")->action, store::Action::compare_and_swap);
  EXPECT_EQ(apply("PUT", "prevExist=false&prevValue=zz", "value=6").error().code,
            ErrorCode::NodeExist);  // prevExist=false ignores the compare fields
  EXPECT_EQ(apply("DELETE", "prevValue=nope").error().code, ErrorCode::TestFailed);
  EXPECT_EQ(apply("DELETE", "prevValue=5")->action, store::Action::compare_and_delete);
  EXPECT_EQ(apply("POST", "", "value=job")->action, store::Action::create);
  EXPECT_EQ(apply("DELETE", "recursive=true")->action, store::Action::remove);
}

}  // namespace
}  // namespace etcdpp::api::v2
