#include "sim/linearizability.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace etcdpp::sim {

namespace {

constexpr uint64_t kInfinity = UINT64_MAX;

using Value = std::optional<std::string>;

// Applies `op` to `state` if its recorded output is possible; returns the new state.
std::optional<Value> model_step(const RegisterOp& op, const Value& state) {
  bool known = op.return_time.has_value();
  switch (op.kind) {
    case RegisterOp::Kind::get:
      if (known && op.got != state) return std::nullopt;
      return state;
    case RegisterOp::Kind::put: return Value{op.value};
    case RegisterOp::Kind::cas: {
      bool matches = state && *state == op.expect;
      if (!known) return matches ? Value{op.value} : state;
      if (op.cas_succeeded != matches) return std::nullopt;
      return matches ? Value{op.value} : state;
    }
  }
  return std::nullopt;
}

class KeySearch {
 public:
  KeySearch(std::vector<const RegisterOp*> ops, size_t max_states)
      : ops_(std::move(ops)), max_states_(max_states), done_(ops_.size(), false) {}

  // True when linearizable (or the search gave up: see exhausted()).
  bool run() { return search(Value{}, 0); }
  bool exhausted() const { return exhausted_; }

 private:
  uint64_t ret(size_t i) const { return ops_[i]->return_time.value_or(kInfinity); }

  bool search(const Value& state, size_t linearized) {
    if (linearized == ops_.size()) return true;
    if (visited_.size() >= max_states_) {
      exhausted_ = true;
      return true;
    }
    std::string key(done_.begin(), done_.end());
    key.push_back('|');
    if (state)
      key += *state;
    else
      key.push_back('\x01');
    if (!visited_.insert(std::move(key)).second) return false;
    // Only an operation called before every pending operation returned can come next.
    uint64_t horizon = kInfinity;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (!done_[i]) horizon = std::min(horizon, ret(i));
    }
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (done_[i] || ops_[i]->call_time > horizon) continue;
      auto next = model_step(*ops_[i], state);
      if (!next) continue;
      done_[i] = true;
      bool ok = search(*next, linearized + 1);
      done_[i] = false;
      if (ok) return true;
    }
    // Operations with unknown outcome may also never have happened: drop one whose call
    // precedes the horizon only if nothing else can go (they are tried as "no effect" last).
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (done_[i] || ops_[i]->return_time || ops_[i]->call_time > horizon) continue;
      done_[i] = true;
      bool ok = search(state, linearized + 1);
      done_[i] = false;
      if (ok) return true;
    }
    return false;
  }

  std::vector<const RegisterOp*> ops_;
  size_t max_states_;
  std::vector<char> done_;
  std::set<std::string> visited_;
  bool exhausted_ = false;
};

std::string describe(const std::vector<const RegisterOp*>& ops) {
  std::ostringstream out;
  for (const RegisterOp* op : ops) {
    out << "  [" << op->call_time << ", "
        << (op->return_time ? std::to_string(*op->return_time) : std::string("?")) << "] ";
    switch (op->kind) {
      case RegisterOp::Kind::get: out << "get -> " << op->got.value_or("<absent>"); break;
      case RegisterOp::Kind::put: out << "put " << op->value; break;
      case RegisterOp::Kind::cas:
        out << "cas " << op->expect << " -> " << op->value << " = "
            << (op->cas_succeeded ? "ok" : "failed");
        break;
    }
    out << '\n';
  }
  return out.str();
}

}  // namespace

CheckResult check_linearizable(const std::vector<RegisterOp>& history, size_t max_states) {
  std::map<std::string, std::vector<const RegisterOp*>> by_key;
  for (const RegisterOp& op : history) by_key[op.key].push_back(&op);
  CheckResult result;
  for (auto& [key, ops] : by_key) {
    std::sort(ops.begin(), ops.end(),
              [](const RegisterOp* a, const RegisterOp* b) { return a->call_time < b->call_time; });
    KeySearch search(ops, max_states);
    if (!search.run()) {
      result.linearizable = false;
      result.key = key;
      result.details = describe(ops);
      return result;
    }
    if (search.exhausted()) result.details += "search limit reached for key " + key + "\n";
  }
  return result;
}

}  // namespace etcdpp::sim
