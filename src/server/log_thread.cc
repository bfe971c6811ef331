#include "server/log_thread.h"

#include <malloc.h>

namespace etcdpp::server {

LogThread::LogThread(LogWriter writer, Report on_durable, Report on_snapshot)
    : writer_(std::move(writer)),
      on_durable_(std::move(on_durable)),
      on_snapshot_(std::move(on_snapshot)),
      thread_([this] { run(); }) {}

LogThread::~LogThread() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void LogThread::push(Job job) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void LogThread::submit_entry(uint64_t index, std::string encoded_entry) {
  push(EntryJob{index, std::move(encoded_entry)});
}

void LogThread::submit_snapshot(snap::Snapshot snapshot) { push(std::move(snapshot)); }

void LogThread::run() {
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything submitted is written
      batch.swap(queue_);
    }
    if (failed_) {
      batch.clear();
      continue;
    }
    uint64_t last_index = 0;
    std::string error;
    for (auto& job : batch) {
      if (auto* e = std::get_if<EntryJob>(&job)) {
        error = writer_.append(std::move(e->bytes));
        if (!error.empty()) break;
        last_index = e->index;
      } else {
        // Everything before the snapshot in this batch must be durable first: the snapshot
        // lets the WAL before it be purged.
        if (last_index > 0) {
          error = writer_.sync();
          if (!error.empty()) break;
          on_durable_(last_index, "");
          last_index = 0;
        }
        auto& snapshot = std::get<snap::Snapshot>(job);
        on_snapshot_(snapshot.applied_index, writer_.save_snapshot(snapshot));
        // The snapshot is a full copy of the keyspace: give its memory back to the system at
        // once rather than keeping it in the allocator's free lists (RSS would otherwise stay
        // at the peak of the copy).
        snapshot = snap::Snapshot{};
        ::malloc_trim(0);
      }
    }
    if (error.empty() && last_index > 0) error = writer_.sync();
    if (!error.empty()) {
      failed_ = true;
      on_durable_(0, error);
    } else if (last_index > 0) {
      on_durable_(last_index, "");
    }
    batch.clear();
  }
}

}  // namespace etcdpp::server
