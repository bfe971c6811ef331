#pragma once
// etcdctl v2's help pages (urfave/cli's layout), for `help <command>`, `<command> --help|-h`,
// `member`, `member help [sub]` and `member <sub> -h`. Shown without contacting the cluster.
#include <optional>
#include <string>

namespace etcdpp::ctl {

inline constexpr const char* kProgram = "etcdppctl";

// The page of a top-level command (get, set, …, member), or nullopt for an unknown one.
std::optional<std::string> command_help(const std::string& command);

// `member help`: the member command's own app page (with VERSION and GLOBAL OPTIONS).
std::string member_app_help();

// The page of `member <sub>` (list, add, remove, update), or nullopt.
std::optional<std::string> member_subcommand_help(const std::string& sub);

// What etcdctl prints on stdout for a bad flag of `command`: "Incorrect Usage: <message>",
// a blank line and the command's help page. (The message alone goes to stderr.)
std::string command_usage_page(const std::string& command, const std::string& message);

// "No help topic for '<topic>'" (exit status 3), as etcdctl.
std::string no_help_topic(const std::string& topic);
inline constexpr int kExitNoHelpTopic = 3;

}  // namespace etcdpp::ctl
