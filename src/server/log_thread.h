#pragma once
// Runs a LogWriter on its own thread so that fsync never blocks the member's event loop.
//
// Group commit: entries submitted while a sync is running are written together and covered by
// the next sync, so there is at most one sync in flight and its cost is shared by every write
// that arrived meanwhile. Snapshots are saved on the same thread, in order with the entries.
//
// Contract: on_durable(index, error) is called on the log thread after every entry up to
// `index` is durable (error empty), or once with an error when the log cannot be written — the
// member must then stop: nothing after that point can be acknowledged.
// on_snapshot(index, error) reports each snapshot save.
#include "server/log_writer.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace etcdpp::server {

class LogThread {
 public:
  using Report = std::function<void(uint64_t index, std::string error)>;

  LogThread(LogWriter writer, Report on_durable, Report on_snapshot);
  // Writes what was submitted, then joins the thread.
  ~LogThread();
  LogThread(const LogThread&) = delete;
  LogThread& operator=(const LogThread&) = delete;

  // Entries must be submitted in log order.
  void submit_entry(uint64_t index, std::string encoded_entry);
  void submit_snapshot(snap::Snapshot snapshot);

 private:
  struct EntryJob {
    uint64_t index;
    std::string bytes;
  };
  using Job = std::variant<EntryJob, snap::Snapshot>;

  void run();
  void push(Job job);

  LogWriter writer_;
  Report on_durable_;
  Report on_snapshot_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Job> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  bool failed_ = false;     // log thread only
  std::thread thread_;
};

}  // namespace etcdpp::server
