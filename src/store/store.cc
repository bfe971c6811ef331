#include "store/store.h"

#include "base/path.h"

#include <cstdio>

namespace etcdpp::store {

namespace {

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Takes the next component of an absolute, cleaned path off the front of `rest`: "/a/b" gives
// "a" and leaves "/b"; "/" and "" give none (false).
bool next_component(std::string_view& rest, std::string_view& part) {
  if (rest.size() <= 1) return false;
  size_t slash = rest.find('/', 1);
  if (slash == std::string_view::npos) slash = rest.size();
  part = rest.substr(1, slash - 1);
  rest.remove_prefix(slash);
  return true;
}

std::string join(std::string_view dir, std::string_view name) {
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  if (dir != "/") out += dir;
  out += '/';
  out += name;
  return out;
}

const Node::Children& children_of(const Node& node) {
  static const Node::Children kNone;
  return node.children ? *node.children : kNone;
}

Node* find_child(const Node& node, std::string_view name) {
  if (!node.children) return nullptr;
  auto it = node.children->find(name);
  return it == node.children->end() ? nullptr : it->second.get();
}

// Links `child` (whose path is set) under `parent`. False if the name is taken.
bool insert_child(Node& parent, std::unique_ptr<Node> child) {
  if (!parent.children) parent.children = std::make_unique<Node::Children>();
  Node* raw = child.get();
  raw->parent = &parent;
  return parent.children->emplace(raw->name(), std::move(child)).second;
}

// The cause text of a failed compare: "[prev != current]" per failed condition.
std::string compare_failure(std::string_view prev_value, uint64_t prev_index, const Node& node) {
  std::string cause;
  if (!prev_value.empty() && prev_value != node.value) {
    cause = "[" + std::string(prev_value) + " != " + node.value + "]";
  }
  if (prev_index != 0 && prev_index != node.modified_index) {
    if (!cause.empty()) cause += " ";
    cause += "[" + std::to_string(prev_index) + " != " + std::to_string(node.modified_index) + "]";
  }
  return cause;
}

// Paths of a subtree, children before their parent (the order etcd tells watchers in).
void collect_post_order(const Node& node, std::vector<std::string>& out) {
  for (const auto& [_, child] : children_of(node)) collect_post_order(*child, out);
  out.push_back(node.path);
}

}  // namespace

const char* action_name(Action action) {
  switch (action) {
    case Action::get: return "get";
    case Action::set: return "set";
    case Action::create: return "create";
    case Action::update: return "update";
    case Action::remove: return "delete";
    case Action::compare_and_swap: return "compareAndSwap";
    case Action::compare_and_delete: return "compareAndDelete";
    case Action::expire: return "expire";
  }
  return "unknown";
}

std::string normalize_key(std::string_view key) {
  // Rooting the key first ("/" + key) would name the same elements: clean it as it is.
  return base::clean_absolute_path(key);
}

Store::Store(size_t history_capacity)
    : root_(std::make_unique<Node>()), history_(history_capacity) {
  root_->path = "/";
  root_->dir = true;
}

Result<Node*> Store::find(const std::string& path) const {
  Node* node = root_.get();
  std::string_view rest = path, part;
  while (next_component(rest, part)) {
    if (!node->dir) return error(ErrorCode::NotDir, node->path);
    Node* child = find_child(*node, part);
    if (!child) return error(ErrorCode::KeyNotFound, join(node->path, part));
    node = child;
  }
  return node;
}

Result<Node*> Store::ensure_dir(const std::string& path, uint64_t index) {
  Node* node = root_.get();
  std::string_view rest = path, part;
  while (next_component(rest, part)) {
    Node* child = find_child(*node, part);
    if (!child) {
      auto made = std::make_unique<Node>();
      made->path = join(node->path, part);
      made->dir = true;
      made->created_index = made->modified_index = index;
      child = made.get();
      insert_child(*node, std::move(made));
    } else if (!child->dir) {
      return error(ErrorCode::NotDir, child->path);
    }
    node = child;
  }
  return node;
}

void Store::set_expiration(Node& node, std::optional<WallTime> expiration) {
  if (node.expiration) expirations_.erase({*node.expiration, &node});
  node.expiration = expiration;
  if (expiration) expirations_.insert({*expiration, &node});
}

void Store::unlink(Node& node) {
  if (node.expiration) expirations_.erase({*node.expiration, &node});
  for (auto& [_, child] : children_of(node)) unlink(*child);
}

std::unique_ptr<Node> Store::detach(Node& node) {
  unlink(node);
  Node::Children& siblings = *node.parent->children;
  auto it = siblings.find(node.name());
  std::unique_ptr<Node> owned = std::move(it->second);
  siblings.erase(it);  // before `owned` dies: the key views its path
  return owned;
}

NodeView Store::view(const Node& node) const {
  NodeView v;
  if (&node != root_.get()) v.key = node.path;
  v.dir = node.dir;
  if (!node.dir) v.value = node.value;
  v.expiration = node.expiration;
  v.modified_index = node.modified_index;
  v.created_index = node.created_index;
  return v;
}

NodeView Store::listing(const Node& node, bool recursive) const {
  NodeView v = view(node);
  for (const auto& [_, child] : children_of(node)) {
    if (child->hidden()) continue;
    v.nodes.push_back(recursive && child->dir ? listing(*child, true) : view(*child));
  }
  return v;
}

Result<Node*> Store::find_compared_file(std::string_view key, std::string_view prev_value,
                                        uint64_t prev_index) const {
  std::string path = normalize_key(key);
  if (path == "/") return error(ErrorCode::RootReadOnly, "/");
  auto found = find(path);
  if (!found) return found.error();
  if ((*found)->dir) return error(ErrorCode::NotFile, path);
  std::string cause = compare_failure(prev_value, prev_index, **found);
  if (!cause.empty()) return error(ErrorCode::TestFailed, cause);
  return found;
}

Event Store::modify_file(Node& node, Action action, std::string_view value,
                         std::optional<WallTime> expiration, bool refresh) {
  Event e;
  e.action = action;
  e.index = index_ + 1;
  e.refresh = refresh;
  e.prev_node = view(node);
  if (!refresh) node.value = std::string(value);
  node.modified_index = e.index;
  set_expiration(node, expiration);
  e.node = view(node);
  return commit(std::move(e));
}

Event Store::remove_node(Node& node, Action action) {
  uint64_t next = index_ + 1;
  Event e;
  e.action = action;
  e.index = next;
  e.prev_node = view(node);
  // The event's node names what went away: no value, the new index.
  e.node.key = node.path;
  e.node.dir = node.dir;
  e.node.created_index = node.created_index;
  e.node.modified_index = next;
  std::vector<std::string> removed;
  collect_post_order(node, removed);
  detach(node);
  return commit(std::move(e), removed);
}

Event Store::commit(Event event, const std::vector<std::string>& removed_paths) {
  index_ = event.index;
  history_.add(event);
  for (const auto& path : removed_paths) hub_.notify_removed(event, path);
  if (!event.refresh) hub_.notify(event);
  return event;
}

Result<std::shared_ptr<Watcher>> Store::watch(std::string_view key, bool recursive, bool stream,
                                              uint64_t since_index) {
  std::string path = normalize_key(key);
  if (since_index == 0) since_index = index_ + 1;
  auto found = history_.scan(path, recursive, since_index, index_);
  if (!found) return found.error();
  if (*found) {
    return WatcherHub::answered(**found, recursive, stream, since_index, index_);
  }
  return hub_.add(path, recursive, stream, since_index, index_);
}

Result<Event> Store::get(std::string_view key, bool recursive) const {
  auto node = find(normalize_key(key));
  if (!node) return node.error();
  Event e;
  e.action = Action::get;
  e.node = (*node)->dir ? listing(**node, recursive) : view(**node);
  e.index = index_;
  return e;
}

Result<Event> Store::put_new(const std::string& path, bool dir, std::string_view value,
                             std::optional<WallTime> expiration, uint64_t index, Action action) {
  auto parent = ensure_dir(parent_of(path), index);
  if (!parent) return parent.error();
  auto node = std::make_unique<Node>();
  node->path = path;
  node->dir = dir;
  if (!dir) node->value = std::string(value);
  node->created_index = node->modified_index = index;
  Node& ref = *node;
  // Callers found no node at `path` (create, or set of a new key).
  if (!insert_child(**parent, std::move(node))) return error(ErrorCode::NodeExist, path);
  set_expiration(ref, expiration);
  Event e;
  e.action = action;
  e.node = view(ref);
  e.index = index;
  return e;
}

Result<Event> Store::set(std::string_view key, bool dir, std::string_view value,
                         std::optional<WallTime> expiration, bool refresh) {
  std::string path = normalize_key(key);
  if (path == "/") return error(ErrorCode::RootReadOnly, "/");
  uint64_t next = index_ + 1;
  std::optional<NodeView> prev;
  std::string kept_value(value);
  auto existing = find(path);
  if (existing) {
    Node& old = **existing;
    if (old.dir) return error(ErrorCode::NotFile, path);
    prev = view(old);
    if (refresh) kept_value = old.value;
    detach(old);
  } else if (refresh) {
    return existing.error();
  } else if (existing.error().code == ErrorCode::NotDir) {
    return existing.error();
  }
  auto e = put_new(path, dir && !refresh, kept_value, expiration, next, Action::set);
  if (!e) return e;
  e->prev_node = std::move(prev);
  e->refresh = refresh;
  return commit(std::move(*e));
}

Result<Event> Store::create(std::string_view key, bool dir, std::string_view value, bool unique,
                            std::optional<WallTime> expiration) {
  std::string path = normalize_key(key);
  uint64_t next = index_ + 1;
  if (unique) {
    char name[32];
    std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(next));
    path = join(path, name);
  }
  if (path == "/") return error(ErrorCode::RootReadOnly, "/");
  auto existing = find(path);
  if (existing) return error(ErrorCode::NodeExist, path);
  if (existing.error().code == ErrorCode::NotDir) return existing.error();
  auto e = put_new(path, dir, value, expiration, next, Action::create);
  if (!e) return e;
  return commit(std::move(*e));
}

Result<Event> Store::update(std::string_view key, std::string_view value,
                            std::optional<WallTime> expiration, bool refresh) {
  std::string path = normalize_key(key);
  if (path == "/") return error(ErrorCode::RootReadOnly, "/");
  auto found = find(path);
  if (!found) return found.error();
  Node& node = **found;
  if (!node.dir) return modify_file(node, Action::update, value, expiration, refresh);
  if (!value.empty()) return error(ErrorCode::NotFile, path);
  Event e;
  e.action = Action::update;
  e.index = index_ + 1;
  e.refresh = refresh;
  e.prev_node = view(node);
  // etcd's quirk: the event reports the new index, the directory keeps its old one.
  set_expiration(node, expiration);
  e.node = view(node);
  e.node.modified_index = e.index;
  return commit(std::move(e));
}

Result<Event> Store::compare_and_swap(std::string_view key, std::string_view prev_value,
                                      uint64_t prev_index, std::string_view value,
                                      std::optional<WallTime> expiration, bool refresh) {
  auto node = find_compared_file(key, prev_value, prev_index);
  if (!node) return node.error();
  return modify_file(**node, Action::compare_and_swap, value, expiration, refresh);
}

Result<Event> Store::remove(std::string_view key, bool dir, bool recursive) {
  std::string path = normalize_key(key);
  if (path == "/") return error(ErrorCode::RootReadOnly, "/");
  if (recursive) dir = true;
  auto found = find(path);
  if (!found) return found.error();
  Node& node = **found;
  if (node.dir && !dir) return error(ErrorCode::NotFile, path);
  if (node.dir && node.has_children() && !recursive) {
    return error(ErrorCode::DirNotEmpty, path);
  }
  return remove_node(node, Action::remove);
}

Result<Event> Store::compare_and_delete(std::string_view key, std::string_view prev_value,
                                        uint64_t prev_index) {
  auto node = find_compared_file(key, prev_value, prev_index);
  if (!node) return node.error();
  return remove_node(**node, Action::compare_and_delete);
}

std::vector<Event> Store::delete_expired(WallTime now) {
  std::vector<Event> events;
  while (!expirations_.empty() && expirations_.begin()->first <= now) {
    events.push_back(remove_node(*expirations_.begin()->second, Action::expire));
  }
  return events;
}

void Store::visit_nodes(const std::function<void(const NodeRecordView&)>& f) const {
  std::vector<const Node*> stack{root_.get()};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (n != root_.get()) {
      f({n->path, n->dir, n->value, n->created_index, n->modified_index, n->expiration});
    }
    // Reverse order on the stack: children come out in key order, after their parent.
    const Node::Children& kids = children_of(*n);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) {
      stack.push_back(it->second.get());
    }
  }
}

StoreState Store::export_state() const {
  StoreState state;
  state.index = index_;
  visit_nodes([&](const NodeRecordView& n) {
    state.nodes.push_back({std::string(n.path), n.dir, std::string(n.value), n.created_index,
                           n.modified_index, n.expiration});
  });
  for (size_t i = 0; i < history_.size(); ++i) state.history.push_back(history_.at(i));
  return state;
}

Result<bool> Store::import_state(const StoreState& state) {
  auto bad = [](std::string what) { return Error{ErrorCode::RaftInternal, std::move(what), 0}; };
  if (index_ != 0 || root_->has_children()) return bad("import into a store that is not empty");
  for (const auto& rec : state.nodes) {
    if (rec.path.empty() || rec.path == "/" || normalize_key(rec.path) != rec.path) {
      return bad("snapshot holds an invalid key \"" + rec.path + "\"");
    }
    auto parent = find(parent_of(rec.path));
    if (!parent || !(*parent)->dir) return bad("snapshot node " + rec.path + " has no parent");
    auto node = std::make_unique<Node>();
    node->path = rec.path;
    node->dir = rec.dir;
    node->value = rec.value;
    node->created_index = rec.created_index;
    node->modified_index = rec.modified_index;
    Node& ref = *node;
    if (!insert_child(**parent, std::move(node))) {
      return bad("snapshot holds " + rec.path + " twice");
    }
    set_expiration(ref, rec.expiration);
  }
  for (const auto& e : state.history) history_.add(e);
  index_ = state.index;
  return true;
}

std::optional<WallTime> Store::next_expiration() const {
  if (expirations_.empty()) return std::nullopt;
  return expirations_.begin()->first;
}

}  // namespace etcdpp::store
