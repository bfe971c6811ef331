#include "auth/auth_json.h"

#include "base/json_string.h"

#include <boost/json.hpp>

#include <cctype>

namespace etcdpp::auth {

namespace json = boost::json;

namespace {

// Go's decoding into a struct field: a type mismatch fails the whole decode; null leaves the
// zero value.
class GoDecoder {
 public:
  bool ok = true;

  static bool same_name(std::string_view key, std::string_view field) {
    return key.size() == field.size() &&
           std::equal(key.begin(), key.end(), field.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  }

  void string(const json::value& v, std::string& out) {
    if (v.is_null()) return;
    if (!v.is_string()) {
      ok = false;
      return;
    }
    out.assign(v.get_string().data(), v.get_string().size());
  }

  void strings(const json::value& v, std::vector<std::string>& out) {
    StringList list;
    strings(v, list);
    out = list.value_or(std::vector<std::string>{});
  }

  void strings(const json::value& v, StringList& out) {
    if (v.is_null()) {
      out.reset();
      return;
    }
    if (!v.is_array()) {
      ok = false;
      return;
    }
    out.emplace();
    for (const auto& item : v.get_array()) {
      std::string s;
      string(item, s);
      out->push_back(std::move(s));
    }
  }

  void permissions(const json::value& v, Permissions& out) {
    if (v.is_null()) return;
    if (!v.is_object()) {
      ok = false;
      return;
    }
    for (const auto& [key, kv] : v.get_object()) {
      if (!same_name(key, "kv")) continue;
      if (kv.is_null()) continue;
      if (!kv.is_object()) {
        ok = false;
        continue;
      }
      for (const auto& [name, list] : kv.get_object()) {
        if (same_name(name, "read")) strings(list, out.read);
        if (same_name(name, "write")) strings(list, out.write);
      }
    }
  }

  void permissions(const json::value& v, std::optional<Permissions>& out) {
    if (v.is_null()) {
      out.reset();
      return;
    }
    if (!out) out.emplace();
    permissions(v, *out);
  }
};

std::optional<json::value> parse_first_value(std::string_view body) {
  json::parse_options options;
  options.allow_invalid_utf8 = true;  // Go decodes such bytes as U+FFFD instead of failing
  json::parser parser(json::storage_ptr(), options);
  boost::system::error_code ec;
  parser.write_some(body.data(), body.size(), ec);
  if (ec) return std::nullopt;  // (write_some takes the text as complete)
  return parser.release();
}

void append_list(std::string& out, const StringList& list) {
  if (!list) {
    out += "null";
    return;
  }
  out += '[';
  for (size_t i = 0; i < list->size(); ++i) {
    if (i) out += ',';
    base::append_json_string(out, (*list)[i]);
  }
  out += ']';
}

void append_permissions(std::string& out, const Permissions& p) {
  out += "{\"kv\":{\"read\":";
  append_list(out, p.read);
  out += ",\"write\":";
  append_list(out, p.write);
  out += "}}";
}

json::value list_value(const StringList& list) {
  if (!list) return nullptr;
  json::array a;
  for (const auto& s : *list) a.emplace_back(s);
  return a;
}

json::value permissions_value(const Permissions& p) {
  return json::object{{"read", list_value(p.read)}, {"write", list_value(p.write)}};
}

json::value optional_permissions_value(const std::optional<Permissions>& p) {
  return p ? permissions_value(*p) : json::value(nullptr);
}

// Reading back what this file wrote: strict (the bytes come from our own log and snapshots).
bool read_list(const json::value& v, StringList& out) {
  if (v.is_null()) {
    out.reset();
    return true;
  }
  if (!v.is_array()) return false;
  out.emplace();
  for (const auto& item : v.get_array()) {
    if (!item.is_string()) return false;
    out->emplace_back(item.get_string());
  }
  return true;
}

bool read_permissions(const json::value& v, Permissions& out) {
  const auto* o = v.if_object();
  return o && o->contains("read") && o->contains("write") && read_list(o->at("read"), out.read) &&
         read_list(o->at("write"), out.write);
}

bool read_optional_permissions(const json::object& o, std::string_view key,
                               std::optional<Permissions>& out) {
  const json::value* v = o.if_contains(key);
  if (!v || v->is_null()) {
    out.reset();
    return true;
  }
  out.emplace();
  return read_permissions(*v, *out);
}

json::value role_value(const Role& r) {
  return json::object{{"role", r.name},
                      {"kv", permissions_value(r.kv)},
                      {"grant", optional_permissions_value(r.grant)},
                      {"revoke", optional_permissions_value(r.revoke)}};
}

bool read_role(const json::value& v, Role& r) {
  const auto* o = v.if_object();
  if (!o || !o->contains("role") || !o->at("role").is_string() || !o->contains("kv")) return false;
  r.name = o->at("role").get_string();
  return read_permissions(o->at("kv"), r.kv) && read_optional_permissions(*o, "grant", r.grant) &&
         read_optional_permissions(*o, "revoke", r.revoke);
}

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::optional<UserChange> decode_user_change(std::string_view body) {
  auto v = parse_first_value(body);
  if (!v || !(v->is_object() || v->is_null())) return std::nullopt;
  UserChange out;
  GoDecoder d;
  if (v->is_object()) {
    for (const auto& [key, value] : v->get_object()) {
      if (GoDecoder::same_name(key, "user")) d.string(value, out.user);
      if (GoDecoder::same_name(key, "password")) d.string(value, out.password);
      if (GoDecoder::same_name(key, "roles")) d.strings(value, out.roles);
      if (GoDecoder::same_name(key, "grant")) d.strings(value, out.grant);
      if (GoDecoder::same_name(key, "revoke")) d.strings(value, out.revoke);
    }
  }
  if (!d.ok) return std::nullopt;
  return out;
}

std::optional<RoleChange> decode_role_change(std::string_view body) {
  auto v = parse_first_value(body);
  if (!v || !(v->is_object() || v->is_null())) return std::nullopt;
  RoleChange out;
  GoDecoder d;
  if (v->is_object()) {
    for (const auto& [key, value] : v->get_object()) {
      if (GoDecoder::same_name(key, "role")) d.string(value, out.role);
      if (GoDecoder::same_name(key, "permissions")) d.permissions(value, out.permissions);
      if (GoDecoder::same_name(key, "grant")) d.permissions(value, out.grant);
      if (GoDecoder::same_name(key, "revoke")) d.permissions(value, out.revoke);
    }
  }
  if (!d.ok) return std::nullopt;
  return out;
}

std::string role_json(const Role& role) {
  std::string out = "{\"role\":";
  base::append_json_string(out, role.name);
  out += ",\"permissions\":";
  append_permissions(out, role.kv);
  if (role.grant) {
    out += ",\"grant\":";
    append_permissions(out, *role.grant);
  }
  if (role.revoke) {
    out += ",\"revoke\":";
    append_permissions(out, *role.revoke);
  }
  out += '}';
  return out;
}

std::string user_json(const User& user) {
  std::string out = "{\"user\":";
  base::append_json_string(out, user.name);
  out += ",\"roles\":";
  append_list(out, user.roles);
  out += '}';
  return out;
}

std::string encode_request(const AuthRequest& r) {
  json::array grant, revoke;
  for (const auto& g : r.user.grant) grant.emplace_back(g);
  for (const auto& g : r.user.revoke) revoke.emplace_back(g);
  json::object o{
      {"op", static_cast<int>(r.op)},
      {"name", r.name},
      {"user", json::object{{"user", r.user.user},
                            {"password", r.user.password},
                            {"roles", list_value(r.user.roles)},
                            {"grant", std::move(grant)},
                            {"revoke", std::move(revoke)}}},
      {"role", json::object{{"role", r.role.role},
                            {"kv", permissions_value(r.role.permissions)},
                            {"grant", optional_permissions_value(r.role.grant)},
                            {"revoke", optional_permissions_value(r.role.revoke)}}},
  };
  return json::serialize(o);
}

std::optional<AuthRequest> decode_request(std::string_view bytes, std::string& error) {
  error = "malformed auth change";
  boost::system::error_code ec;
  json::value v = json::parse(bytes, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (!o || !o->contains("op") || !o->at("op").is_int64()) return std::nullopt;
  int64_t op = o->at("op").get_int64();
  if (op < 0 || op > static_cast<int64_t>(AuthRequest::Op::disable)) return std::nullopt;
  AuthRequest r;
  r.op = static_cast<AuthRequest::Op>(op);
  r.name = text(*o, "name");
  const json::object* u = o->contains("user") ? o->at("user").if_object() : nullptr;
  const json::object* ro = o->contains("role") ? o->at("role").if_object() : nullptr;
  if (!u || !ro) return std::nullopt;
  r.user.user = text(*u, "user");
  r.user.password = text(*u, "password");
  StringList grant, revoke;
  if (!u->contains("roles") || !read_list(u->at("roles"), r.user.roles) || !u->contains("grant") ||
      !read_list(u->at("grant"), grant) || !u->contains("revoke") ||
      !read_list(u->at("revoke"), revoke)) {
    return std::nullopt;
  }
  r.user.grant = grant.value_or(std::vector<std::string>{});
  r.user.revoke = revoke.value_or(std::vector<std::string>{});
  r.role.role = text(*ro, "role");
  if (!ro->contains("kv") || !read_permissions(ro->at("kv"), r.role.permissions) ||
      !read_optional_permissions(*ro, "grant", r.role.grant) ||
      !read_optional_permissions(*ro, "revoke", r.role.revoke)) {
    return std::nullopt;
  }
  error.clear();
  return r;
}

std::string encode_state(const AuthState& state) {
  json::array users, roles;
  for (const auto& [name, u] : state.users) {
    users.push_back(json::object{
        {"user", u.name}, {"password", u.password_hash}, {"roles", list_value(u.roles)}});
  }
  for (const auto& [name, r] : state.roles) roles.push_back(role_value(r));
  return json::serialize(json::object{
      {"enabled", state.enabled}, {"users", std::move(users)}, {"roles", std::move(roles)}});
}

std::optional<AuthState> decode_state(std::string_view bytes, std::string& error) {
  error = "malformed authentication state";
  boost::system::error_code ec;
  json::value v = json::parse(bytes, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (!o || !o->contains("enabled") || !o->at("enabled").is_bool() || !o->contains("users") ||
      !o->at("users").is_array() || !o->contains("roles") || !o->at("roles").is_array()) {
    return std::nullopt;
  }
  AuthState state;
  state.enabled = o->at("enabled").get_bool();
  for (const auto& item : o->at("users").get_array()) {
    const auto* u = item.if_object();
    if (!u || !u->contains("roles")) return std::nullopt;
    User user{text(*u, "user"), text(*u, "password"), {}};
    if (!read_list(u->at("roles"), user.roles)) return std::nullopt;
    state.users[user.name] = std::move(user);
  }
  for (const auto& item : o->at("roles").get_array()) {
    Role role;
    if (!read_role(item, role)) return std::nullopt;
    state.roles[role.name] = std::move(role);
  }
  error.clear();
  return state;
}

}  // namespace etcdpp::auth
