#pragma once
// etcdctl's `backup`: a consistent copy of a member's data dir, taken while the member runs or
// not, that `etcdpp --data-dir <backup-dir> --force-new-cluster` restarts as a single-member
// cluster with all the data (etcd's v2 backup and restore).
#include "ctl/commands.h"

namespace etcdpp::ctl {

// --data-dir (required), --wal-dir, --backup-dir (required), --backup-wal-dir; --with-v3 is
// refused (etcdpp has no v3 data). Prints nothing on success, as etcdctl; exit status 1 with
// the reason otherwise.
int run_backup(const CommandArgs& args);

}  // namespace etcdpp::ctl
