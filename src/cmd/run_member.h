#pragma once
// Member mode of the etcdpp binary: validates the member flags as etcd does, recovers the
// data dir, serves the client and peer listeners until SIGINT/SIGTERM.
#include "cmd/flags.h"

#include <filesystem>

namespace etcdpp::cmd {

// Returned by run_member when --discovery found the cluster complete and
// --discovery-fallback is proxy: the caller starts a read-write proxy instead. Nothing has been
// written to the data dir then (etcd 3.4 leaves a member/ dir behind that breaks the restart).
inline constexpr int kFallBackToProxy = -1;

// Returns the process exit code: 0 after a signal, 1 when start-up fails or the log cannot be
// written (the reason is logged), 2 for flags etcdpp does not support in member mode; or
// kFallBackToProxy.
int run_member(const FlagValues& flags, const std::filesystem::path& data_dir);

}  // namespace etcdpp::cmd
