#include "ctl/backup.h"

#include "server/durable_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <system_error>

namespace etcdpp::ctl {

namespace fs = std::filesystem;

namespace {

// An attempt takes milliseconds; a member snapshotting very often (a small --snapshot-count
// under load) can void several in a row (see copy_files).
constexpr int kAttempts = 20;

int fail(const std::string& message) {
  std::cerr << "Error:  " << message << "\n";
  return kExitError;
}

void sync_path(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Copies the regular files of `from` (not *.tmp: a write in progress) into `to`, synced.
std::string copy_files(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return "cannot create " + to.string() + ": " + ec.message();
  for (const auto& entry : fs::directory_iterator(from, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() == ".tmp") continue;
    fs::path target = to / entry.path().filename();
    fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing, ec);
    // A file listed a moment ago and gone now was compacted away after a snapshot this copy
    // may not hold. Recovery cannot always tell: when the vanished segment is the last one
    // copied, the copy simply ends early (acknowledged writes missing, no hole to see). So the
    // attempt is void and the copy starts over.
    if (ec == std::errc::no_such_file_or_directory) {
      return entry.path().string() +
             " was removed while it was copied (the member compacted "
             "its log)";
    }
    if (ec) return "cannot copy " + entry.path().string() + ": " + ec.message();
    sync_path(target);
  }
  if (ec) return "cannot list " + from.string() + ": " + ec.message();
  sync_path(to);
  return {};
}

}  // namespace

std::string copy_member_data(const fs::path& member, const fs::path& wal, const fs::path& out,
                             const fs::path& out_wal,
                             const std::function<void()>& between_wal_and_snapshots) {
  std::error_code ec;
  fs::remove_all(out, ec);
  if (!out_wal.empty()) fs::remove_all(out_wal, ec);
  fs::create_directories(out, ec);
  if (ec) return "cannot create " + out.string() + ": " + ec.message();
  fs::copy_file(member / "identity", out / "identity", ec);
  if (ec) return "cannot copy " + (member / "identity").string() + ": " + ec.message();
  sync_path(out / "identity");
  // The WAL before the snapshots. Every entry the WAL listed here lacks is covered by a
  // snapshot that existed when it was listed, and snapshots are only ever replaced by newer
  // ones, so the snapshots copied afterwards reach at least that far: WAL and snapshot join up.
  // (The other order can lose a tail of acknowledged writes: a snapshot taken between the two
  // copies purges the segments after the copied snapshot, and when the new segment holds no
  // entry yet, recovery sees no hole — the copy just ends at the older snapshot.)
  if (auto err = copy_files(wal, out_wal.empty() ? out / "wal" : out_wal); !err.empty()) {
    return err;
  }
  if (between_wal_and_snapshots) between_wal_and_snapshots();
  if (fs::exists(member / "snap")) {
    if (auto err = copy_files(member / "snap", out / "snap"); !err.empty()) return err;
  }
  server::DurableOptions options;
  options.member_dir = out;
  options.wal_dir = out_wal;
  std::string error;
  std::vector<std::string> notes;
  auto recovered = server::recover(options, error, notes);
  return recovered ? std::string() : error;
}

int run_backup(const CommandArgs& args) {
  if (args.flag("with-v3")) return fail("--with-v3: etcdpp keeps no v3 data");
  std::string data_dir = args.value("data-dir");
  std::string backup_dir = args.value("backup-dir");
  if (data_dir.empty() || backup_dir.empty()) {
    return fail("backup needs --data-dir and --backup-dir");
  }
  fs::path member = fs::path(data_dir) / "member";
  fs::path wal = args.value("wal-dir").empty() ? member / "wal" : fs::path(args.value("wal-dir"));
  std::error_code ec;
  if (!fs::is_regular_file(member / "identity", ec) || !fs::is_directory(wal, ec)) {
    return fail(data_dir + " is not an etcdpp member's data dir (no " +
                (member / "identity").string() + " or " + wal.string() + ")");
  }
  fs::path out = fs::path(backup_dir) / "member";
  fs::path out_wal = args.value("backup-wal-dir");
  if (fs::exists(out, ec) && !fs::is_empty(out, ec)) {
    return fail(out.string() + " already exists: back up into a new directory");
  }
  // Written under temporary names, renamed when complete: an interrupted backup is never
  // mistaken for a good one.
  fs::path tmp = fs::path(backup_dir) / "member.partial";
  fs::path tmp_wal = out_wal.empty() ? fs::path() : fs::path(out_wal.string() + ".partial");
  std::string error;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    error = copy_member_data(member, wal, tmp, tmp_wal);
    if (error.empty()) break;
  }
  if (!error.empty()) {
    fs::remove_all(tmp, ec);
    if (!tmp_wal.empty()) fs::remove_all(tmp_wal, ec);
    return fail("the copy of " + data_dir + " does not check out (" + error + ")");
  }
  if (!out_wal.empty()) fs::rename(tmp_wal, out_wal, ec);
  if (!ec) fs::rename(tmp, out, ec);
  if (ec) return fail("cannot move the backup into place: " + ec.message());
  sync_path(backup_dir);
  return kExitSuccess;
}

}  // namespace etcdpp::ctl
