#pragma once
// The v2 keyspace's data model: the node tree (internal) and the views of nodes and the events
// that responses and watchers see.
#include "base/clock.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::store {

// A node as a response shows it (etcd's NodeExtern). Field presence rules are applied when
// rendering: empty/zero fields are omitted.
struct NodeView {
  std::string key;  // empty for the root
  bool dir = false;
  std::optional<std::string> value;  // files only; absent in delete/expire event nodes
  std::optional<base::WallTime> expiration;
  std::vector<NodeView> nodes;  // listed children (GET of a directory)
  uint64_t modified_index = 0;
  uint64_t created_index = 0;

  bool operator==(const NodeView&) const = default;
};

enum class Action {
  get,
  set,
  create,
  update,
  remove,
  compare_and_swap,
  compare_and_delete,
  expire
};

// etcd's action names: "get", "set", "create", "update", "delete", "compareAndSwap",
// "compareAndDelete", "expire".
const char* action_name(Action action);

struct Event {
  Action action = Action::get;
  NodeView node;
  std::optional<NodeView> prev_node;
  uint64_t index = 0;    // the store index after the operation (reads: the current index)
  bool refresh = false;  // TTL refresh: recorded in history, never delivered to watchers

  // True for a write that created its node (answered 201 by the API).
  bool created() const { return action == Action::create || (action == Action::set && !prev_node); }
};

// Internal tree node. Owned by its parent (the root by the Store).
// Laid out for memory: a store holds one per key, so every byte here is paid per key. A file
// carries no child map; a directory allocates one when its first child arrives.
struct Node {
  // Children by name, ordered (sorted listings). A key is a view of the child's own `path`
  // (its last component): a node never moves (it is owned through a unique_ptr) and its path
  // never changes, so the view lives exactly as long as the entry.
  using Children = std::map<std::string_view, std::unique_ptr<Node>, std::less<>>;

  std::string path;  // full key, "/" for the root; immutable once the node is in the tree
  std::string value;
  uint64_t created_index = 0;
  uint64_t modified_index = 0;
  std::optional<base::WallTime> expiration;
  std::unique_ptr<Children> children;  // null until a directory gets its first child
  Node* parent = nullptr;
  bool dir = false;

  std::string_view name() const { return std::string_view(path).substr(path.rfind('/') + 1); }
  // A hidden node's last path component starts with '_'.
  bool hidden() const { return path.size() > 1 && path[path.rfind('/') + 1] == '_'; }
  bool has_children() const { return children && !children->empty(); }
};

}  // namespace etcdpp::store
