#include "server/log_writer.h"

#include <algorithm>
#include <vector>

namespace etcdpp::server {

namespace fs = std::filesystem;

std::string LogWriter::append(std::string encoded_entry) {
  return wal_.append(wal::Record{kEntryRecord, std::move(encoded_entry)});
}

std::string LogWriter::save_snapshot(const snap::Snapshot& snapshot) {
  auto err = snap::save(snap_dir_, snapshot);
  if (!err.empty()) return err;
  // Entries up to the snapshot are no longer needed: close the segment and drop old ones.
  // (Record r holds log index r + 1.)
  err = wal_.cut();
  if (err.empty()) err = wal_.purge_before(snapshot.applied_index);
  if (max_snapshots_ > 0) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(snap_dir_, ec)) {
      if (e.path().extension() == ".snap") files.push_back(e.path());
    }
    // Names are fixed-width hex term-index: lexical order is log order.
    std::sort(files.begin(), files.end());
    for (size_t i = 0; i + max_snapshots_ < files.size(); ++i) fs::remove(files[i], ec);
  }
  return err;
}

}  // namespace etcdpp::server
