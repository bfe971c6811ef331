#include "store/history.h"

namespace etcdpp::store {

void EventHistory::add(const Event& event) {
  events_.push_back(event);
  while (events_.size() > capacity_) events_.pop_front();
}

bool history_event_matches(const Event& event, std::string_view watch_key, bool recursive) {
  const std::string& key = event.node.key.empty() ? std::string("/") : event.node.key;
  if (key == watch_key) return true;
  if (recursive) {
    if (watch_key == "/") return true;
    if (key.size() > watch_key.size() && key.compare(0, watch_key.size(), watch_key) == 0 &&
        key[watch_key.size()] == '/') {
      return true;
    }
  }
  // A removed directory takes everything below it: plain string prefix, as etcd compares.
  bool removal = event.action == Action::remove || event.action == Action::expire ||
                 event.action == Action::compare_and_delete;
  return removal && event.node.dir && watch_key.size() >= key.size() &&
         watch_key.compare(0, key.size(), key) == 0;
}

Result<std::optional<Event>> EventHistory::scan(std::string_view key, bool recursive,
                                                uint64_t since, uint64_t current_index) const {
  if (!events_.empty() && since < start_index()) {
    return Error{ErrorCode::EventIndexCleared,
                 "the requested history has been cleared [" + std::to_string(start_index()) + "/" +
                     std::to_string(since) + "]",
                 current_index};
  }
  for (const auto& event : events_) {
    if (event.index < since || event.refresh) continue;
    if (history_event_matches(event, key, recursive)) return std::optional<Event>(event);
  }
  return std::optional<Event>();
}

}  // namespace etcdpp::store
