#pragma once
// Live watches (GET ?wait=true): who is told about which event, with etcd's rules
// (v2store watcher_hub.go), as a pure data structure: events are queued on the watcher and
// its on_ready callback is invoked synchronously; the server decides how to wake the client.
#include "store/node.h"

#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>

namespace etcdpp::store {

class Watcher {
 public:
  static constexpr size_t kMaxPending = 100;  // etcd's per-watcher channel capacity

  Watcher(bool recursive, bool stream, uint64_t since_index, uint64_t start_index)
      : recursive_(recursive),
        stream_(stream),
        since_index_(since_index),
        start_index_(start_index) {}

  bool recursive() const { return recursive_; }
  bool stream() const { return stream_; }
  // The store index when the watch was registered (the X-Etcd-Index of the response).
  uint64_t start_index() const { return start_index_; }
  // True once the hub dropped the watcher: after its one event (non-stream), when its buffer
  // overflowed (a stream then simply ends), or when it was cancelled.
  bool removed() const { return removed_; }

  bool has_event() const { return !pending_.empty(); }
  Event take_event() {
    Event e = std::move(pending_.front());
    pending_.pop_front();
    return e;
  }
  // Called whenever an event is queued or the watcher is removed.
  void set_on_ready(std::function<void()> cb) { on_ready_ = std::move(cb); }

 private:
  friend class WatcherHub;
  // Queues `e` when it concerns this watcher. Returns true when it did (or overflowed).
  bool offer(const Event& e, bool original_path, bool deleted);
  void signal() {
    if (on_ready_) on_ready_();
  }

  bool recursive_;
  bool stream_;
  uint64_t since_index_;
  uint64_t start_index_;
  bool removed_ = false;
  std::deque<Event> pending_;
  std::function<void()> on_ready_;
};

class WatcherHub {
 public:
  // Registers a watcher on `key` (already normalised). The caller has checked the history
  // first; a watcher registered here waits for events with index >= since_index.
  std::shared_ptr<Watcher> add(const std::string& key, bool recursive, bool stream,
                               uint64_t since_index, uint64_t start_index);
  // A watcher answered from history: holds one event and is not registered (as etcd does,
  // even for a stream).
  static std::shared_ptr<Watcher> answered(const Event& e, bool recursive, bool stream,
                                           uint64_t since_index, uint64_t start_index);
  // Drops a watcher (client went away). Safe for watchers already removed.
  void cancel(const std::shared_ptr<Watcher>& watcher);

  // An event at `event.node.key`: tells the watchers of the key and of every ancestor.
  void notify(const Event& event);
  // A node at `path` was removed as part of `event` (a delete or expire of it or of an
  // ancestor): tells the watchers registered exactly at `path`.
  void notify_removed(const Event& event, const std::string& path);

  size_t count() const { return count_; }

 private:
  void notify_at(const Event& event, const std::string& path, bool deleted);

  std::map<std::string, std::list<std::shared_ptr<Watcher>>> watchers_;
  std::map<const Watcher*, std::string> keys_;
  size_t count_ = 0;
};

// etcd's isHidden: whether the part of `key` below `watch_path` has a component starting
// with '_'.
bool hidden_below(const std::string& watch_path, const std::string& key);

}  // namespace etcdpp::store
