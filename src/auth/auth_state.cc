#include "auth/auth_state.h"

#include <algorithm>
#include <set>

namespace etcdpp::auth {

namespace {

bool has_entries(const StringList& list) { return list && !list->empty(); }

// Go's simpleMatch / prefixMatch. (A pattern "" made etcd panic; here it matches nothing.)
bool matches(std::string_view pattern, std::string_view key, bool recursive) {
  if (pattern.empty()) return false;
  if (pattern.back() == '*') return key.starts_with(pattern.substr(0, pattern.size() - 1));
  return !recursive && key == pattern;
}

Outcome failure(unsigned status, std::string message) {
  Outcome out;
  out.status = status;
  out.error = "auth: " + std::move(message);
  return out;
}

// etcd's set operations return a sorted, non-nil list (JSON [] when empty).
std::vector<std::string> sorted(const std::set<std::string>& s) { return {s.begin(), s.end()}; }

std::set<std::string> as_set(const StringList& list) {
  return list ? std::set<std::string>(list->begin(), list->end()) : std::set<std::string>{};
}

const Role& root_role() {
  static const Role role{std::string(kRootRole), Permissions{{{"/*"}}, {{"/*"}}}, {}, {}};
  return role;
}

Role guest_role() { return Role{std::string(kGuestRole), Permissions{{{"/*"}}, {{"/*"}}}, {}, {}}; }

void attach_root_role(User& user) {
  if (!user.roles) user.roles.emplace();
  if (std::find(user.roles->begin(), user.roles->end(), kRootRole) == user.roles->end()) {
    user.roles->emplace_back(kRootRole);
  }
}

Outcome create_user(AuthState& state, UserChange change) {
  User user{change.user, change.password, std::move(change.roles)};
  if (user.name == kRootUser) attach_root_role(user);
  if (user.password_hash.empty()) {
    return failure(400, "Cannot create user " + user.name + " with an empty password");
  }
  if (state.users.contains(user.name)) {
    return failure(409, "User " + user.name + " already exists.");
  }
  state.users[user.name] = user;
  Outcome out;
  out.user = std::move(user);
  return out;
}

Outcome update_user(AuthState& state, const UserChange& change) {
  auto old = state.user(change.user);
  if (!old) return failure(404, "User " + change.user + " does not exist.");
  User updated{old->name, change.password.empty() ? old->password_hash : change.password, {}};
  std::set<std::string> roles = as_set(old->roles);
  for (const auto& g : change.grant) {
    if (!roles.insert(g).second) {
      return failure(409, "Granting duplicate role " + g + " for user " + change.user);
    }
  }
  for (const auto& r : change.revoke) {
    if (roles.erase(r) == 0) {
      return failure(409, "Revoking ungranted role " + r + " for user " + change.user);
    }
  }
  updated.roles = sorted(roles);
  if (updated == *old) {
    return failure(400, "User not updated. Use grant/revoke/password to update the user.");
  }
  state.users[updated.name] = updated;
  Outcome out;
  out.user = std::move(updated);
  return out;
}

// RWPermission.Grant / Revoke: the lists become sorted sets.
std::optional<Outcome> grant(Permissions& p, const Permissions& add) {
  auto read = as_set(p.read);
  for (const auto& r : add.read.value_or(std::vector<std::string>{})) {
    if (!read.insert(r).second) return failure(409, "Granting duplicate read permission " + r);
  }
  auto write = as_set(p.write);
  for (const auto& w : add.write.value_or(std::vector<std::string>{})) {
    if (!write.insert(w).second) return failure(409, "Granting duplicate write permission " + w);
  }
  p.read = sorted(read);
  p.write = sorted(write);
  return std::nullopt;
}

void revoke(Permissions& p, const Permissions& remove) {
  // (Revoking a permission the role does not have is not an error: etcd only logs it.)
  auto read = as_set(p.read);
  for (const auto& r : remove.read.value_or(std::vector<std::string>{})) read.erase(r);
  auto write = as_set(p.write);
  for (const auto& w : remove.write.value_or(std::vector<std::string>{})) write.erase(w);
  p.read = sorted(read);
  p.write = sorted(write);
}

Outcome create_role(AuthState& state, const RoleChange& change) {
  if (change.role == kRootRole) {
    return failure(403, "Cannot modify role " + change.role + ": is root role.");
  }
  if (state.roles.contains(change.role)) {
    return failure(409, "Role " + change.role + " already exists.");
  }
  Role role{change.role, change.permissions, change.grant, change.revoke};
  state.roles[role.name] = role;
  Outcome out;
  out.status = 201;
  out.role = std::move(role);
  return out;
}

Outcome update_role(AuthState& state, const RoleChange& change) {
  if (change.role == kRootRole) {
    return failure(403, "Cannot modify role " + change.role + ": is root role.");
  }
  auto it = state.roles.find(change.role);
  if (it == state.roles.end()) return failure(404, "Role " + change.role + " does not exist.");
  // The stored record without the grant/revoke it may have been created with.
  Role old{it->second.name, it->second.kv, {}, {}};
  Role updated = old;
  if (change.grant) {
    if (auto refused = grant(updated.kv, *change.grant)) return *refused;
  }
  if (change.revoke) revoke(updated.kv, *change.revoke);
  if (updated == old && !it->second.grant && !it->second.revoke) {
    return failure(400, "Role not updated. Use grant/revoke to update the role.");
  }
  it->second = updated;
  Outcome out;
  out.role = std::move(updated);
  return out;
}

}  // namespace

bool Permissions::empty() const { return !has_entries(read) && !has_entries(write); }

bool Role::allows(std::string_view key, bool write, bool recursive) const {
  if (name == kRootRole) return true;
  const StringList& list = write ? kv.write : kv.read;
  if (!list) return false;
  return std::any_of(list->begin(), list->end(),
                     [&](const std::string& p) { return matches(p, key, recursive); });
}

std::optional<User> AuthState::user(std::string_view name) const {
  auto it = users.find(name);
  if (it == users.end()) return std::nullopt;
  User u = it->second;
  if (u.name == kRootUser) attach_root_role(u);
  return u;
}

std::optional<Role> AuthState::role(std::string_view name) const {
  if (name == kRootRole) return root_role();
  auto it = roles.find(name);
  if (it == roles.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> AuthState::role_names() const {
  std::vector<std::string> names{std::string(kRootRole)};
  for (const auto& [name, role] : roles) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

Outcome apply(AuthState& state, const AuthRequest& request) {
  using Op = AuthRequest::Op;
  switch (request.op) {
    case Op::create_user: return create_user(state, request.user);
    case Op::create_or_update_user: {
      if (state.users.contains(request.user.user)) return update_user(state, request.user);
      Outcome out = create_user(state, request.user);
      if (out.error.empty()) out.status = 201;
      return out;
    }
    case Op::update_user: return update_user(state, request.user);
    case Op::delete_user: {
      if (state.enabled && request.name == kRootUser) {
        return failure(403, "Cannot delete root user while auth is enabled.");
      }
      if (state.users.erase(request.name) == 0) {
        return failure(404, "User " + request.name + " does not exist");
      }
      return {};
    }
    case Op::create_role: return create_role(state, request.role);
    case Op::update_role: return update_role(state, request.role);
    case Op::delete_role: {
      if (request.name == kRootRole) {
        return failure(403, "Cannot modify role " + request.name + ": is root role.");
      }
      if (state.roles.erase(request.name) == 0) {
        return failure(404, "Role " + request.name + " doesn't exist.");
      }
      return {};
    }
    case Op::enable: {
      if (state.enabled) return failure(409, "already enabled");
      if (!state.users.contains(kRootUser)) {
        return failure(409, "No root user available, please create one");
      }
      if (!state.roles.contains(kGuestRole)) {
        state.roles.emplace(std::string(kGuestRole), guest_role());
      }
      state.enabled = true;
      return {};
    }
    case Op::disable: {
      if (!state.enabled) return failure(409, "already disabled");
      state.enabled = false;
      return {};
    }
  }
  return failure(500, "unknown change");
}

}  // namespace etcdpp::auth
