#include "store/watcher_hub.h"

#include "base/path.h"

namespace etcdpp::store {

bool Watcher::offer(const Event& e, bool original_path, bool deleted) {
  if (!(recursive_ || original_path || deleted) || e.index < since_index_) return false;
  if (pending_.size() >= kMaxPending) {
    removed_ = true;  // missed an event: the watch ends (the client re-watches)
  } else {
    pending_.push_back(e);
  }
  signal();
  return true;
}

std::shared_ptr<Watcher> WatcherHub::add(const std::string& key, bool recursive, bool stream,
                                         uint64_t since_index, uint64_t start_index) {
  auto w = std::make_shared<Watcher>(recursive, stream, since_index, start_index);
  watchers_[key].push_back(w);
  keys_[w.get()] = key;
  ++count_;
  return w;
}

std::shared_ptr<Watcher> WatcherHub::answered(const Event& e, bool recursive, bool stream,
                                              uint64_t since_index, uint64_t start_index) {
  auto w = std::make_shared<Watcher>(recursive, stream, since_index, start_index);
  w->pending_.push_back(e);
  w->removed_ = true;
  return w;
}

void WatcherHub::cancel(const std::shared_ptr<Watcher>& watcher) {
  auto k = keys_.find(watcher.get());
  if (k == keys_.end()) return;
  auto& list = watchers_[k->second];
  list.remove(watcher);
  if (list.empty()) watchers_.erase(k->second);
  keys_.erase(k);
  watcher->removed_ = true;
  --count_;
}

bool hidden_below(const std::string& watch_path, const std::string& key) {
  // When a directory is deleted, watchers deeper than the event's key are told too.
  if (watch_path.size() > key.size()) return false;
  std::string after = base::clean_absolute_path("/" + key.substr(watch_path.size()));
  return after.find("/_") != std::string::npos;
}

void WatcherHub::notify_at(const Event& event, const std::string& path, bool deleted) {
  auto it = watchers_.find(path);
  if (it == watchers_.end()) return;
  auto& list = it->second;
  const std::string& key = event.node.key.empty() ? std::string("/") : event.node.key;
  bool original_path = key == path;
  for (auto w = list.begin(); w != list.end();) {
    auto watcher = *w;
    if ((original_path || !hidden_below(path, key)) &&
        watcher->offer(event, original_path, deleted) &&
        (!watcher->stream() || watcher->removed())) {
      watcher->removed_ = true;
      keys_.erase(watcher.get());
      w = list.erase(w);
      --count_;
      continue;
    }
    ++w;
  }
  if (list.empty()) watchers_.erase(it);
}

void WatcherHub::notify(const Event& event) {
  // "/a/b" tells the watchers of "/", "/a" and "/a/b".
  const std::string& key = event.node.key.empty() ? std::string("/") : event.node.key;
  notify_at(event, "/", false);
  size_t pos = 0;
  while ((pos = key.find('/', pos + 1)) != std::string::npos) {
    notify_at(event, key.substr(0, pos), false);
  }
  if (key != "/") notify_at(event, key, false);
}

void WatcherHub::notify_removed(const Event& event, const std::string& path) {
  notify_at(event, path, true);
}

}  // namespace etcdpp::store
