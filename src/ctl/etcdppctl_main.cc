// etcdppctl: etcdctl's v2 command language (ETCDCTL_API=2), same output and exit statuses.
//
// Arguments follow etcdctl's (urfave/cli) rules: global flags before the command, the
// command's own flags anywhere after it (`--flag value`, `--flag=value`, `-flag value`;
// boolean flags take no value), `--` ends the flags. A parser of its own because
// Boost.Program_options cannot express the global/command split with flags after
// positional arguments.
#include "auth/credentials.h"
#include "base/strings.h"
#include "client/srv_lookup.h"
#include "ctl/auth_commands.h"
#include "ctl/backup.h"
#include "ctl/commands.h"
#include "ctl/help.h"
#include "ctl/v2_client.h"
#include "http/tls.h"

#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace etcdpp::ctl;

constexpr const char* kVersion = "etcdppctl version: 3.4.23\nAPI version: 2\n";

constexpr const char* kUsage = R"(NAME:
   etcdppctl - A simple command line client for etcd.

USAGE:
   etcdppctl [global options] command [command options] [arguments...]

VERSION:
   3.4.23

COMMANDS:
   backup          backup an etcd directory
   cluster-health  check the health of the etcd cluster
   mk              make a new key with a given value
   mkdir           make a new directory
   rm              remove a key or a directory
   rmdir           removes the key if it is an empty directory or a key-value pair
   get             retrieve the value of a key
   ls              retrieve a directory
   set             set the value of a key
   setdir          create a new directory or update an existing directory TTL
   update          update an existing key with a given value
   updatedir       update an existing directory
   watch           watch a key for changes
   exec-watch      watch a key for changes and exec an executable
   member          member add, remove and list subcommands
   user            user add, grant and revoke subcommands
   role            role add, grant and revoke subcommands
   auth            overall auth controls
   help, h         Shows a list of commands or help for one command

GLOBAL OPTIONS:
   --debug                          output cURL commands which can be used to reproduce the request
   --no-sync                        don't synchronize cluster information before sending request
   --output simple, -o simple       output response in the given format (simple, `extended` or `json`) (default: "simple")
   --discovery-srv value, -D value  domain name to query for SRV records describing cluster endpoints
   --insecure-discovery             accept insecure SRV records describing cluster endpoints
   --peers value, -C value          DEPRECATED - "--endpoints" should be used instead
   --endpoint value                 DEPRECATED - "--endpoints" should be used instead
   --endpoints value                a comma-delimited list of machine addresses in the cluster (default: "http://127.0.0.1:2379,http://127.0.0.1:4001")
   --cert-file value                identify HTTPS client using this SSL certificate file
   --key-file value                 identify HTTPS client using this SSL key file
   --ca-file value                  verify certificates of HTTPS-enabled servers using this CA bundle
   --username value, -u value       provide username[:password] and prompt if password is not supplied.
   --timeout value                  connection timeout per request (default: 2s)
   --total-timeout value            timeout for the command execution (except watch) (default: 5s)
   --help, -h                       show help
   --version, -v                    print the version
)";

// Go's time.ParseDuration for the forms etcdctl users write ("2s", "500ms", "1m30s").
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double total_ms = 0;
  if (text.empty()) return std::nullopt;
  while (!text.empty()) {
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    if (i == 0) return std::nullopt;
    double n = std::strtod(std::string(text.substr(0, i)).c_str(), nullptr);
    text.remove_prefix(i);
    size_t j = 0;
    while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
    std::string_view unit = text.substr(0, j);
    text.remove_prefix(j);
    if (unit == "ms")
      total_ms += n;
    else if (unit == "s")
      total_ms += n * 1000;
    else if (unit == "m")
      total_ms += n * 60'000;
    else if (unit == "h")
      total_ms += n * 3'600'000;
    else if (unit == "us" || unit == "µs")
      total_ms += n / 1000;
    else if (unit == "ns")
      total_ms += n / 1e6;
    else
      return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms));
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// A bad global flag, as etcdctl: the error on stderr, then on stdout "Incorrect Usage." (sic)
// with the error and the main help page.
int usage_error(const std::string& message) {
  std::cerr << message << "\n";
  std::cout << "Incorrect Usage. " << message << "\n\n" << kUsage;
  return kExitError;
}

// A bad flag of a command: the same with "Incorrect Usage:" and the command's help page.
int command_usage_error(const std::string& command, const std::string& message) {
  std::cerr << message << "\n";
  std::cout << command_usage_page(command, message);
  return kExitError;
}

bool is_help_flag(const std::string& a) {
  return a == "-h" || a == "--h" || a == "-help" || a == "--help";
}

// Whether a help flag comes before "--" in args[from..].
bool asks_help(const std::vector<std::string>& args, size_t from) {
  for (size_t k = from; k < args.size() && args[k] != "--"; ++k) {
    if (is_help_flag(args[k])) return true;
  }
  return false;
}

// `help [topic]`, `<command> -h|--help`, and the help of the commands with subcommands
// (`member`, `member help [sub]`, `member <sub> -h`, an unknown subcommand; the same for user,
// role and auth). Returns the exit status when the request was for help, nullopt otherwise.
// `i` indexes the argument after the command.
std::optional<int> answer_help(const std::string& command, const std::vector<std::string>& args,
                               size_t i) {
  auto show = [](const std::optional<std::string>& page, const std::string& topic) {
    if (!page) {
      std::cerr << no_help_topic(topic);
      return kExitNoHelpTopic;
    }
    std::cout << *page;
    return kExitSuccess;
  };
  if (command == "help" || command == "h") {
    if (i >= args.size()) {
      std::cout << kUsage;
      return kExitSuccess;
    }
    return show(help_topic(args[i]), args[i]);
  }
  if (is_sub_app(command)) {
    if (i >= args.size() || is_help_flag(args[i])) return show(command_help(command), command);
    const std::string& sub = args[i];
    if (sub == "help" || sub == "h") {
      if (i + 1 >= args.size()) {
        std::cout << sub_app_help(command);
        return kExitSuccess;
      }
      return show(subcommand_help(command, args[i + 1]), args[i + 1]);
    }
    auto page = subcommand_help(command, sub);
    if (!page || asks_help(args, i + 1)) return show(page, sub);
    return std::nullopt;
  }
  if (command_help(command) && asks_help(args, i)) return show(command_help(command), command);
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string output = "simple";
  bool no_sync = false;
  bool debug = false;  // --debug: the cURL command of every request, on stderr
  std::string endpoints_flag, endpoint_flag, peers_flag, discovery_srv;
  bool insecure_discovery = false;
  etcdpp::http::TlsFiles tls_files;  // --cert-file, --key-file, --ca-file
  ClientOptions options;
  std::string username;  // --username user[:password]
  size_t i = 0;
  for (; i < args.size(); ++i) {
    std::string a = args[i];
    if (a.empty() || a[0] != '-') break;
    std::string name = a.substr(a.find_first_not_of('-'));
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    if (name == "h" || name == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (name == "v" || name == "version") {
      std::cout << kVersion;
      return 0;
    }
    if (name == "no-sync") {
      no_sync = !inline_value || *inline_value != "false";
      continue;
    }
    if (name == "debug") {
      debug = !inline_value || *inline_value != "false";
      continue;
    }
    if (name == "insecure-discovery") {
      insecure_discovery = !inline_value || *inline_value != "false";
      continue;
    }
    auto v = value();
    if (!v) return usage_error("flag needs an argument: -" + name);
    if (name == "output" || name == "o") {
      output = *v;
    } else if (name == "endpoints") {
      endpoints_flag = *v;
    } else if (name == "endpoint") {
      endpoint_flag = *v;
    } else if (name == "peers" || name == "C") {
      peers_flag = *v;
    } else if (name == "username" || name == "u") {
      username = *v;
    } else if (name == "discovery-srv" || name == "D") {
      discovery_srv = *v;
    } else if (name == "cert-file") {
      tls_files.cert_file = *v;
    } else if (name == "key-file") {
      tls_files.key_file = *v;
    } else if (name == "ca-file") {
      tls_files.trusted_ca_file = *v;
    } else if (name == "timeout" || name == "total-timeout") {
      auto d = parse_duration(*v);
      if (!d)
        return usage_error("invalid value \"" + *v + "\" for flag -" + name + ": parse error");
      (name == "timeout" ? options.request_timeout : options.total_timeout) = *d;
    } else {
      return usage_error("flag provided but not defined: -" + name);
    }
  }
  if (output != "simple" && output != "json" && output != "extended") {
    std::cerr << "Unsupported output format: " << output << "\n";
  }
  if (i >= args.size()) {
    std::cout << kUsage;
    return 0;
  }
  std::string command = args[i++];
  // Help pages need no cluster: answered before anything is sent.
  if (auto code = answer_help(command, args, i)) return *code;
  const auto* flags = command_flags(command);
  static const std::map<std::string, bool> kNoFlags;
  if (!flags) {
    std::cerr << no_help_topic(command);
    return kExitNoHelpTopic;
  }
  CommandArgs cargs;
  cargs.command = command;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      cargs.positional.insert(cargs.positional.end(), args.begin() + static_cast<long>(i) + 1,
                              args.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      cargs.positional.push_back(a);
      if (is_sub_app(command) && cargs.positional.size() == 1) {
        // From the subcommand on, its own flags (role grant: --path, --read, ...).
        const auto* sub_flags = command_flags(command + " " + a);
        flags = sub_flags ? sub_flags : &kNoFlags;
      }
      continue;
    }
    std::string name = a.substr(a.find_first_not_of('-'));
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    std::string flag_owner = is_sub_app(command) && !cargs.positional.empty()
                                 ? command + " " + cargs.positional[0]
                                 : command;
    name = canonical_flag(flag_owner, name);
    auto spec = flags->find(name);
    if (spec == flags->end()) {
      // etcdctl stops parsing flags at the first argument: an unknown "-x" after it is an
      // argument (and, beyond those a command uses, ignored).
      if (cargs.positional.size() > (is_sub_app(command) ? 1u : 0u)) {
        cargs.positional.push_back(a);
        continue;
      }
      return command_usage_error(command, "flag provided but not defined: -" + name);
    }
    if (spec->second) {
      cargs.flags[name] = inline_value.value_or("true");
    } else if (inline_value) {
      cargs.flags[name] = *inline_value;
      cargs.lists[name].push_back(*inline_value);
    } else if (i + 1 < args.size()) {
      cargs.flags[name] = args[++i];
      cargs.lists[name].push_back(args[i]);
    } else {
      return command_usage_error(command, "flag needs an argument: -" + name);
    }
  }

  // A backup reads a data dir: no cluster to contact.
  if (command == "backup") return run_backup(cargs);
  if (command == "member") {
    if (auto error = member_args_error(cargs)) {
      std::cerr << *error << "\n";
      return kExitError;
    }
  }

  // Endpoints as etcdctl finds them: the domain's SRV records first (--discovery-srv,
  // $ETCDCTL_DISCOVERY_SRV; http:// ones only with --insecure-discovery or
  // $ETCDCTL_INSECURE_DISCOVERY), then --endpoints, $ETCDCTL_ENDPOINTS, --endpoint,
  // $ETCDCTL_ENDPOINT, --peers, $ETCDCTL_PEERS, then the default.
  if (discovery_srv.empty()) discovery_srv = env("ETCDCTL_DISCOVERY_SRV");
  if (!env("ETCDCTL_INSECURE_DISCOVERY").empty()) insecure_discovery = true;
  std::vector<std::string> discovered;
  if (!discovery_srv.empty()) {
    auto found = etcdpp::client::discover_client_urls(discovery_srv);
    if (!found.error.empty()) {
      std::cerr << found.error << "\n";
      return kExitError;
    }
    for (auto& url : found.urls) {
      if (!insecure_discovery && url.rfind("http://", 0) == 0) {
        std::cerr << "ignoring discovered insecure endpoint " << go_quote(url) << "\n";
        continue;
      }
      discovered.push_back(std::move(url));
    }
  }
  std::string endpoints = endpoints_flag;
  for (const std::string& candidate :
       {env("ETCDCTL_ENDPOINTS"), endpoint_flag, env("ETCDCTL_ENDPOINT"), peers_flag,
        env("ETCDCTL_PEERS"), std::string("http://127.0.0.1:2379,http://127.0.0.1:4001")}) {
    if (!endpoints.empty()) break;
    endpoints = candidate;
  }
  for (std::string& e : (options.endpoints = etcdpp::base::split(endpoints, ','))) {
    if (e.find("://") == std::string::npos) e = "http://" + e;
  }
  if (!discovered.empty()) options.endpoints = std::move(discovered);
  bool watching = command == "watch" || command == "exec-watch";
  // A watch waits as long as it must: no per-request timeout.
  if (watching) options.request_timeout = std::chrono::hours(24 * 365);
  options.debug = debug;
  if (!username.empty()) {
    // --username user[:password]; without a password, asked for (as etcdctl does).
    auto colon = username.find(':');
    std::string password =
        colon == std::string::npos ? ask_password("Password: ") : username.substr(colon + 1);
    options.credentials.authorization =
        etcdpp::auth::basic_auth_header(username.substr(0, colon), password);
  }
  // TLS as etcdctl: flags, else $ETCDCTL_CA_FILE, $ETCDCTL_CERT_FILE, $ETCDCTL_KEY_FILE; the
  // certificates of endpoints found through SRV records must carry the domain's name.
  if (tls_files.trusted_ca_file.empty()) tls_files.trusted_ca_file = env("ETCDCTL_CA_FILE");
  if (tls_files.cert_file.empty()) tls_files.cert_file = env("ETCDCTL_CERT_FILE");
  if (tls_files.key_file.empty()) tls_files.key_file = env("ETCDCTL_KEY_FILE");
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  if (!tls_files.trusted_ca_file.empty() || !tls_files.cert_file.empty() ||
      !tls_files.key_file.empty()) {
    std::string tls_error;
    tls_context = etcdpp::http::make_client_tls(tls_files, tls_error);
    if (!tls_context) {
      std::cerr << tls_error << "\n";
      return kExitError;
    }
    options.tls.context = tls_context.get();
  }
  if (!discovery_srv.empty() && !insecure_discovery) options.tls.server_name = discovery_srv;
  V2Client client(options);
  auto joined = [&client](const char* separator) {
    std::string list;
    for (const auto& e : client.endpoints()) list += (list.empty() ? "" : separator) + e;
    return list;
  };
  // cluster-health, as etcdctl's, asks the endpoints it was given without synchronising.
  if (!no_sync && command != "cluster-health") {
    if (debug) std::cerr << "start to sync cluster using endpoints(" << joined(",") << ")\n";
    ClusterError cerr;
    bool no_endpoints = false;
    if (!client.sync(cerr, no_endpoints)) {
      if (no_endpoints) {
        std::cerr << "etcd cluster has no published client endpoints.\n"
                  << "Try '--no-sync' if you want to access non-published client endpoints("
                  << joined(",") << ").\n"
                  << "Error:  client: no endpoints available\n";
        return kExitServerError;
      }
      if (cerr.connection_only) {
        std::cerr << "Error:  " << cerr.message() << "\n" << cerr.detail() << "\n";
        return kExitBadConnection;
      }
    } else if (debug) {
      std::cerr << "got endpoints(" << joined(",") << ") after sync\n";
    }
  }
  if (debug) std::cerr << "Cluster-Endpoints: " << joined(", ") << "\n";
  Context ctx{client, output};
  if (command == "member") return run_member_command(cargs, ctx);
  if (command == "user") return run_user_command(cargs, ctx);
  if (command == "role") return run_role_command(cargs, ctx);
  if (command == "auth") return run_auth_command(cargs, ctx);
  if (command == "cluster-health") return run_cluster_health(cargs, ctx);
  if (watching) return run_watch(command, cargs, ctx);
  return run_keys_command(command, cargs, ctx);
}
