#pragma once
// The v2 keyspace: a tree of files and directories with a global index, TTLs, compare-and-swap
// and an event history.
//
// Pure state machine: no I/O, threads or clock. Every write is an "apply" of a committed
// request: TTLs arrive as absolute expiration times (the member that took the request turned
// `ttl` into `now + ttl`), and expiry happens only when delete_expired(now) is applied with the
// leader's time (a SYNC entry), so every replica makes the same changes in the same order.
//
// Indexes: every successful write, expiry and refresh increments index() by exactly one; a
// failed operation changes nothing. Store errors carry the index before the operation.
#include "store/error.h"
#include "store/history.h"
#include "store/node.h"
#include "store/watcher_hub.h"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::store {

using base::WallTime;

// Everything a snapshot must keep of a store: the index, every node (parents before
// children) and the event history (watches may start inside it after a restart).
struct NodeRecord {
  std::string path;
  bool dir = false;
  std::string value;
  uint64_t created_index = 0;
  uint64_t modified_index = 0;
  std::optional<WallTime> expiration;
};

// A node as a snapshot records it, viewed in place.
struct NodeRecordView {
  std::string_view path;
  bool dir = false;
  std::string_view value;
  uint64_t created_index = 0;
  uint64_t modified_index = 0;
  std::optional<WallTime> expiration;
};

struct StoreState {
  uint64_t index = 0;
  std::vector<NodeRecord> nodes;  // the root is implicit
  std::vector<Event> history;
};

class Store {
 public:
  static constexpr size_t kHistoryCapacity = 1000;

  explicit Store(size_t history_capacity = kHistoryCapacity);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  uint64_t index() const { return index_; }

  // GET: a file, or a directory with its visible children (all levels when recursive).
  // Children are always listed in key order (a valid answer for sorted=false too).
  Result<Event> get(std::string_view key, bool recursive) const;

  // PUT without conditions: creates or replaces a file (or creates a directory when `dir`).
  // A refresh keeps the current value and only resets the TTL (the key must exist).
  Result<Event> set(std::string_view key, bool dir, std::string_view value,
                    std::optional<WallTime> expiration, bool refresh = false);
  // PUT prevExist=false, and POST (unique: the key gets a 20-digit in-order name below `key`).
  Result<Event> create(std::string_view key, bool dir, std::string_view value, bool unique,
                       std::optional<WallTime> expiration);
  // PUT prevExist=true without conditions.
  Result<Event> update(std::string_view key, std::string_view value,
                       std::optional<WallTime> expiration, bool refresh = false);
  // PUT with prevValue (non-empty) and/or prevIndex (non-zero).
  Result<Event> compare_and_swap(std::string_view key, std::string_view prev_value,
                                 uint64_t prev_index, std::string_view value,
                                 std::optional<WallTime> expiration, bool refresh = false);
  // DELETE (recursive implies dir).
  Result<Event> remove(std::string_view key, bool dir, bool recursive);
  // DELETE with prevValue and/or prevIndex.
  Result<Event> compare_and_delete(std::string_view key, std::string_view prev_value,
                                   uint64_t prev_index);
  // Applies a SYNC: removes every node whose expiration is <= now, earliest first, one
  // `expire` event (and one index) each.
  std::vector<Event> delete_expired(WallTime now);
  // The earliest expiration in the tree, if any (to know when a SYNC is worth proposing).
  std::optional<WallTime> next_expiration() const;

  const EventHistory& history() const { return history_; }

  // GET ?wait=true. since_index 0 = the next event. An event already in the history is
  // answered at once (the watcher is then not registered); an index older than the history
  // is error 401. Registered watchers receive later events until removed or cancelled.
  Result<std::shared_ptr<Watcher>> watch(std::string_view key, bool recursive, bool stream,
                                         uint64_t since_index);
  WatcherHub& watchers() { return hub_; }
  const WatcherHub& watchers() const { return hub_; }

  // Snapshot support. import_state() replaces the whole content of a fresh store and fails
  // (error 300 with a description) when the state is inconsistent (a node without its parent,
  // a child of a file, a duplicate).
  StoreState export_state() const;
  // Calls f for every node but the root, parents before children and children in key order
  // (export_state's order), with views into the tree: valid during the call only. Lets a
  // snapshot be encoded without copying the keyspace first.
  void visit_nodes(const std::function<void(const NodeRecordView&)>& f) const;
  Result<bool> import_state(const StoreState& state);

 private:
  // Walks to `path`: error 100 (cause: the first missing component) or 104 (cause: a file on
  // the way).
  Result<Node*> find(const std::string& path) const;
  // Walks to the directory `path`, creating missing directories with `index`.
  Result<Node*> ensure_dir(const std::string& path, uint64_t index);
  Result<Event> put_new(const std::string& path, bool dir, std::string_view value,
                        std::optional<WallTime> expiration, uint64_t index, Action action);
  Error error(ErrorCode code, std::string cause) const { return {code, std::move(cause), index_}; }
  // Records `event` and tells the watchers: first those of every removed node (post-order,
  // as etcd), then those of the event's key and its ancestors (never for a refresh).
  Event commit(Event event, const std::vector<std::string>& removed_paths = {});
  // The file at `key` when it passes the compare (CAS and CAD): errors 107, 100, 104, 102, 101.
  Result<Node*> find_compared_file(std::string_view key, std::string_view prev_value,
                                   uint64_t prev_index) const;
  // Changes a file in place (update, CAS): keeps createdIndex; a refresh keeps the value.
  Event modify_file(Node& node, Action action, std::string_view value,
                    std::optional<WallTime> expiration, bool refresh);
  // Removes `node` (and its subtree) as one event of `action` (delete, CAD, expire).
  Event remove_node(Node& node, Action action);

  void set_expiration(Node& node, std::optional<WallTime> expiration);
  void unlink(Node& node);  // drops TTL entries of the whole subtree
  std::unique_ptr<Node> detach(Node& node);

  NodeView view(const Node& node) const;
  NodeView listing(const Node& node, bool recursive) const;

  std::unique_ptr<Node> root_;
  uint64_t index_ = 0;
  std::set<std::pair<WallTime, Node*>> expirations_;
  EventHistory history_;
  WatcherHub hub_;
};

// "/" + key, cleaned like Go's path.Clean (the store's key normalisation).
std::string normalize_key(std::string_view key);

}  // namespace etcdpp::store
