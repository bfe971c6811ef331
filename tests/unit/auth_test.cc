// v2 authentication: the replicated changes (etcd 3.4's semantics and messages), the Go-style
// JSON, basic authentication and bcrypt passwords.
#include "auth/auth_json.h"
#include "auth/auth_state.h"
#include "auth/credentials.h"
#include "server/entry.h"

#include <gtest/gtest.h>

namespace etcdpp::auth {
namespace {

using Op = AuthRequest::Op;

AuthRequest user_op(Op op, std::string name, std::string password = "",
                    StringList roles = std::nullopt, std::vector<std::string> grant = {},
                    std::vector<std::string> revoke = {}) {
  AuthRequest r;
  r.op = op;
  r.user = UserChange{std::move(name), std::move(password), std::move(roles), std::move(grant),
                      std::move(revoke)};
  return r;
}

TEST(AuthStateTest, RootUserAlwaysHasTheRootRole) {
  AuthState s;
  Outcome out = apply(s, user_op(Op::create_or_update_user, "root", "hash1"));
  EXPECT_EQ(out.status, 201u);
  EXPECT_EQ(user_json(*out.user), R"({"user":"root","roles":["root"]})");
  out = apply(s, user_op(Op::update_user, "root", "", std::nullopt, {}, {"root"}));
  EXPECT_EQ(out.status, 200u) << out.error;
  EXPECT_EQ(user_json(*s.user("root")), R"({"user":"root","roles":["root"]})");
}

TEST(AuthStateTest, UpdatesFollowEtcdsMergeRules) {
  AuthState s;
  EXPECT_EQ(apply(s, user_op(Op::create_or_update_user, "bob", "")).error,
            "auth: Cannot create user bob with an empty password");
  Outcome out = apply(s, user_op(Op::create_or_update_user, "bob", "h1"));
  EXPECT_EQ(user_json(*out.user), R"({"user":"bob","roles":null})");
  // Nothing new, but nil roles become [] (Go's set yields an empty, non-nil slice).
  out = apply(s, user_op(Op::create_or_update_user, "bob", ""));
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(user_json(*out.user), R"({"user":"bob","roles":[]})");
  EXPECT_EQ(apply(s, user_op(Op::create_or_update_user, "bob", "")).error,
            "auth: User not updated. Use grant/revoke/password to update the user.");
  out = apply(s, user_op(Op::update_user, "bob", "", std::nullopt, {"b", "a"}));
  EXPECT_EQ(user_json(*out.user), R"({"user":"bob","roles":["a","b"]})");
  EXPECT_EQ(apply(s, user_op(Op::update_user, "bob", "", std::nullopt, {"a"})).error,
            "auth: Granting duplicate role a for user bob");
  EXPECT_EQ(apply(s, user_op(Op::update_user, "bob", "", std::nullopt, {}, {"z"})).error,
            "auth: Revoking ungranted role z for user bob");
  EXPECT_EQ(apply(s, user_op(Op::update_user, "nobody", "", std::nullopt, {"a"})).status, 404u);
  // A failed change changes nothing.
  EXPECT_EQ(user_json(*s.user("bob")), R"({"user":"bob","roles":["a","b"]})");
}

TEST(AuthStateTest, EnableNeedsRootAndMakesTheGuestRole) {
  AuthState s;
  AuthRequest enable;
  enable.op = Op::enable;
  EXPECT_EQ(apply(s, enable).error, "auth: No root user available, please create one");
  apply(s, user_op(Op::create_user, "root", "h", std::vector<std::string>{"x"}));
  EXPECT_TRUE(apply(s, enable).error.empty());
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(role_json(*s.role("guest")),
            R"({"role":"guest","permissions":{"kv":{"read":["/*"],"write":["/*"]}}})");
  EXPECT_EQ(apply(s, enable).error, "auth: already enabled");
  AuthRequest del;
  del.op = Op::delete_user;
  del.name = "root";
  EXPECT_EQ(apply(s, del).status, 403u);
}

TEST(AuthStateTest, RolePermissionsMatchPrefixesOnlyWithAStar) {
  Role r{"r", Permissions{{{"/a/*", "/b"}}, {{"/w/*"}}}, {}, {}};
  EXPECT_TRUE(r.allows("/a/x", false, false));
  EXPECT_TRUE(r.allows("/a/x", false, true));
  EXPECT_TRUE(r.allows("/b", false, false));
  EXPECT_FALSE(r.allows("/b", false, true));  // recursive access needs a "*" pattern
  EXPECT_FALSE(r.allows("/b/c", false, false));
  EXPECT_FALSE(r.allows("/a/x", true, false));
  EXPECT_TRUE(r.allows("/w/", true, true));
  EXPECT_FALSE(r.allows("", false, false));
  Role root = *AuthState{}.role("root");
  EXPECT_TRUE(root.allows("", true, true));
  Role empty_pattern{"e", Permissions{{{""}}, std::nullopt}, {}, {}};
  EXPECT_FALSE(empty_pattern.allows("/x", false, false));
}

TEST(AuthStateTest, RoleGrantsAndRevokes) {
  AuthState s;
  AuthRequest create;
  create.op = Op::create_role;
  create.role.role = "r";
  create.role.permissions.read = std::vector<std::string>{"/a"};
  EXPECT_EQ(apply(s, create).status, 201u);
  EXPECT_EQ(apply(s, create).error, "auth: Role r already exists.");
  AuthRequest update;
  update.op = Op::update_role;
  update.role.role = "r";
  update.role.grant = Permissions{std::nullopt, {{"/w"}}};
  Outcome out = apply(s, update);
  EXPECT_EQ(role_json(*out.role),
            R"({"role":"r","permissions":{"kv":{"read":["/a"],"write":["/w"]}}})");
  EXPECT_EQ(apply(s, update).error, "auth: Granting duplicate write permission /w");
  update.role.grant.reset();
  update.role.revoke = Permissions{{{"/nope"}}, std::nullopt};
  EXPECT_EQ(apply(s, update).error, "auth: Role not updated. Use grant/revoke to update the role.");
  create.role.role = "root";
  EXPECT_EQ(apply(s, create).status, 403u);
}

TEST(AuthJsonTest, DecodesAsGoDoes) {
  auto u = decode_user_change(R"({"USER":"bob","Password":"x","roles":null,"grant":["a"]} junk)");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "bob");
  EXPECT_EQ(u->password, "x");
  EXPECT_FALSE(u->roles);
  EXPECT_EQ(u->grant, std::vector<std::string>{"a"});
  EXPECT_TRUE(decode_user_change("null"));
  EXPECT_FALSE(decode_user_change(""));
  EXPECT_FALSE(decode_user_change("{"));
  EXPECT_FALSE(decode_user_change("[]"));
  EXPECT_FALSE(decode_user_change(R"({"user":5})"));
  EXPECT_FALSE(decode_user_change(R"({"roles":[1]})"));
  auto r = decode_role_change(R"({"role":"r","grant":{"kv":{"read":[]}},"permissions":null})");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->grant);
  EXPECT_TRUE(r->grant->empty());
  EXPECT_FALSE(decode_role_change(R"({"permissions":{"kv":5}})"));
}

TEST(AuthJsonTest, RequestsAndStateRoundTrip) {
  AuthRequest r =
      user_op(Op::update_user, "bob", "$2a$10$x", std::vector<std::string>{}, {"a"}, {"b"});
  r.role.role = "q";
  r.role.grant = Permissions{{{"/x"}}, std::nullopt};
  std::string error;
  auto back = decode_request(encode_request(r), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, r);
  AuthState s;
  s.enabled = true;
  s.users["bob"] = User{"bob", "$2a$10$y", std::nullopt};
  s.roles["q"] = Role{"q", Permissions{std::vector<std::string>{}, {{"/w"}}}, Permissions{}, {}};
  auto state = decode_state(encode_state(s), error);
  ASSERT_TRUE(state) << error;
  EXPECT_EQ(*state, s);
  EXPECT_FALSE(decode_state("{}", error));
  EXPECT_FALSE(decode_request(R"({"op":99})", error));
}

TEST(AuthEntryTest, ReplicatedEntryRoundTrips) {
  server::Entry e;
  e.index = 7;
  e.term = 2;
  e.request_id = 9;
  e.kind = user_op(Op::create_user, "carl", "$2a$10$z", std::vector<std::string>{"r"});
  std::string error;
  auto back = server::decode_entry(server::encode_entry(e), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, e);
  server::ServerState state;
  auto result = server::apply_entry(state, e);
  ASSERT_TRUE(result.auth);
  EXPECT_EQ(result.auth->status, 200u);
  EXPECT_TRUE(state.auth.users.contains("carl"));
}

TEST(CredentialsTest, BasicAuthAsGoReadsIt) {
  auto c = parse_basic_auth(basic_auth_header("bob", "p:w"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, "bob");
  EXPECT_EQ(c->second, "p:w");
  EXPECT_TRUE(parse_basic_auth("bAsIc Ym9iOng="));  // bob:x
  EXPECT_FALSE(parse_basic_auth("Basic Ym9iOng"));  // unpadded
  EXPECT_FALSE(parse_basic_auth("Basic Ym9i"));     // no colon
  EXPECT_FALSE(parse_basic_auth("Basic !!!!"));
  EXPECT_FALSE(parse_basic_auth("Bearer Ym9iOng="));
  EXPECT_FALSE(parse_basic_auth(""));
  EXPECT_EQ(parse_basic_auth("Basic Og==")->first, "");  // ":"
}

TEST(CredentialsTest, BcryptHashesAndTheCheckerRemembersSuccessesOnly) {
  std::string hash = hash_password("secret");
  ASSERT_TRUE(hash.starts_with("$2a$10$")) << hash;
  EXPECT_EQ(hash.size(), 60u);
  EXPECT_NE(hash_password("secret"), hash);  // salted
  EXPECT_TRUE(password_matches(hash, "secret"));
  EXPECT_FALSE(password_matches(hash, "Secret"));
  EXPECT_FALSE(password_matches("not a hash", "secret"));
  // A hash made by Go's bcrypt (etcd 3.4) for "pw".
  EXPECT_TRUE(
      password_matches("$2a$10$Xkh5nI9GKlWhgy9s8ttFleZUwIC23FEcdF1XjB8MfnxttdmzUhDI6", "pw"));
  PasswordChecker checker(2);
  EXPECT_FALSE(checker.remembered(hash, "secret"));
  EXPECT_TRUE(checker.matches(hash, "secret"));
  EXPECT_TRUE(checker.remembered(hash, "secret"));
  checker.remember("other-hash", "x");
  EXPECT_TRUE(checker.remembered("other-hash", "x"));
  EXPECT_FALSE(checker.remembered("other-hash", "y"));
  EXPECT_TRUE(checker.matches(hash, "secret"));
  EXPECT_FALSE(checker.matches(hash, "wrong"));
  EXPECT_FALSE(checker.matches(hash_password("other"), "secret"));
}

}  // namespace
}  // namespace etcdpp::auth
