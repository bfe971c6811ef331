#pragma once
// etcdctl v2's help pages (urfave/cli's layout), for `help <command>`, `<command> --help|-h`,
// and the commands with subcommands: `member`, `member help [sub]`, `member <sub> -h` (and the
// same for user, role and auth). Shown without contacting the cluster.
#include <optional>
#include <string>

namespace etcdpp::ctl {

inline constexpr const char* kProgram = "etcdppctl";

// The page of a top-level command (get, set, …, member), or nullopt for an unknown one.
std::optional<std::string> command_help(const std::string& command);

// `help <topic>`: the command's page; for a command with subcommands (member, user, role,
// auth) urfave/cli's short page ("<program> member [arguments...]").
std::optional<std::string> help_topic(const std::string& command);

// Whether `command` has subcommands of its own: member, user, role, auth.
bool is_sub_app(const std::string& command);

// `<command> help` of such a command: its own app page (with VERSION and GLOBAL OPTIONS).
std::string sub_app_help(const std::string& command);

// The page of `<command> <sub>` (member list, user add, …), or nullopt.
std::optional<std::string> subcommand_help(const std::string& command, const std::string& sub);

// What etcdctl prints on stdout for a bad flag of `command`: "Incorrect Usage: <message>",
// a blank line and the command's help page. (The message alone goes to stderr.)
std::string command_usage_page(const std::string& command, const std::string& message);

// "No help topic for '<topic>'" (exit status 3), as etcdctl.
std::string no_help_topic(const std::string& topic);
inline constexpr int kExitNoHelpTopic = 3;

}  // namespace etcdpp::ctl
