#include "ctl/commands.h"

#include "ctl/help.h"
#include "ctl/key_output.h"

#include <algorithm>
#include <boost/json/parse.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <cstdlib>

#include <sys/wait.h>
#include <unistd.h>
#include <iostream>

namespace etcdpp::ctl {

namespace {

namespace json = boost::json;

constexpr std::string_view kForm = "application/x-www-form-urlencoded";

std::string keys_target(std::string key) {
  if (key.empty() || key.front() != '/') key.insert(key.begin(), '/');
  return "/v2/keys" + url_escape(key, true);
}

// Query parameters and form bodies as the Go client builds them (url.Values): a name set
// once, encoded sorted by name with QueryEscape (space as '+'). Same bytes as etcdctl on the
// wire and in --debug.
using Values = std::map<std::string, std::string>;

std::string encode(const Values& values) {
  std::string out;
  for (const auto& [name, value] : values) {
    out += out.empty() ? "" : "&";
    out += query_escape(name) + "=" + query_escape(value);
  }
  return out;
}

std::string bool_text(bool b) { return b ? "true" : "false"; }

int fail(const std::string& message, int code) {
  std::cerr << "Error:  " << message << "\n";
  return code;
}

int cluster_failure(const ClusterError& error) {
  std::cerr << "Error:  " << error.message() << "\n" << error.detail() << "\n";
  return kExitServerError;
}

// Sends a keys API request; prints the error and returns its exit status when it failed.
std::optional<KeyResponse> keys_call(Context& ctx, std::string_view method,
                                     const std::string& target, const Values& params,
                                     const Values& form, int& code) {
  HttpAnswer answer;
  ClusterError cerr;
  std::string query = encode(params);
  std::string full = query.empty() ? target : target + "?" + query;
  // PUT and POST carry a form body (possibly empty), as the Go client's set and create.
  bool with_form = method == "PUT" || method == "POST";
  if (!ctx.client.call(method, full, encode(form), with_form ? kForm : "", answer, cerr)) {
    code = cluster_failure(cerr);
    return std::nullopt;
  }
  uint64_t index = 0;
  if (!answer.etcd_index.empty()) index = std::strtoull(answer.etcd_index.c_str(), nullptr, 10);
  std::optional<KeyError> error;
  auto r = parse_key_response(answer.body, index, error);
  if (!r) {
    code = fail(error->text(), kExitServerError);
    return std::nullopt;
  }
  code = kExitSuccess;
  return r;
}

bool need(const CommandArgs& args, size_t n, const char* what, int& code) {
  if (args.positional.size() > n) return true;
  code = fail(what, kExitError);
  return false;
}

// A positive integer flag (ttl, index), or an usage error as urfave/cli reports it.
bool int_flag(const CommandArgs& args, const std::string& name, std::string& out, int& code) {
  out = args.value(name);
  if (out.empty()) return true;
  for (char c : out) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      // As urfave/cli: the complaint and the usage on stdout, the error on stderr.
      std::string message = "invalid value \"" + out + "\" for flag -" + name + ": parse error";
      std::cout << command_usage_page(args.command, message);
      std::cerr << message << "\n";
      code = kExitError;
      return false;
    }
  }
  if (out == "0") out.clear();
  return true;
}

int print_key(const KeyResponse& r, const Context& ctx) {
  std::cout << print_response_key(r, ctx.output);
  return kExitSuccess;
}

}  // namespace

const std::map<std::string, bool>* command_flags(const std::string& command) {
  static const std::map<std::string, std::map<std::string, bool>> table = {
      {"backup",
       {{"data-dir", false},
        {"wal-dir", false},
        {"backup-dir", false},
        {"backup-wal-dir", false},
        {"with-v3", true}}},
      {"get", {{"sort", true}, {"quorum", true}}},
      {"set", {{"ttl", false}, {"swap-with-value", false}, {"swap-with-index", false}}},
      {"mk", {{"ttl", false}, {"in-order", true}}},
      {"mkdir", {{"ttl", false}}},
      {"rm", {{"dir", true}, {"recursive", true}, {"with-value", false}, {"with-index", false}}},
      {"rmdir", {}},
      {"ls", {{"sort", true}, {"recursive", true}, {"p", true}, {"quorum", true}}},
      {"update", {{"ttl", false}}},
      {"updatedir", {{"ttl", false}}},
      {"setdir", {{"ttl", false}}},
      {"member", {}},
      {"user", {}},
      {"role", {}},
      {"auth", {}},
      // A subcommand's own flags ("<command> <subcommand>").
      {"user grant", {{"roles", false}}},
      {"user revoke", {{"roles", false}}},
      {"role grant", {{"path", false}, {"read", true}, {"write", true}, {"readwrite", true}}},
      {"role revoke", {{"path", false}, {"read", true}, {"write", true}, {"readwrite", true}}},
      {"cluster-health", {{"forever", true}}},
      {"watch", {{"forever", true}, {"after-index", false}, {"recursive", true}}},
      {"exec-watch", {{"after-index", false}, {"recursive", true}}},
  };
  auto it = table.find(command);
  return it == table.end() ? nullptr : &it->second;
}

std::string canonical_flag(const std::string& command, const std::string& name) {
  // etcdctl's one-letter aliases.
  static const std::map<std::pair<std::string, std::string>, std::string> aliases = {
      {{"get", "q"}, "quorum"},
      {{"ls", "q"}, "quorum"},
      {{"ls", "r"}, "recursive"},
      {{"rm", "r"}, "recursive"},
      {{"watch", "r"}, "recursive"},
      {{"exec-watch", "r"}, "recursive"},
      {{"watch", "f"}, "forever"},
      {{"cluster-health", "f"}, "forever"},
      {{"role grant", "rw"}, "readwrite"},
      {{"role revoke", "rw"}, "readwrite"},
  };
  auto it = aliases.find({command, name});
  return it == aliases.end() ? name : it->second;
}

int run_keys_command(const std::string& command, const CommandArgs& args, Context& ctx) {
  int code = kExitSuccess;
  std::string ttl;
  if (!int_flag(args, "ttl", ttl, code)) return code;
  const std::string& key = args.positional.empty() ? std::string("/") : args.positional[0];
  Values params;
  Values form;
  if (command == "get" || command == "ls") {
    if (command == "get" && !need(args, 0, "key required", code)) return code;
    // The Go client's get: all three parameters, always.
    params["quorum"] = bool_text(args.flag("quorum"));
    params["recursive"] = bool_text(command == "ls" && args.flag("recursive"));
    params["sorted"] = bool_text(args.flag("sort"));
    auto r = keys_call(ctx, "GET", keys_target(key), params, {}, code);
    if (!r) return code;
    if (command == "get") {
      if (r->node && r->node->dir) {
        std::cerr << r->node->key << ": is a directory\n";
        return kExitError;
      }
      return print_key(*r, ctx);
    }
    if (ctx.output != "simple") return print_key(*r, ctx);
    if (r->node && !r->node->dir) std::cout << r->node->key << "\n";
    if (r->node) std::cout << print_ls(*r->node, true, args.flag("p"));
    return kExitSuccess;
  }
  if (command == "set" || command == "mk" || command == "update") {
    if (!need(args, 0, "key required", code)) return code;
    // As etcdctl: a missing value is read from the standard input.
    std::string value;
    if (args.positional.size() > 1) {
      value = args.positional[1];
    } else {
      value.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      if (value.empty()) return fail("value required", kExitError);
    }
    form["value"] = value;
    if (!ttl.empty() && ttl != "0") form["ttl"] = ttl;
    std::string method = "PUT";
    if (command == "set") {
      std::string prev_index;
      if (!int_flag(args, "swap-with-index", prev_index, code)) return code;
      if (!args.value("swap-with-value").empty())
        params["prevValue"] = args.value("swap-with-value");
      if (!prev_index.empty() && prev_index != "0") params["prevIndex"] = prev_index;
    } else if (command == "update") {
      params["prevExist"] = "true";
    } else if (args.flag("in-order")) {
      method = "POST";
    } else {
      params["prevExist"] = "false";
    }
    auto r = keys_call(ctx, method, keys_target(key), params, form, code);
    return r ? print_key(*r, ctx) : code;
  }
  if (command == "mkdir" || command == "setdir" || command == "updatedir") {
    if (!need(args, 0, "key required", code)) return code;
    params["dir"] = "true";
    if (!ttl.empty() && ttl != "0") form["ttl"] = ttl;
    if (command == "mkdir") params["prevExist"] = "false";
    if (command == "updatedir") params["prevExist"] = "true";
    auto r = keys_call(ctx, "PUT", keys_target(key), params, form, code);
    if (!r) return code;
    if (ctx.output != "simple") print_key(*r, ctx);
    return kExitSuccess;
  }
  if (command == "rm" || command == "rmdir") {
    if (!need(args, 0, "key required", code)) return code;
    if (command == "rmdir" || args.flag("dir")) params["dir"] = "true";
    if (command == "rm") {
      std::string prev_index;
      if (!int_flag(args, "with-index", prev_index, code)) return code;
      if (args.flag("recursive")) params["recursive"] = "true";
      if (!args.value("with-value").empty()) params["prevValue"] = args.value("with-value");
      if (!prev_index.empty() && prev_index != "0") params["prevIndex"] = prev_index;
    }
    auto r = keys_call(ctx, "DELETE", keys_target(key), params, {}, code);
    if (!r) return code;
    bool was_dir = r->node && r->node->dir;
    if (ctx.output != "simple" || (command == "rm" && !was_dir)) print_key(*r, ctx);
    return kExitSuccess;
  }
  return fail("unknown command " + command, kExitError);
}

namespace {

struct MemberRow {
  std::string id;
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;
};

std::vector<std::string> strings_of(const json::object& o, std::string_view name) {
  std::vector<std::string> out;
  if (const auto* a = o.if_contains(name); a && a->is_array()) {
    for (const auto& v : a->as_array()) {
      if (v.is_string()) out.emplace_back(v.as_string());
    }
  }
  return out;
}

MemberRow parse_member(const json::object& o) {
  MemberRow m;
  if (const auto* v = o.if_contains("id"); v && v->is_string()) m.id = v->as_string();
  if (const auto* v = o.if_contains("name"); v && v->is_string()) m.name = v->as_string();
  m.peer_urls = strings_of(o, "peerURLs");
  m.client_urls = strings_of(o, "clientURLs");
  return m;
}

// The members API's error text as the Go client reports it: a status the call does not expect
// (`accepted`: those its assertStatusCode takes; a 401 while auth is enabled, for instance)
// is "unexpected status code N"; an expected error status gives the body's "message".
std::string members_error(const HttpAnswer& answer, std::initializer_list<unsigned> accepted) {
  if (std::find(accepted.begin(), accepted.end(), answer.status) == accepted.end()) {
    return "unexpected status code " + std::to_string(answer.status);
  }
  boost::system::error_code ec;
  auto v = json::parse(answer.body, ec);
  if (!ec && v.is_object()) {
    if (const auto* m = v.as_object().if_contains("message"); m && m->is_string()) {
      return std::string(m->as_string());
    }
  }
  return "unexpected status code " + std::to_string(answer.status);
}

// How a failed member listing is told: `member` commands print the error and exit 1;
// cluster-health says the cluster may be unhealthy and exits as etcdctl's handleError does.
enum class ListFailure { member_command, health_check };

bool list_members(Context& ctx, std::vector<MemberRow>& out, int& code,
                  ListFailure failure = ListFailure::member_command) {
  HttpAnswer answer;
  ClusterError cerr;
  if (!ctx.client.call("GET", "/v2/members", "", "", answer, cerr)) {
    if (failure == ListFailure::health_check) {
      std::cout << "cluster may be unhealthy: failed to list members\n" << std::flush;
      std::cerr << "Error:  " << cerr.message() << "\n" << cerr.detail() << "\n";
      code = kExitServerError;
      return false;
    }
    std::cerr << cerr.message() << "\n";
    code = kExitError;
    return false;
  }
  boost::system::error_code ec;
  auto v = json::parse(answer.body, ec);
  if (ec || !v.is_object() || answer.status != 200) {
    std::cerr << members_error(answer, {200}) << "\n";
    code = kExitError;
    return false;
  }
  if (const auto* list = v.as_object().if_contains("members"); list && list->is_array()) {
    for (const auto& m : list->as_array()) {
      if (m.is_object()) out.push_back(parse_member(m.as_object()));
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> member_args_error(const CommandArgs& args) {
  const auto& pos = args.positional;
  std::string sub = pos.empty() ? "" : pos[0];
  if (sub == "list" && pos.size() != 1) return "No arguments accepted";
  if (sub == "add" && pos.size() != 3) return "Provide a name and a single member peerURL";
  if (sub == "remove" && pos.size() != 2) return "Provide a single member ID";
  if (sub == "update" && pos.size() != 3) {
    return "Provide an ID and a list of comma separated peerURL (0xabcd "
           "http://example.com,http://example1.com)";
  }
  return std::nullopt;
}

int run_member_command(const CommandArgs& args, Context& ctx) {
  const auto& pos = args.positional;
  std::string sub = pos.empty() ? "" : pos[0];
  int code = kExitSuccess;
  if (auto error = member_args_error(args)) {
    std::cerr << *error << "\n";
    return kExitError;
  }
  if (sub == "list") {
    std::vector<MemberRow> members;
    if (!list_members(ctx, members, code)) return code;
    std::string leader_id;
    HttpAnswer answer;
    ClusterError cerr;
    if (ctx.client.call("GET", "/v2/members/leader", "", "", answer, cerr) &&
        answer.status == 200) {
      boost::system::error_code ec;
      auto v = json::parse(answer.body, ec);
      if (!ec && v.is_object()) leader_id = parse_member(v.as_object()).id;
    }
    for (const auto& m : members) {
      if (m.name.empty()) {
        std::cout << m.id
                  << "[unstarted]: peerURLs=" << fmt::format("{}", fmt::join(m.peer_urls, ","))
                  << "\n";
      } else {
        std::cout << m.id << ": name=" << m.name
                  << " peerURLs=" << fmt::format("{}", fmt::join(m.peer_urls, ","))
                  << " clientURLs=" << fmt::format("{}", fmt::join(m.client_urls, ","))
                  << " isLeader=" << (m.id == leader_id ? "true" : "false") << "\n";
      }
    }
    return kExitSuccess;
  }
  if (sub == "add") {
    const std::string& name = pos[1];
    std::string body = "{\"peerURLs\":[\"" + pos[2] + "\"]}";
    HttpAnswer answer;
    ClusterError cerr;
    if (!ctx.client.call("POST", "/v2/members", body, "application/json", answer, cerr)) {
      std::cerr << cerr.message() << "\n";
      return kExitError;
    }
    if (answer.status != 201) {
      std::cerr << members_error(answer, {201, 409}) << "\n";
      return kExitError;
    }
    boost::system::error_code ec;
    auto v = json::parse(answer.body, ec);
    std::string new_id = !ec && v.is_object() ? parse_member(v.as_object()).id : "";
    std::cout << "Added member named " << name << " with ID " << new_id << " to cluster\n\n";
    std::vector<MemberRow> members;
    if (!list_members(ctx, members, code)) return code;
    std::vector<std::string> conf;
    for (const auto& m : members) {
      for (const auto& u : m.peer_urls) conf.push_back((m.id == new_id ? name : m.name) + "=" + u);
    }
    std::cout << "ETCD_NAME=\"" << name << "\"\n"
              << "ETCD_INITIAL_CLUSTER=\"" << fmt::format("{}", fmt::join(conf, ",")) << "\"\n"
              << "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n";
    return kExitSuccess;
  }
  if (sub == "remove") {
    std::vector<MemberRow> members;
    if (!list_members(ctx, members, code)) return code;
    bool found = std::any_of(members.begin(), members.end(),
                             [&](const MemberRow& m) { return m.id == pos[1]; });
    if (!found) {
      std::cerr << "Couldn't find a member in the cluster with an ID of " << pos[1] << ".\n";
      return kExitError;
    }
    HttpAnswer answer;
    ClusterError cerr;
    if (!ctx.client.call("DELETE", "/v2/members/" + pos[1], "", "", answer, cerr)) {
      std::cerr << cerr.message() << "\n";
      return kExitError;
    }
    if (answer.status != 204) {
      std::cerr << members_error(answer, {204, 410}) << "\n";
      return kExitError;
    }
    std::cout << "Removed member " << pos[1] << " from cluster\n";
    return kExitSuccess;
  }
  if (sub == "update") {
    std::vector<std::string> urls;
    std::string_view rest = pos[2];
    while (!rest.empty()) {
      auto comma = rest.find(',');
      urls.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    std::string body = "{\"peerURLs\":[";
    for (size_t i = 0; i < urls.size(); ++i) body += (i ? ",\"" : "\"") + urls[i] + "\"";
    body += "]}";
    HttpAnswer answer;
    ClusterError cerr;
    if (!ctx.client.call("PUT", "/v2/members/" + pos[1], body, "application/json", answer, cerr)) {
      std::cerr << cerr.message() << "\n";
      return kExitError;
    }
    if (answer.status != 204) {
      std::cerr << members_error(answer, {204, 404, 409}) << "\n";
      return kExitError;
    }
    std::cout << "Updated member with ID " << pos[1] << " in cluster\n";
    return kExitSuccess;
  }
  std::cerr << no_help_topic(sub);
  return kExitNoHelpTopic;
}

int run_watch(const std::string& command, const CommandArgs& args, Context& ctx) {
  int code = kExitSuccess;
  bool exec = command == "exec-watch";
  std::vector<std::string> argv;  // exec-watch: the command to run
  std::string key;
  if (exec) {
    // exec-watch <key> -- <command> [args...]: everything after the key is the command.
    if (args.positional.size() < 2) {
      std::cerr << "Error:  key and command to exec required\n";
      return kExitError;
    }
    key = args.positional[0];
    argv.assign(args.positional.begin() + 1, args.positional.end());
  } else {
    if (!need(args, 0, "key required", code)) return code;
    key = args.positional[0];
  }
  std::string after;
  if (!int_flag(args, "after-index", after, code)) return code;
  uint64_t wait_index = after.empty() ? 0 : std::strtoull(after.c_str(), nullptr, 10) + 1;
  bool forever = exec || args.flag("forever");
  for (;;) {
    // The Go client's wait: all three parameters, always (waitIndex 0 = from now on).
    Values params{{"wait", "true"},
                  {"waitIndex", std::to_string(wait_index)},
                  {"recursive", bool_text(args.flag("recursive"))}};
    HttpAnswer answer;
    ClusterError cerr;
    std::string target = keys_target(key) + "?" + encode(params);
    if (!ctx.client.call("GET", target, "", "", answer, cerr)) return cluster_failure(cerr);
    std::optional<KeyError> error;
    auto r = parse_key_response(answer.body, 0, error);
    if (!r) return fail(error->text(), kExitServerError);
    if (r->node) wait_index = r->node->modified_index + 1;
    r->index =
        answer.etcd_index.empty() ? 0 : std::strtoull(answer.etcd_index.c_str(), nullptr, 10);
    if (exec) {
      const KeyNode& n = *r->node;
      // The command runs with the change in its environment, as etcdctl's exec-watch.
      pid_t pid = fork();
      if (pid == 0) {
        setenv("ETCD_WATCH_ACTION", r->action.c_str(), 1);
        setenv("ETCD_WATCH_KEY", n.key.c_str(), 1);
        setenv("ETCD_WATCH_VALUE", n.value.c_str(), 1);
        setenv("ETCD_WATCH_MODIFIED_INDEX", std::to_string(n.modified_index).c_str(), 1);
        std::vector<char*> cargv;
        for (auto& a : argv) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        execvp(cargv[0], cargv.data());
        std::perror(cargv[0]);
        _exit(127);
      }
      if (pid > 0) {
        int status = 0;
        waitpid(pid, &status, 0);
      }
      continue;
    }
    if (args.flag("recursive")) std::cout << "[" << r->action << "] " << r->node->key << "\n";
    std::cout << print_response_key(*r, ctx.output) << std::flush;
    if (!forever) return kExitSuccess;
  }
}

namespace {

int check_health_once(Context& ctx);

}  // namespace

int run_cluster_health(const CommandArgs& args, Context& ctx) {
  if (!args.flag("forever")) return check_health_once(ctx);
  // As etcdctl --forever: check every 10 seconds until interrupted.
  for (;;) {
    check_health_once(ctx);
    std::cout << "\nnext check after 10 second...\n\n" << std::flush;
    ::sleep(10);
  }
}

namespace {

int check_health_once(Context& ctx) {
  int code = kExitSuccess;
  std::vector<MemberRow> members;
  if (!list_members(ctx, members, code, ListFailure::health_check)) return code;
  size_t healthy = 0;
  for (const auto& m : members) {
    if (m.client_urls.empty()) {
      std::cout << "member " << m.id << " is unreachable: no available published client urls\n";
      continue;
    }
    bool checked = false;
    for (const auto& u : m.client_urls) {
      std::string parse_error;
      auto url = http::parse_url(u, parse_error);
      HttpAnswer answer;
      if (url) {
        answer = http_exchange(*url, "GET", "/health", "", "", std::chrono::seconds(5),
                               ctx.client.tls());
      } else {
        answer.error = parse_error;
      }
      if (!answer.ok) {
        std::cout << "failed to check the health of member " << m.id << " on " << u << ": Get \""
                  << u << "/health\": " << answer.error << "\n";
        continue;
      }
      checked = true;
      boost::system::error_code ec;
      auto v = json::parse(answer.body, ec);
      bool ok = false;
      if (!ec && v.is_object()) {
        if (const auto* h = v.as_object().if_contains("health")) {
          ok = (h->is_string() && h->as_string() == "true") || (h->is_bool() && h->as_bool());
        }
      }
      if (ok) {
        ++healthy;
        std::cout << "member " << m.id << " is healthy: got healthy result from " << u << "\n";
      } else {
        std::cout << "member " << m.id << " is unhealthy: got unhealthy result from " << u << "\n";
      }
      break;
    }
    if (!checked) {
      std::cout << "member " << m.id << " is unreachable: ["
                << fmt::format("{}", fmt::join(m.client_urls, " ")) << "] are all unreachable\n";
    }
  }
  if (healthy == members.size() && !members.empty()) {
    std::cout << "cluster is healthy\n";
    return kExitSuccess;
  }
  std::cout << (healthy > 0 ? "cluster is degraded\n" : "cluster is unavailable\n");
  return kExitClusterNotHealthy;
}

}  // namespace

}  // namespace etcdpp::ctl
