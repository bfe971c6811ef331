#pragma once
// etcdctl v2's commands (keys, members, cluster-health), printing what etcdctl prints and
// returning its exit status.
#include "ctl/v2_client.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace etcdpp::ctl {

// etcdctl's exit statuses (etcd's cobrautl).
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitBadConnection = 2;
inline constexpr int kExitServerError = 4;
inline constexpr int kExitClusterNotHealthy = 5;

struct CommandArgs {
  std::string command;  // as given: get, set, …, member
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;  // bool flags hold "true" / "false"
  // Flags that may be given several times (urfave/cli's StringSlice: `--roles a --roles b`).
  std::map<std::string, std::vector<std::string>> lists;
  bool flag(const std::string& name) const {
    auto it = flags.find(name);
    return it != flags.end() && it->second != "false";
  }
  std::string value(const std::string& name) const {
    auto it = flags.find(name);
    return it == flags.end() ? std::string() : it->second;
  }
};

struct Context {
  V2Client& client;
  std::string output = "simple";  // -o
};

int run_keys_command(const std::string& command, const CommandArgs& args, Context& ctx);
int run_member_command(const CommandArgs& args, Context& ctx);
// What etcdctl says when a member subcommand has the wrong arguments (checked before the
// cluster is contacted), or nullopt.
std::optional<std::string> member_args_error(const CommandArgs& args);
int run_cluster_health(const CommandArgs& args, Context& ctx);
// watch and exec-watch: long-polls (?wait=true), one change at a time, continuing from the
// index after the last one seen.
int run_watch(const std::string& command, const CommandArgs& args, Context& ctx);

// A command's flag by its long name ("r" of ls → "recursive"); other names unchanged.
// `command` is "<command> <subcommand>" for the subcommands that have flags (role grant).
std::string canonical_flag(const std::string& command, const std::string& name);

// The flags each command takes: name → true for boolean flags. For the subcommands of user,
// role and auth: "<command> <subcommand>" (nullptr when the subcommand has none).
const std::map<std::string, bool>* command_flags(const std::string& command);

}  // namespace etcdpp::ctl
