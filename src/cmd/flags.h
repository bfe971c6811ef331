#pragma once
// etcd's command line, as etcdpp accepts it: every flag in the forms -flag v, --flag v,
// -flag=v, --flag=v; booleans bare or with =value; ETCD_* environment variables for flags not
// given on the command line. Unlike etcd (last one wins), a flag given twice is an error, so a
// typo in a long command line cannot silently override an earlier value.
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace etcdpp::cmd {

struct FlagValues {
  // Final value of every known flag, as text (defaults applied).
  std::map<std::string, std::string> values;
  // Flags set explicitly (command line or environment).
  std::map<std::string, std::string> set_by;  // name -> "flag" or "env"

  const std::string& get(const std::string& name) const { return values.at(name); }
  bool is_set(const std::string& name) const { return set_by.count(name) != 0; }
  bool get_bool(const std::string& name) const;  // precondition: validated
  uint64_t get_uint(const std::string& name) const;
};

struct ParseOutcome {
  // -1: continue start-up; otherwise exit with this code after printing `out` to stdout and
  // `err` to stderr.
  int exit_code = -1;
  std::string out;
  std::string err;
  std::vector<std::string> warnings;  // to log once logging is up
  std::vector<std::string> infos;
  FlagValues flags;
};

// `args` without the program name; `env` as NAME=VALUE strings.
ParseOutcome parse_flags(const std::vector<std::string>& args, const std::vector<std::string>& env);

std::string usage_text();
std::string version_text();

}  // namespace etcdpp::cmd
