#include "ctl/help.h"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

namespace etcdpp::ctl {

namespace {

struct Option {
  std::string_view flags;
  std::string_view text;
};

struct Page {
  std::string_view name;
  std::string_view summary;
  std::string_view usage;        // what follows "<program> <name>" on the USAGE line
  std::string_view description;  // "" for none; lines without the indent
  std::vector<Option> options;
};

constexpr std::string_view kTtl = "key time-to-live in seconds (default: 0)";

const std::vector<Page>& pages() {
  static const std::vector<Page> all = {
      {"backup",
       "backup an etcd directory",
       " [command options]  ",
       "",
       {{"--data-dir value", "Path to the etcd data dir"},
        {"--wal-dir value", "Path to the etcd wal dir"},
        {"--backup-dir value", "Path to the backup dir"},
        {"--backup-wal-dir value", "Path to the backup wal dir"},
        {"--with-v3", "Backup v3 backend data"}}},
      {"cluster-health",
       "check the health of the etcd cluster",
       " [command options]  ",
       "",
       {{"--forever, -f", "forever check the health every 10 second until CTRL+C"}}},
      {"mk",
       "make a new key with a given value",
       " [command options] <key> <value>",
       "",
       {{"--in-order", "create in-order key under directory <key>"}, {"--ttl value", kTtl}}},
      {"mkdir", "make a new directory", " [command options] <key>", "", {{"--ttl value", kTtl}}},
      {"rm",
       "remove a key or a directory",
       " [command options] <key>",
       "",
       {{"--dir", "removes the key if it is an empty directory or a key-value pair"},
        {"--recursive, -r", "removes the key and all child keys(if it is a directory)"},
        {"--with-value value", "previous value"},
        {"--with-index value", "previous index (default: 0)"}}},
      {"rmdir",
       "removes the key if it is an empty directory or a key-value pair",
       " <key>",
       "",
       {}},
      {"get",
       "retrieve the value of a key",
       " [command options] <key>",
       "",
       {{"--sort", "returns result in sorted order"},
        {"--quorum, -q", "require quorum for get request"}}},
      {"ls",
       "retrieve a directory",
       " [command options] [key]",
       "",
       {{"--sort", "returns result in sorted order"},
        {"--recursive, -r", "returns all key names recursively for the given path"},
        {"-p", "append slash (/) to directories"},
        {"--quorum, -q", "require quorum for get request"}}},
      {"set",
       "set the value of a key",
       " [command options] <key> <value>",
       "Set sets the value of a key.\n\nWhen <value> begins with '-', <value> is interpreted as a "
       "flag.\nInsert '--' for workaround:\n\n$ set -- <key> <value>",
       {{"--ttl value", kTtl},
        {"--swap-with-value value", "previous value"},
        {"--swap-with-index value", "previous index (default: 0)"}}},
      {"setdir",
       "create a new directory or update an existing directory TTL",
       " [command options] <key>",
       "",
       {{"--ttl value", kTtl}}},
      {"update",
       "update an existing key with a given value",
       " [command options] <key> <value>",
       "",
       {{"--ttl value", kTtl}}},
      {"updatedir",
       "update an existing directory",
       " [command options] <key> <value>",
       "",
       {{"--ttl value", kTtl}}},
      {"watch",
       "watch a key for changes",
       " [command options] <key>",
       "",
       {{"--forever, -f", "forever watch a key until CTRL+C"},
        {"--after-index value", "watch after the given index (default: 0)"},
        {"--recursive, -r", "returns all values for key and child keys"}}},
      {"exec-watch",
       "watch a key for changes and exec an executable",
       " [command options] <key> <command> [args...]",
       "",
       {{"--after-index value", "watch after the given index (default: 0)"},
        {"--recursive, -r", "watch all values for key and child keys"}}},
  };
  return all;
}

// The commands that are apps of their own (urfave/cli subcommands): member, user, role, auth.
struct SubApp {
  std::string_view name;
  std::string_view summary;
  std::vector<Page> pages;
};

const std::vector<SubApp>& sub_apps() {
  static const std::vector<SubApp> all = {
      {"member",
       "member add, remove and list subcommands",
       {
           {"list", "enumerate existing cluster members", "  ", "", {}},
           {"add", "add a new member to the etcd cluster", " <name> <peerURL>", "", {}},
           {"remove", "remove an existing member from the etcd cluster", " <memberID>", "", {}},
           {"update",
            "update an existing member in the etcd cluster",
            " <memberID> <peerURLs>",
            "",
            {}},
       }},
      {"user",
       "user add, grant and revoke subcommands",
       {
           {"add", "add a new user for the etcd cluster", " <user>", "", {}},
           {"get", "get details for a user", " <user>", "", {}},
           {"list", "list all current users", " <user>", "", {}},
           {"remove", "remove a user for the etcd cluster", " <user>", "", {}},
           {"grant",
            "grant roles to an etcd user",
            " [command options] <user>",
            "",
            {{"--roles value", "List of roles to grant or revoke"}}},
           {"revoke",
            "revoke roles for an etcd user",
            " [command options] <user>",
            "",
            {{"--roles value", "List of roles to grant or revoke"}}},
           {"passwd", "change password for a user", " <user>", "", {}},
       }},
      {"role",
       "role add, grant and revoke subcommands",
       {
           {"add", "add a new role for the etcd cluster", " <role> ", "", {}},
           {"get", "get details for a role", " <role>", "", {}},
           {"list", "list all roles", "  ", "", {}},
           {"remove", "remove a role from the etcd cluster", " <role>", "", {}},
           {"grant",
            "grant path matches to an etcd role",
            " [command options] <role>",
            "",
            {{"--path value", "Path granted for the role to access"},
             {"--read", "Grant read-only access"},
             {"--write", "Grant write-only access"},
             {"--readwrite, --rw", "Grant read-write access"}}},
           {"revoke",
            "revoke path matches for an etcd role",
            " [command options] <role>",
            "",
            {{"--path value", "Path revoked for the role to access"},
             {"--read", "Revoke read access"},
             {"--write", "Revoke write access"},
             {"--readwrite, --rw", "Revoke read-write access"}}},
       }},
      {"auth",
       "overall auth controls",
       {
           {"enable", "enable auth access controls", "  ", "", {}},
           {"disable", "disable auth access controls", "  ", "", {}},
       }},
  };
  return all;
}

const SubApp* find_sub_app(std::string_view name) {
  for (const auto& app : sub_apps()) {
    if (app.name == name) return &app;
  }
  return nullptr;
}

// Option lines as Go's tabwriter aligns them: the flag column padded to the widest plus two.
std::string option_lines(const std::vector<Option>& options) {
  size_t width = 0;
  for (const auto& o : options) width = std::max(width, o.flags.size());
  std::string out;
  for (const auto& o : options) {
    out += "   " + std::string(o.flags) + std::string(width - o.flags.size() + 2, ' ') +
           std::string(o.text) + "\n";
  }
  return out;
}

std::string render(const Page& page, std::string_view prefix) {
  std::string name = std::string(prefix) + std::string(page.name);
  std::string out = "NAME:\n   " + name + " - " + std::string(page.summary) + "\n\nUSAGE:\n   " +
                    name + std::string(page.usage) + "\n";
  if (!page.description.empty()) {
    out += "\nDESCRIPTION:\n";
    std::string_view rest = page.description;
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      out += line.empty() ? "\n" : "   " + std::string(line) + "\n";
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
    out += "\n";
  }
  if (!page.options.empty()) {
    if (page.description.empty()) out += "\n";
    out += "OPTIONS:\n" + option_lines(page.options) + "   \n";
  }
  return out;
}

std::string sub_app_commands(const SubApp& app) {
  std::vector<Option> rows;
  for (const auto& p : app.pages) rows.push_back({p.name, p.summary});
  return option_lines(rows);
}

// The NAME and USAGE lines of a sub-app's pages; `usage` follows "<program> <command>".
std::string sub_app_head(const SubApp& app, std::string_view usage) {
  std::string name = std::string(kProgram) + " " + std::string(app.name);
  return "NAME:\n   " + name + " - " + std::string(app.summary) + "\n\nUSAGE:\n   " + name +
         std::string(usage) + "\n";
}

}  // namespace

bool is_sub_app(const std::string& command) { return find_sub_app(command) != nullptr; }

std::optional<std::string> command_help(const std::string& command) {
  if (const SubApp* app = find_sub_app(command)) {
    return sub_app_head(*app, " command [command options] [arguments...]") + "\nCOMMANDS:\n" +
           sub_app_commands(*app) + "\nOPTIONS:\n   --help, -h  show help\n   \n";
  }
  for (const auto& page : pages()) {
    if (page.name == command) return render(page, std::string(kProgram) + " ");
  }
  return std::nullopt;
}

std::optional<std::string> help_topic(const std::string& command) {
  if (const SubApp* app = find_sub_app(command)) {
    return sub_app_head(*app, " [arguments...]");
  }
  return command_help(command);
}

std::string sub_app_help(const std::string& command) {
  const SubApp* app = find_sub_app(command);
  if (!app) return {};
  return sub_app_head(*app, " [global options] command [command options] [arguments...]") +
         "\nVERSION:\n   3.4.23\n\nCOMMANDS:\n" + sub_app_commands(*app) +
         "\nGLOBAL OPTIONS:\n   --help, -h  show help\n";
}

std::optional<std::string> subcommand_help(const std::string& command, const std::string& sub) {
  const SubApp* app = find_sub_app(command);
  if (!app) return std::nullopt;
  for (const auto& page : app->pages) {
    if (page.name == sub) return render(page, std::string(kProgram) + " " + command + " ");
  }
  return std::nullopt;
}

std::string command_usage_page(const std::string& command, const std::string& message) {
  return "Incorrect Usage: " + message + "\n\n" + command_help(command).value_or("");
}

std::string no_help_topic(const std::string& topic) {
  return "No help topic for '" + topic + "'\n";
}

}  // namespace etcdpp::ctl
