#pragma once
// The last `capacity` events (1000 in etcd), for watches that start at an older index.
#include "store/error.h"
#include "store/node.h"

#include <deque>
#include <optional>
#include <string_view>

namespace etcdpp::store {

class EventHistory {
 public:
  explicit EventHistory(size_t capacity) : capacity_(capacity) {}

  void add(const Event& event);

  // The first event with index >= since that a watch on `key` would see (refresh events are
  // skipped), nullopt when there is none yet. An index older than the oldest retained event is
  // error 401 "...outdated and cleared" with cause "the requested history has been cleared
  // [<oldest>/<since>]" and index `current_index`.
  Result<std::optional<Event>> scan(std::string_view key, bool recursive, uint64_t since,
                                    uint64_t current_index) const;

  // Index of the oldest retained event (0 while empty).
  uint64_t start_index() const { return events_.empty() ? 0 : events_.front().index; }
  size_t size() const { return events_.size(); }
  const Event& at(size_t i) const { return events_[i]; }

 private:
  size_t capacity_;
  std::deque<Event> events_;
};

// Whether an event on `event_key` concerns a watch on `watch_key` (history semantics: a delete
// or expire of a directory matches every watch whose key starts with the directory's key).
bool history_event_matches(const Event& event, std::string_view watch_key, bool recursive);

}  // namespace etcdpp::store
