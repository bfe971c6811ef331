#include "ctl/auth_commands.h"

#include "base/json_string.h"
#include "base/path.h"

#include <boost/json.hpp>

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace etcdpp::ctl {

namespace json = boost::json;

namespace {

constexpr std::string_view kJson = "application/json";

// The error of a non-2xx answer as etcd's Go client reports it: the body's "message" (an
// empty line when there is none), or the JSON decoder's complaint when the body is not JSON.
std::string answer_error(const HttpAnswer& answer) {
  boost::system::error_code ec;
  auto v = json::parse(answer.body, ec);
  if (!ec) {
    if (const auto* o = v.if_object()) {
      if (const auto* m = o->if_contains("message"); m && m->is_string()) {
        return std::string(m->get_string());
      }
    }
    return "";
  }
  auto first = answer.body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "unexpected end of JSON input";
  bool number = std::isdigit(static_cast<unsigned char>(answer.body[first])) != 0;
  size_t at = number ? answer.body.find_first_not_of("0123456789", first) : first;
  if (at != std::string::npos && number) at = answer.body.find_first_not_of(" \t\r\n", at);
  if (at == std::string::npos) return "unexpected end of JSON input";
  return std::string("invalid character '") + answer.body[at] + "' " +
         (number ? "after top-level value" : "looking for beginning of value");
}

// One request; on failure prints what etcdctl prints and returns false with `code` set.
bool request(Context& ctx, std::string_view method, const std::string& target,
             const std::string& body, std::initializer_list<unsigned> ok_statuses,
             HttpAnswer& answer, int& code) {
  ClusterError cerr;
  if (!ctx.client.call(method, target, body, body.empty() ? "" : kJson, answer, cerr)) {
    std::cerr << cerr.message() << "\n";
    code = kExitError;
    return false;
  }
  for (unsigned s : ok_statuses) {
    if (answer.status == s) return true;
  }
  std::cerr << answer_error(answer) << "\n";
  code = kExitError;
  return false;
}

std::string path_segment(const std::string& name) { return url_escape(name, false); }

std::string quoted(std::string_view s) {
  std::string out;
  base::append_json_string(out, s);
  return out;
}

std::string string_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + quoted(items[i]);
  return out + "]";
}

std::vector<std::string> names_of(const json::value* list, std::string_view field) {
  std::vector<std::string> out;
  if (!list || !list->is_array()) return out;
  for (const auto& item : list->get_array()) {
    const auto* o = item.if_object();
    const json::value* name = o ? o->if_contains(field) : nullptr;
    out.push_back(name && name->is_string() ? std::string(name->get_string()) : std::string());
  }
  return out;
}

// pathutil.CanonicalURLPath: a leading "/", cleaned, a trailing "/" kept.
std::string canonical_url_path(std::string p) {
  if (p.empty()) return "/";
  if (p.front() != '/') p.insert(p.begin(), '/');
  std::string cleaned = base::clean_absolute_path(p);
  if (p.back() == '/' && cleaned != "/") cleaned += '/';
  return cleaned;
}

int list_names(Context& ctx, const CommandArgs& args, const std::string& target,
               std::string_view list_field, std::string_view name_field) {
  if (args.positional.size() > 1) {
    std::cerr << "No arguments accepted\n";
    return kExitError;
  }
  HttpAnswer answer;
  int code = kExitSuccess;
  if (!request(ctx, "GET", target, "", {200}, answer, code)) return code;
  boost::system::error_code ec;
  auto v = json::parse(answer.body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  for (const auto& name : names_of(o ? o->if_contains(list_field) : nullptr, name_field)) {
    std::cout << name << "\n";
  }
  return kExitSuccess;
}

}  // namespace

std::string ask_password(const std::string& prompt) {
  std::cout << prompt << std::flush;
  std::string line;
  termios saved{};
  bool terminal = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (terminal) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::getline(std::cin, line);
  if (terminal) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::cout << "\n" << std::flush;
  return line;
}

int run_user_command(const CommandArgs& args, Context& ctx) {
  const auto& pos = args.positional;
  std::string sub = pos.empty() ? "" : pos[0];
  if (sub == "list") return list_names(ctx, args, "/v2/auth/users", "users", "user");
  auto roles_it = args.lists.find("roles");
  std::vector<std::string> roles =
      roles_it == args.lists.end() ? std::vector<std::string>{} : roles_it->second;
  if ((sub == "grant" || sub == "revoke") && roles.empty()) {
    std::cerr << "No roles specified; please use `--roles`\n";
    return kExitError;
  }
  if (pos.size() != 2) {
    std::cerr << "Please provide a username\n";
    return kExitError;
  }
  const std::string& arg = pos[1];
  HttpAnswer answer;
  int code = kExitSuccess;
  if (sub == "add") {
    std::string user = arg.substr(0, arg.find(':'));
    std::string password = arg.find(':') == std::string::npos ? ask_password("New password: ")
                                                              : arg.substr(arg.find(':') + 1);
    std::string body = "{\"user\":" + quoted(user) +
                       (password.empty() ? "" : ",\"password\":" + quoted(password)) +
                       ",\"roles\":null}";
    if (!request(ctx, "PUT", "/v2/auth/users/" + path_segment(user), body, {200, 201}, answer,
                 code)) {
      return code;
    }
    std::cout << "User " << user << " created\n";
    return kExitSuccess;
  }
  std::string target = "/v2/auth/users/" + path_segment(arg);
  if (sub == "remove") {
    if (!request(ctx, "DELETE", target, "", {200, 201}, answer, code)) return code;
    std::cout << "User " << arg << " removed\n";
    return kExitSuccess;
  }
  if (sub == "passwd") {
    std::string password = ask_password("New password: ");
    std::string body = "{\"user\":" + quoted(arg) +
                       (password.empty() ? "" : ",\"password\":" + quoted(password)) +
                       ",\"roles\":null}";
    if (!request(ctx, "PUT", target, body, {200}, answer, code)) return code;
    std::cout << "Password updated\n";
    return kExitSuccess;
  }
  if (sub == "get") {
    if (!request(ctx, "GET", target, "", {200}, answer, code)) return code;
    boost::system::error_code ec;
    auto v = json::parse(answer.body, ec);
    const json::object* o = ec ? nullptr : v.if_object();
    const json::value* name = o ? o->if_contains("user") : nullptr;
    auto role_names = names_of(o ? o->if_contains("roles") : nullptr, "role");
    // etcdctl 3.4's client decodes the role objects into strings first (one empty name per
    // role), then appends their names: "Roles:  r1" for one role, "Roles:   r1 r2" for two.
    std::string line;
    for (size_t i = 0; i < role_names.size(); ++i) line += " ";
    for (size_t i = 0; i < role_names.size(); ++i) line += (i ? " " : "") + role_names[i];
    std::cout << "User: " << (name && name->is_string() ? std::string(name->get_string()) : "")
              << "\nRoles: " << line << "\n";
    return kExitSuccess;
  }
  // grant, revoke (etcdctl 3.4 sends them without reading the user first)
  std::string body =
      "{\"user\":" + quoted(arg) + ",\"roles\":null,\"" + sub + "\":" + string_list(roles) + "}";
  if (!request(ctx, "PUT", target, body, {200}, answer, code)) return code;
  std::cout << "User " << arg << " updated\n";
  return kExitSuccess;
}

int run_role_command(const CommandArgs& args, Context& ctx) {
  const auto& pos = args.positional;
  std::string sub = pos.empty() ? "" : pos[0];
  if (sub == "list") return list_names(ctx, args, "/v2/auth/roles", "roles", "role");
  std::string path;
  std::string kind;  // read, write, both
  if (sub == "grant" || sub == "revoke") {
    path = args.value("path");
    if (path.empty()) {
      std::cerr << "No path specified; please use `--path`\n";
      return kExitError;
    }
    if (canonical_url_path(path) != path) {
      std::cerr << "Not canonical path; please use `--path=" << canonical_url_path(path) << "`\n";
      return kExitError;
    }
    int given = (args.flag("read") ? 1 : 0) + (args.flag("write") ? 1 : 0) +
                (args.flag("readwrite") ? 1 : 0);
    if (given != 1) {
      std::cerr << "Please specify exactly one of --read, --write or --readwrite\n";
      return kExitError;
    }
    kind = args.flag("read") ? "read" : args.flag("write") ? "write" : "both";
  }
  if (pos.size() != 2) {
    std::cerr << "Please provide a role name\n";
    return kExitError;
  }
  const std::string& role = pos[1];
  std::string target = "/v2/auth/roles/" + path_segment(role);
  HttpAnswer answer;
  int code = kExitSuccess;
  std::string empty_permissions = ",\"permissions\":{\"kv\":{\"read\":null,\"write\":null}}";
  if (sub == "add") {
    ClusterError cerr;
    if (ctx.client.call("GET", target, "", "", answer, cerr) && answer.status == 200) {
      std::cerr << "Role " << role << " already exists\n";
      return kExitError;
    }
    std::string body = "{\"role\":" + quoted(role) + empty_permissions + "}";
    if (!request(ctx, "PUT", target, body, {200, 201}, answer, code)) return code;
    std::cout << "Role " << role << " created\n";
    return kExitSuccess;
  }
  if (sub == "remove") {
    if (!request(ctx, "DELETE", target, "", {200, 201}, answer, code)) return code;
    std::cout << "Role " << role << " removed\n";
    return kExitSuccess;
  }
  if (!request(ctx, "GET", target, "", {200}, answer, code)) return code;
  boost::system::error_code ec;
  auto current = json::parse(answer.body, ec);
  if (sub == "get") {
    const json::object* o = ec ? nullptr : current.if_object();
    auto text_of = [](const json::value* v) {
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    const json::object* kv = nullptr;
    if (o) {
      if (const auto* perms = o->if_contains("permissions"); perms && perms->is_object()) {
        if (const auto* k = perms->get_object().if_contains("kv"); k && k->is_object()) {
          kv = &k->get_object();
        }
      }
    }
    std::cout << "Role: " << text_of(o ? o->if_contains("role") : nullptr) << "\nKV Read:\n";
    for (const char* list : {"read", "write"}) {
      if (std::string_view(list) == "write") std::cout << "KV Write:\n";
      const json::value* v = kv ? kv->if_contains(list) : nullptr;
      if (!v || !v->is_array()) continue;
      for (const auto& item : v->get_array()) std::cout << "\t" << text_of(&item) << "\n";
    }
    return kExitSuccess;
  }
  // grant, revoke
  std::string one = string_list({path});
  std::string change = std::string("{\"kv\":{\"read\":") + (kind != "write" ? one : "null") +
                       ",\"write\":" + (kind != "read" ? one : "null") + "}}";
  std::string body =
      "{\"role\":" + quoted(role) + empty_permissions + ",\"" + sub + "\":" + change + "}";
  HttpAnswer updated;
  if (!request(ctx, "PUT", target, body, {200}, updated, code)) return code;
  boost::system::error_code ec2;
  auto after = json::parse(updated.body, ec2);
  if (!ec && !ec2 && after == current) {
    std::cout << (sub == "grant" ? "Role unchanged; already granted"
                                 : "Role unchanged; already revoked");
  }
  std::cout << "Role " << role << " updated\n";
  return kExitSuccess;
}

int run_auth_command(const CommandArgs& args, Context& ctx) {
  const auto& pos = args.positional;
  std::string sub = pos.empty() ? "" : pos[0];
  if (pos.size() != 1) {
    std::cerr << "No arguments accepted\n";
    return kExitError;
  }
  bool enable = sub == "enable";
  HttpAnswer answer;
  int code = kExitSuccess;
  if (!request(ctx, enable ? "PUT" : "DELETE", "/v2/auth/enable", "", {200, 201}, answer, code)) {
    return code;
  }
  std::cout << (enable ? "Authentication Enabled\n" : "Authentication Disabled\n");
  return kExitSuccess;
}

}  // namespace etcdpp::ctl
