#pragma once
// The table of etcd 3.4's flags and what etcdpp does with each.
#include <string_view>
#include <vector>

namespace etcdpp::cmd {

enum class FlagKind { text, boolean, uint };

enum class FlagSupport {
  honoured,     // implemented
  no_effect,    // accepted; like etcd, it has no effect on a proxy (member-only setting)
  unsupported,  // rejected with a message when set to anything but its default
  legacy,       // accepted and ignored with etcd's warning
};

struct FlagSpec {
  std::string_view name;
  FlagKind kind;
  std::string_view default_value;
  FlagSupport support;
  std::string_view help;
};

const std::vector<FlagSpec>& flag_table();
const FlagSpec* find_flag(std::string_view name);

}  // namespace etcdpp::cmd
