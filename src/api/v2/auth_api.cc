#include "api/v2/auth_api.h"

#include "auth/auth_json.h"
#include "base/json_string.h"
#include "base/log.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace etcdpp::api::v2 {

namespace {

constexpr std::string_view kPrefix = "/v2/auth";

bool is_read(std::string_view method) { return method == "GET" || method == "HEAD"; }

// Go's allowMethod: 405 with the Allow header unless `method` is one of `allowed`.
std::optional<Reply> refuse_method(std::string_view method,
                                   std::initializer_list<std::string_view> allowed,
                                   std::string_view allow_header) {
  if (std::find(allowed.begin(), allowed.end(), method) != allowed.end()) return std::nullopt;
  Reply r = text_error(405, "Method Not Allowed");
  r.set("Allow", std::string(allow_header));
  return r;
}

}  // namespace

Reply AuthApi::unauthorized() { return http_error(401, "Insufficient credentials"); }

Reply AuthApi::with_cluster_id(Reply r) const {
  r.set("X-Etcd-Cluster-Id", server::id_hex(member_.cluster_id()));
  return r;
}

bool AuthApi::needs_password_check(Caller& caller) const {
  if (!member_.auth().enabled || caller.authorization.empty()) return false;
  auto credentials = auth::parse_basic_auth(caller.authorization);
  if (!credentials) return false;
  auto user = member_.auth().user(credentials->first);
  if (!user) return false;
  if (!passwords_.remembered(user->password_hash, credentials->second)) return true;
  caller.matched_hash = user->password_hash;
  return false;
}

boost::asio::awaitable<std::string> AuthApi::check_password(std::string_view authorization) {
  auto credentials = auth::parse_basic_auth(authorization);
  auto user = credentials ? member_.auth().user(credentials->first) : std::nullopt;
  if (!user) co_return std::string();
  std::string hash = user->password_hash;
  std::string password = credentials->second;
  if (checks_waiting_ >= kMaxPasswordChecksWaiting) {
    ETCDPP_LOG_WARN("auth: {} password checks are waiting; refusing user {} without a check",
                    checks_waiting_, credentials->first);
    co_return hash;
  }
  if (!checker_) checker_ = std::make_unique<boost::asio::thread_pool>(1);
  ++checks_waiting_;
  // On the checker thread: copies only. The answer resumes this coroutine on the event loop.
  auto check = [hash, password]() -> boost::asio::awaitable<bool> {
    co_return auth::password_matches(hash, password);
  };
  bool matched = co_await boost::asio::co_spawn(checker_->get_executor(), std::move(check),
                                                boost::asio::use_awaitable);
  --checks_waiting_;
  if (matched) passwords_.remember(hash, password);
  co_return matched ? std::string() : hash;
}

std::optional<auth::User> AuthApi::authenticate(const Caller& caller) {
  auto credentials = auth::parse_basic_auth(caller.authorization);
  if (!credentials) {
    ETCDPP_LOG_WARN("auth: malformed basic auth encoding");
    return std::nullopt;
  }
  auto user = member_.auth().user(credentials->first);
  if (!user) return std::nullopt;
  const std::string& hash = user->password_hash;
  if (!caller.matched_hash.empty() && caller.matched_hash == hash) return user;
  bool rejected = !caller.rejected_hash.empty() && caller.rejected_hash == hash;
  if (rejected || !passwords_.matches(hash, credentials->second)) {
    ETCDPP_LOG_WARN("auth: incorrect password for user: {}", credentials->first);
    return std::nullopt;
  }
  return user;
}

std::optional<auth::User> AuthApi::certificate_user(const Caller& caller) const {
  for (const auto& name : caller.certificate_names) {
    if (auto user = member_.auth().user(name)) return user;
  }
  return std::nullopt;
}

bool AuthApi::root_access(const Caller& caller) {
  if (!member_.auth().enabled) return true;
  auto user = caller.authorization.empty() && !caller.certificate_names.empty()
                  ? certificate_user(caller)
                  : authenticate(caller);
  if (!user) return false;
  return user->roles &&
         std::find(user->roles->begin(), user->roles->end(), auth::kRootRole) != user->roles->end();
}

bool AuthApi::write_root_access(std::string_view method, const Caller& caller) {
  return is_read(method) || root_access(caller);
}

bool AuthApi::key_access(std::string_view method, const Caller& caller, std::string_view key,
                         bool recursive) {
  const auth::AuthState& state = member_.auth();
  if (!state.enabled) return true;
  bool write = !is_read(method);
  std::optional<auth::User> user;
  if (caller.authorization.empty()) {
    user = certificate_user(caller);
    if (!user) {
      // The guest role, checked for the key itself even when the request is recursive (etcd).
      auto guest = state.role(auth::kGuestRole);
      return guest && guest->allows(key, write, false);
    }
  } else {
    user = authenticate(caller);
  }
  if (!user || !user->roles) return false;
  for (const auto& name : *user->roles) {
    auto role = state.role(name);
    if (role && role->allows(key, write, recursive)) return true;
  }
  ETCDPP_LOG_WARN("auth: invalid access for user {} on key {}", user->name, key);
  return false;
}

void AuthApi::handle(std::string_view method, std::string_view path, const Caller& caller,
                     std::string_view body, std::function<void(Reply)> done) {
  auto reply = answer(method, path, caller, body, done);
  if (reply) done(std::move(*reply));
}

std::optional<Reply> AuthApi::answer(std::string_view method, std::string_view path,
                                     const Caller& caller, std::string_view body,
                                     const std::function<void(Reply)>& done) {
  std::string_view sub = path.substr(kPrefix.size());
  if (sub == "/enable") {
    if (auto r = refuse_method(method, {"GET", "PUT", "DELETE"}, "GET,PUT,DELETE")) return r;
    if (!write_root_access(method, caller)) return unauthorized();
    if (method == "GET") return enabled();
    auth::AuthRequest change;
    change.op = method == "PUT" ? auth::AuthRequest::Op::enable : auth::AuthRequest::Op::disable;
    propose(
        std::move(change), [](auth::Outcome&) { return json_reply(200, ""); }, done);
    return std::nullopt;
  }
  bool is_users = sub == "/users" || sub.starts_with("/users/");
  bool is_roles = sub == "/roles" || sub.starts_with("/roles/");
  if (!is_users && !is_roles) return text_error(404, "404 page not found");
  // Go's handlers split path.Clean(sub) at '/': "", "users"[, name]; more is an invalid path.
  std::string_view rest = sub.substr(std::string_view("/users").size());
  if (!rest.empty()) rest.remove_prefix(1);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) return http_error(400, "Invalid path");
  if (rest.empty()) {
    if (auto r = refuse_method(method, {"GET"}, "GET")) return r;
    if (!root_access(caller)) return unauthorized();
    return is_users ? list_users() : list_roles();
  }
  if (auto r = refuse_method(method, {"GET", "PUT", "DELETE"}, "GET,PUT,DELETE")) return r;
  if (!root_access(caller)) return unauthorized();
  return is_users ? users(method, rest, body, done) : roles(method, rest, body, done);
}

Reply AuthApi::enabled() const {
  return with_cluster_id(
      json_reply(200, member_.auth().enabled ? "{\"enabled\":true}\n" : "{\"enabled\":false}\n"));
}

Reply AuthApi::list_users() const {
  const auth::AuthState& state = member_.auth();
  std::string body = "{\"users\":";
  if (state.users.empty()) {
    body += "null";
  } else {
    body += '[';
    bool first = true;
    for (const auto& [name, stored] : state.users) {  // sorted by name, as etcd lists them
      auth::User user = *state.user(name);
      body += first ? "" : ",";
      first = false;
      body += "{\"user\":";
      base::append_json_string(body, user.name);
      std::string roles;
      for (const auto& role_name : user.roles.value_or(std::vector<std::string>{})) {
        // A role that no longer exists is left out of the list (etcd).
        if (auto role = state.role(role_name)) {
          roles += roles.empty() ? "" : ",";
          roles += auth::role_json(*role);
        }
      }
      if (!roles.empty()) body += ",\"roles\":[" + roles + "]";
      body += '}';
    }
    body += ']';
  }
  body += "}\n";
  return with_cluster_id(json_reply(200, std::move(body)));
}

Reply AuthApi::list_roles() const {
  const auth::AuthState& state = member_.auth();
  std::string body = "{\"roles\":[";
  bool first = true;
  for (const auto& name : state.role_names()) {
    body += first ? "" : ",";
    first = false;
    body += auth::role_json(*state.role(name));
  }
  body += "]}\n";
  return with_cluster_id(json_reply(200, std::move(body)));
}

std::optional<Reply> AuthApi::users(std::string_view method, std::string_view name,
                                    std::string_view body, const std::function<void(Reply)>& done) {
  const auth::AuthState& state = member_.auth();
  if (method == "GET") {
    auto user = state.user(name);
    if (!user) {
      return with_cluster_id(
          http_error(404, "auth: User " + std::string(name) + " does not exist."));
    }
    std::string roles;
    for (const auto& role_name : user->roles.value_or(std::vector<std::string>{})) {
      auto role = state.role(role_name);
      if (!role) {
        return with_cluster_id(http_error(404, "auth: Role " + role_name + " does not exist."));
      }
      roles += roles.empty() ? "" : ",";
      roles += auth::role_json(*role);
    }
    std::string out = "{\"user\":";
    base::append_json_string(out, user->name);
    if (!roles.empty()) out += ",\"roles\":[" + roles + "]";
    out += "}\n";
    return with_cluster_id(json_reply(200, std::move(out)));
  }
  auth::AuthRequest change;
  if (method == "DELETE") {
    change.op = auth::AuthRequest::Op::delete_user;
    change.name = std::string(name);
    propose(
        std::move(change), [](auth::Outcome&) { return json_reply(200, ""); }, done);
    return std::nullopt;
  }
  auto in = auth::decode_user_change(body);
  if (!in) return with_cluster_id(http_error(400, "Invalid JSON in request body."));
  if (in->user != name) {
    return with_cluster_id(http_error(400, "User JSON name does not match the name in the URL"));
  }
  bool has_roles = in->roles && !in->roles->empty();
  if (in->grant.empty() && in->revoke.empty()) {
    // With roles: a new user. Without: a new user, or a new password for an existing one.
    change.op = has_roles ? auth::AuthRequest::Op::create_user
                          : auth::AuthRequest::Op::create_or_update_user;
  } else {
    if (has_roles) {
      return with_cluster_id(http_error(400, "User JSON contains both roles and grant/revoke"));
    }
    change.op = auth::AuthRequest::Op::update_user;
  }
  if (!in->password.empty()) {
    // Hashed here, once: every member applies the same hash.
    in->password = auth::hash_password(in->password);
    if (in->password.empty()) {
      ETCDPP_LOG_ERROR("auth: the system's crypt library cannot make a bcrypt hash");
      return with_cluster_id(http_error(500, "Internal Server Error"));
    }
  }
  change.user = std::move(*in);
  propose(
      std::move(change),
      [](auth::Outcome& out) { return json_reply(out.status, auth::user_json(*out.user) + "\n"); },
      done);
  return std::nullopt;
}

std::optional<Reply> AuthApi::roles(std::string_view method, std::string_view name,
                                    std::string_view body, const std::function<void(Reply)>& done) {
  if (method == "GET") {
    auto role = member_.auth().role(name);
    if (!role) {
      return with_cluster_id(
          http_error(404, "auth: Role " + std::string(name) + " does not exist."));
    }
    return with_cluster_id(json_reply(200, auth::role_json(*role) + "\n"));
  }
  auth::AuthRequest change;
  if (method == "DELETE") {
    change.op = auth::AuthRequest::Op::delete_role;
    change.name = std::string(name);
    propose(
        std::move(change), [](auth::Outcome&) { return json_reply(200, ""); }, done);
    return std::nullopt;
  }
  auto in = auth::decode_role_change(body);
  if (!in) return with_cluster_id(http_error(400, "Invalid JSON in request body."));
  if (in->role != name) {
    return with_cluster_id(http_error(400, "Role JSON name does not match the name in the URL"));
  }
  bool grant_empty = !in->grant || in->grant->empty();
  bool revoke_empty = !in->revoke || in->revoke->empty();
  if (grant_empty && revoke_empty) {
    change.op = auth::AuthRequest::Op::create_role;
  } else {
    if (!in->permissions.empty()) {
      return with_cluster_id(
          http_error(400, "Role JSON contains both permissions and grant/revoke"));
    }
    change.op = auth::AuthRequest::Op::update_role;
  }
  change.role = std::move(*in);
  propose(
      std::move(change),
      [](auth::Outcome& out) { return json_reply(out.status, auth::role_json(*out.role) + "\n"); },
      done);
  return std::nullopt;
}

void AuthApi::propose(auth::AuthRequest change, std::function<Reply(auth::Outcome&)> render,
                      const std::function<void(Reply)>& done) {
  member_.propose_auth(
      std::move(change), [this, render = std::move(render), done](auth::Outcome out) {
        Reply r = out.error.empty() ? render(out) : http_error(out.status, out.error);
        done(with_cluster_id(std::move(r)));
      });
}

}  // namespace etcdpp::api::v2
