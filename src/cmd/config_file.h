#pragma once
// --config-file (etcd 3.4): a YAML map whose keys are the flag names (`name: m1`,
// `listen-client-urls: http://127.0.0.1:2379`, `heartbeat-interval: 100`, `proxy: on`, …).
// As in etcd, a config file replaces every other command-line flag and ETCD_* variable.
//
// Unlike etcd: an unknown key is reported (etcd silently ignores it, so a typo is lost), and an
// unquoted `proxy: on` means "on" (etcd's YAML reads it as a boolean and refuses it).
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace etcdpp::cmd {

struct ConfigFile {
  std::map<std::string, std::string> values;  // flag name → value as flag text
  std::vector<std::string> warnings;
};

// Parses the YAML text. Sequences become comma-separated lists (log-outputs: [stderr]); the
// TLS sections (client-transport-security, peer-transport-security) become their flags
// (cert-file, peer-cert-file, …). `known` says whether a flag name exists. Returns nullopt and
// sets `error` (with the line) when the text is not a YAML map of such values.
std::optional<ConfigFile> parse_config_file(const std::string& text,
                                            bool (*known)(const std::string& name),
                                            std::string& error);

}  // namespace etcdpp::cmd
