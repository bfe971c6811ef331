#pragma once
// etcdctl's `backup`: a consistent copy of a member's data dir, taken while the member runs or
// not, that `etcdpp --data-dir <backup-dir> --force-new-cluster` restarts as a single-member
// cluster with all the data (etcd's v2 backup and restore).
#include "ctl/commands.h"

#include <filesystem>
#include <functional>
#include <string>

namespace etcdpp::ctl {

// --data-dir (required), --wal-dir, --backup-dir (required), --backup-wal-dir; --with-v3 is
// refused (etcdpp has no v3 data). Prints nothing on success, as etcdctl; exit status 1 with
// the reason otherwise.
int run_backup(const CommandArgs& args);

// One attempt at the copy: `member` (holding identity and snap/) and `wal` into `out` (and
// `out_wal` when not empty), then the copy is recovered as a member would recover it. Empty on
// success, else why the copy is unusable (a file the member removed meanwhile, a hole). The
// copy holds every write the member acknowledged before the call. `between_wal_and_snapshots`
// lets tests make the member snapshot and compact at the worst moment.
std::string copy_member_data(const std::filesystem::path& member, const std::filesystem::path& wal,
                             const std::filesystem::path& out, const std::filesystem::path& out_wal,
                             const std::function<void()>& between_wal_and_snapshots = {});

}  // namespace etcdpp::ctl
