#pragma once
// etcd's v2 authentication data (users, roles, whether auth is enabled) and the changes to it,
// applied as committed log entries: deterministic, pure (no I/O, no clock, no hashing; a
// password arrives here already hashed by the member that took the request).
//
// Semantics and messages are etcd 3.4's v2auth store. Where Go distinguishes a nil list from
// an empty one (JSON null versus []), so does StringList: clients see the difference in the
// answers (a new user's "roles":null, [] after an update).
//
// Difference from etcd, on purpose: etcd keeps these records in its v2 key space under a
// hidden prefix, so each change also consumes an etcd index; here they are separate
// replicated state, and X-Etcd-Index moves only with changes of keys.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::auth {

// A Go []string: nullopt is nil (JSON null), an empty vector is [] .
using StringList = std::optional<std::vector<std::string>>;

inline constexpr std::string_view kRootRole = "root";
inline constexpr std::string_view kGuestRole = "guest";
inline constexpr std::string_view kRootUser = "root";

// Key patterns a role may read and write: "/a/b" (that key) or "/a/*" (every key starting
// with "/a/").
struct Permissions {
  StringList read;
  StringList write;
  // Go's Permissions.IsEmpty: neither list has an entry.
  bool empty() const;
  bool operator==(const Permissions&) const = default;
};

struct Role {
  std::string name;
  Permissions kv;
  // Kept as given when a role is created with empty grant/revoke objects (etcd stores and
  // echoes them).
  std::optional<Permissions> grant;
  std::optional<Permissions> revoke;
  bool operator==(const Role&) const = default;

  // Whether this role may read (write) `key` itself; `recursive`: everything under it (only
  // "…*" patterns give that). The root role may do everything.
  bool allows(std::string_view key, bool write, bool recursive) const;
};

struct User {
  std::string name;
  std::string password_hash;  // bcrypt
  StringList roles;
  bool operator==(const User&) const = default;
};

struct AuthState {
  bool enabled = false;
  std::map<std::string, User, std::less<>> users;
  std::map<std::string, Role, std::less<>> roles;  // never "root": that role is built in
  bool operator==(const AuthState&) const = default;

  // etcd's GetUser: the root user always has the root role.
  std::optional<User> user(std::string_view name) const;
  // etcd's GetRole: "root" is the built-in role.
  std::optional<Role> role(std::string_view name) const;
  // Every role name, "root" included, sorted.
  std::vector<std::string> role_names() const;
};

// The body of PUT /v2/auth/users/<name>, as Go decodes it.
struct UserChange {
  std::string user;
  std::string password;  // in a replicated request: the bcrypt hash (empty: unchanged)
  StringList roles;
  std::vector<std::string> grant;
  std::vector<std::string> revoke;
  bool operator==(const UserChange&) const = default;
};

// The body of PUT /v2/auth/roles/<name>, as Go decodes it.
struct RoleChange {
  std::string role;
  Permissions permissions;
  std::optional<Permissions> grant;
  std::optional<Permissions> revoke;
  bool operator==(const RoleChange&) const = default;
};

// One change, replicated through the log.
struct AuthRequest {
  enum class Op {
    create_user,            // PUT of a user with roles
    create_or_update_user,  // PUT of a user without roles, grants or revokes
    update_user,            // PUT with grant or revoke
    delete_user,
    create_role,  // PUT of a role without grant or revoke
    update_role,  // PUT with grant or revoke
    delete_role,
    enable,
    disable,
  };
  Op op = Op::enable;
  UserChange user;   // the user ops
  RoleChange role;   // the role ops
  std::string name;  // delete_user, delete_role
  bool operator==(const AuthRequest&) const = default;
};

// What applying a change gives the client.
struct Outcome {
  unsigned status = 200;     // 200, 201 or an error status
  std::string error;         // etcd's message ("auth: …"); empty on success
  std::optional<User> user;  // the user answered (password hash included: the API drops it)
  std::optional<Role> role;  // the role answered
};

Outcome apply(AuthState& state, const AuthRequest& request);

}  // namespace etcdpp::auth
