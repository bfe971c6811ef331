#include "cmd/flags.h"

#include "base/strings.h"
#include "cmd/config_file.h"
#include "cmd/flag_table.h"
#include "discovery/discovery_url.h"
#include "http/url.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

namespace etcdpp::cmd {

namespace po = boost::program_options;

namespace {

std::string env_name(std::string_view flag) {
  std::string out = "ETCD_";
  for (char c : flag) out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return out;
}

std::string flag_from_env(std::string_view env) {
  std::string out;
  for (char c : env.substr(5)) out += c == '_' ? '-' : static_cast<char>(std::tolower(c));
  return out;
}

ParseOutcome usage_error(std::string message) {
  ParseOutcome out;
  out.exit_code = 2;
  out.err = message + "\n\nRun 'etcdpp --help' for the list of flags.\n";
  return out;
}

// Where a value came from, for error messages in etcd's words.
std::string source_of(const FlagValues& f, const std::string& name) {
  auto it = f.set_by.find(name);
  if (it != f.set_by.end() && it->second == "env") return env_name(name);
  if (it != f.set_by.end() && it->second == "config") return "config file key " + name;
  return "flag -" + name;
}

std::string invalid(const FlagValues& f, const std::string& name, const std::string& detail) {
  return "invalid value \"" + f.values.at(name) + "\" for " + source_of(f, name) + ": " + detail;
}

std::string unsupported_reason(std::string_view name) {
  if (name == "ca-file") {
    return "etcd 3.4 removed it: use --trusted-ca-file (client certificates are then required)";
  }
  if (name == "peer-ca-file") {
    return "etcd 3.4 removed it: use --peer-trusted-ca-file (peer certificates are then "
           "required)";
  }
  if (name.find("tls") != std::string_view::npos ||
      name.find("san-verification") != std::string_view::npos) {
    return "this TLS option is not supported yet (docs/tls.md lists the ones that are)";
  }
  if (name == "experimental-enable-v2v3") {
    return "etcdpp keeps the v2 keyspace in its own store; there is no v3 backend to serve it from";
  }
  return "not supported yet";
}

// Checks values of individual flags. Returns an error message, or empty.
std::string validate_values(const FlagValues& f) {
  for (const auto& spec : flag_table()) {
    std::string name(spec.name);
    if (!f.is_set(name)) continue;
    const std::string& v = f.values.at(name);
    if (spec.kind == FlagKind::boolean && !base::parse_go_bool(v)) {
      return invalid(f, name, "parse error");
    }
    if (spec.kind == FlagKind::uint && !base::parse_go_uint(v)) {
      return invalid(f, name, "parse error");
    }
  }
  auto one_of = [&](const std::string& name, std::initializer_list<std::string_view> allowed) {
    const auto& v = f.values.at(name);
    return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
  };
  if (!one_of("proxy", {"off", "readonly", "on"})) return invalid(f, "proxy", "invalid value");
  if (!one_of("discovery-fallback", {"exit", "proxy"})) {
    return invalid(f, "discovery-fallback", "invalid value");
  }
  if (f.is_set("proxy-fallback") && !one_of("proxy-fallback", {"exit", "proxy"})) {
    return invalid(f, "proxy-fallback", "invalid value");
  }
  if (f.is_set("proxy-fallback") && f.is_set("discovery-fallback") &&
      f.get("proxy-fallback") != f.get("discovery-fallback")) {
    return "--proxy-fallback (the older name of --discovery-fallback) and --discovery-fallback "
           "disagree: give one of them";
  }
  int bootstrap_sources = (f.is_set("initial-cluster") ? 1 : 0) +
                          (f.get("discovery").empty() ? 0 : 1) +
                          (f.get("discovery-srv").empty() ? 0 : 1);
  if (bootstrap_sources > 1) {
    return "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", "
           "\"discovery\" or \"discovery-srv\"";
  }
  for (const auto& origin : base::split(f.get("cors"), ',')) {
    // etcd validates the origins as URLs with a port ("*" allows every origin).
    std::string error;
    if (origin != "*" && !origin.empty() && !http::parse_url(origin, error)) {
      return invalid(f, "cors", error);
    }
  }
  if (!f.get("discovery").empty()) {
    std::string error;
    if (!discovery::parse_discovery_url(f.get("discovery"), error)) {
      return invalid(f, "discovery", error);
    }
  }
  if (!f.get("discovery-proxy").empty()) {
    std::string error;
    if (!discovery::parse_discovery_proxy(f.get("discovery-proxy"), error)) {
      return invalid(f, "discovery-proxy", error);
    }
    if (f.get("discovery").rfind("https://", 0) == 0) {
      return "--discovery-proxy with an https:// discovery URL needs an HTTP CONNECT tunnel, "
             "which etcdpp does not support yet: reach the discovery service directly, or "
             "use an http:// discovery URL through the proxy";
    }
  }
  if (!one_of("initial-cluster-state", {"new", "existing"})) {
    return invalid(f, "initial-cluster-state", "invalid value");
  }
  if (!one_of("log-level", {"debug", "info", "warn", "error", "panic", "fatal"})) {
    return invalid(f, "log-level", "invalid value");
  }
  if (!one_of("logger", {"zap", "capnslog"})) return invalid(f, "logger", "invalid value");
  if (base::split(f.get("log-outputs"), ',').empty()) {
    return invalid(f, "log-outputs", "expected default, stderr, stdout or file paths");
  }
  for (const char* name : {"listen-client-urls", "listen-peer-urls", "advertise-client-urls",
                           "initial-advertise-peer-urls", "listen-metrics-urls"}) {
    if (f.values.at(name).empty() && std::string_view(name) == "listen-metrics-urls") continue;
    std::string error;
    auto urls = http::parse_url_list(f.values.at(name), error);
    if (!urls) return invalid(f, name, error);
    if (std::string_view(name).rfind("listen", 0) == 0) {
      for (const auto& u : *urls) {
        if (!http::is_bindable_host(u)) {
          return invalid(f, name, "expected IP in URL for binding (" + u.text + ")");
        }
        if (u.scheme != "http" && u.scheme != "https") {
          return invalid(f, name,
                         "etcdpp serves only http:// and https:// listeners yet (" + u.text + ")");
        }
      }
    }
  }
  return {};
}

// --config-file: the file's values replace every flag and variable (as etcd 3.4). Returns
// an error text, empty on success.
std::string apply_config_file(ParseOutcome& out) {
  FlagValues& f = out.flags;
  std::string path = f.get("config-file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read the config file \"" + path + "\": " + std::strerror(errno);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string error;
  auto file = parse_config_file(
      text, [](const std::string& name) { return find_flag(name) != nullptr; }, error);
  if (!file) return "config file \"" + path + "\": " + error;
  auto config_source = f.set_by["config-file"];
  f.set_by.clear();
  for (const auto& spec : flag_table()) f.values[std::string(spec.name)] = spec.default_value;
  f.values["config-file"] = path;
  f.set_by["config-file"] = config_source;
  for (const auto& [name, value] : file->values) {
    f.values[name] = value;
    f.set_by[name] = "config";
  }
  out.infos.clear();  // the variables it listed are not used after all
  out.infos.push_back("Loading server configuration from \"" + path +
                      "\". Other configuration command line flags and environment variables "
                      "will be ignored if provided.");
  out.warnings.insert(out.warnings.end(), file->warnings.begin(), file->warnings.end());
  return {};
}

}  // namespace

bool FlagValues::get_bool(const std::string& name) const {
  return base::parse_go_bool(values.at(name)).value_or(false);
}

uint64_t FlagValues::get_uint(const std::string& name) const {
  return base::parse_go_uint(values.at(name)).value_or(0);
}

// Go's flag package: a bare boolean flag means true and never takes the next word as its
// value. program_options would consume it, so bare booleans are rewritten to --name=true.
std::vector<std::string> normalise_booleans(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& arg : args) {
    if (arg.size() > 1 && arg[0] == '-' && arg != "--" && arg.find('=') == std::string::npos) {
      std::string name = arg.substr(arg.find_first_not_of('-'));
      const FlagSpec* spec = find_flag(name);
      if (spec && spec->kind == FlagKind::boolean) {
        out.push_back("--" + name + "=true");
        continue;
      }
    }
    out.push_back(arg);
  }
  return out;
}

ParseOutcome parse_flags(const std::vector<std::string>& raw_args,
                         const std::vector<std::string>& env) {
  std::vector<std::string> args = normalise_booleans(raw_args);
  po::options_description desc;
  for (const auto& spec : flag_table()) {
    std::string name(spec.name);
    if (spec.kind == FlagKind::boolean) {
      desc.add_options()(name.c_str(), po::value<std::string>()->implicit_value("true"));
    } else {
      desc.add_options()(name.c_str(), po::value<std::string>());
    }
  }
  desc.add_options()("help", "")("h", "")("version", "");

  // Go's flag package: -name and --name alike, =value or a separate value, no abbreviations.
  int style = po::command_line_style::allow_long | po::command_line_style::long_allow_adjacent |
              po::command_line_style::long_allow_next | po::command_line_style::allow_long_disguise;
  po::variables_map vm;
  try {
    auto parsed = po::command_line_parser(args).options(desc).style(style).run();
    // Go's flag package stops at the first non-flag word; etcd then rejects it.
    auto leftover = po::collect_unrecognized(parsed.options, po::include_positional);
    if (!leftover.empty()) return usage_error("'" + leftover.front() + "' is not a valid flag");
    po::store(parsed, vm);
  } catch (const po::unknown_option& e) {
    std::string opt = e.get_option_name();
    opt.erase(0, opt.find_first_not_of('-'));
    return usage_error("flag provided but not defined: -" + opt);
  } catch (const po::multiple_occurrences& e) {
    std::string opt = e.get_option_name();
    opt.erase(0, opt.find_first_not_of('-'));
    return usage_error("flag given more than once: -" + opt);
  } catch (const po::invalid_command_line_syntax& e) {
    std::string opt = e.get_option_name();
    opt.erase(0, opt.find_first_not_of('-'));
    return usage_error("flag needs an argument: -" + opt);
  } catch (const po::error& e) {
    return usage_error(std::string("invalid command line: ") + e.what());
  }

  ParseOutcome out;
  if (vm.count("help") || vm.count("h")) {
    out.exit_code = 0;
    out.out = usage_text();
    return out;
  }
  if (vm.count("version")) {
    out.exit_code = 0;
    out.out = version_text();
    return out;
  }

  FlagValues& f = out.flags;
  for (const auto& spec : flag_table()) {
    std::string name(spec.name);
    f.values[name] = std::string(spec.default_value);
    if (vm.count(name)) {
      f.values[name] = vm[name].as<std::string>();
      f.set_by[name] = "flag";
    }
  }
  for (const auto& entry : env) {
    if (entry.rfind("ETCD_", 0) != 0) continue;
    auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    std::string var = entry.substr(0, eq);
    std::string value = entry.substr(eq + 1);
    if (var == "ETCD_UNSUPPORTED_ARCH") continue;
    std::string name = flag_from_env(var);
    const FlagSpec* spec = find_flag(name);
    if (!spec) {
      out.warnings.push_back("unrecognized environment variable " + entry);
      continue;
    }
    if (value.empty()) continue;  // empty = unset, as etcd
    if (f.set_by.count(name)) {
      out.infos.push_back("recognized environment variable " + var +
                          ", but unused: shadowed by corresponding flag");
      continue;
    }
    f.values[name] = value;
    f.set_by[name] = "env";
    out.infos.push_back("recognized and used environment variable " + entry);
  }

  if (!f.get("config-file").empty()) {
    if (auto error = apply_config_file(out); !error.empty()) return usage_error(error);
  }
  if (auto error = validate_values(f); !error.empty()) return usage_error(error);
  if (f.is_set("proxy-fallback")) {
    f.values["discovery-fallback"] = f.values["proxy-fallback"];
    f.set_by["discovery-fallback"] = f.set_by["proxy-fallback"];
  }
  for (const auto& spec : flag_table()) {
    std::string name(spec.name);
    if (!f.is_set(name)) continue;
    if (spec.support == FlagSupport::legacy) {
      out.warnings.push_back("flag \"-" + name + "\" is no longer supported - ignoring.");
    } else if (spec.support == FlagSupport::no_effect && f.values[name] != spec.default_value) {
      out.warnings.push_back("flag \"-" + name + "\" has no effect in etcdpp: " +
                             (spec.help.find("(v3)") != std::string_view::npos
                                  ? "etcdpp serves the v2 API only"
                                  : "it matters only to settings etcdpp does not have yet "
                                    "or to a member while this is a proxy"));
    } else if (spec.support == FlagSupport::unsupported && f.values[name] != spec.default_value) {
      return usage_error("etcdpp: " + source_of(f, name) +
                         " is not supported: " + unsupported_reason(name));
    }
  }
  return out;
}

std::string usage_text() {
  std::string text =
      "Usage:\n\n  etcdpp [flags]\n    Start an etcd v2 member, or a v2 proxy with --proxy "
      "on|readonly.\n\n"
      "  etcdpp --version\n    Show the version of etcdpp.\n\n  etcdpp -h | --help\n"
      "    Show the help information about etcdpp.\n\n"
      "Every flag can also be given as an ETCD_* environment variable (ETCD_PROXY=on); a flag\n"
      "on the command line wins over the variable. Flags accept -flag, --flag, -flag=v and\n"
      "--flag=v.\n\nFlags:\n";
  for (const auto& spec : flag_table()) {
    if (spec.support == FlagSupport::legacy) continue;
    text += "  --" + std::string(spec.name);
    if (!spec.default_value.empty()) text += " '" + std::string(spec.default_value) + "'";
    text += "\n      " + std::string(spec.help);
    if (spec.support == FlagSupport::unsupported) text += " [not supported yet]";
    if (spec.support == FlagSupport::no_effect) text += " [accepted, no effect yet]";
    text += "\n";
  }
  return text;
}

std::string version_text() {
  return "etcdpp Version: " ETCDPP_VERSION
         "\n"
         "etcd API: v2 (compatible with etcd 3.4)\n"
         "Git SHA: " ETCDPP_GIT_SHA
         "\n"
         "Compiler: " __VERSION__
         "\n"
         "OS/Arch: linux/amd64\n";
}

}  // namespace etcdpp::cmd
