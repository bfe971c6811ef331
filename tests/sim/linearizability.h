#pragma once
// A linearizability checker for single-key register histories (get / put / compare-and-swap),
// in the style of porcupine: the history is split by key, and for each key a depth-first
// search looks for an order of the operations that respects real time (an operation that
// returned before another was called comes first) and the register's sequential behaviour.
// Visited (set of linearized operations, register value) pairs are memoised (Lowe's
// improvement of Wing & Gong), which keeps histories of a few hundred operations per key fast.
//
// An operation whose outcome is unknown (the client timed out) has return time "infinity" and
// any output: it may have taken effect at any point after its call, or never.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace etcdpp::sim {

struct RegisterOp {
  enum class Kind { get, put, cas };
  Kind kind = Kind::get;
  std::string key;
  std::string value{};   // put: the new value; cas: the new value
  std::string expect{};  // cas: the value compared against
  uint64_t call_time = 0;
  std::optional<uint64_t> return_time{};  // nullopt: unknown outcome
  // Outputs (meaningful when return_time is set):
  std::optional<std::string> got{};  // get: the value read (nullopt: key absent)
  bool cas_succeeded = false;
};

struct CheckResult {
  bool linearizable = true;
  std::string key;      // the first key whose history is not linearizable
  std::string details;  // that key's history, for the failure message
};

// `max_states` bounds the search per key; exceeding it counts as linearizable (inconclusive)
// and sets `details`.
CheckResult check_linearizable(const std::vector<RegisterOp>& history,
                               size_t max_states = 2'000'000);

}  // namespace etcdpp::sim
