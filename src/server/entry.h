#pragma once
// Replicated log entries: what a member proposes and every member applies, in log order.
#include "server/membership.h"
#include "server/store_stats.h"
#include "server/write_request.h"
#include "store/store.h"

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace etcdpp::server {

struct SyncRequest {
  base::WallTime now;  // the leader's clock
  bool operator==(const SyncRequest&) const = default;
};

// Replaces the membership (bootstrap, a member publishing its name and client URLs, and
// later runtime reconfiguration).
struct MembershipUpdate {
  Membership membership;
  bool operator==(const MembershipUpdate&) const = default;
};

struct Entry {
  uint64_t index = 0;
  uint64_t term = 0;
  uint64_t request_id = 0;
  std::variant<WriteRequest, SyncRequest, MembershipUpdate> kind;
  bool operator==(const Entry&) const = default;
};

std::string encode_entry(const Entry& entry);
std::optional<Entry> decode_entry(std::string_view bytes, std::string& error);

struct ApplyResult {
  std::optional<store::Result<store::Event>> write;  // for a write
  std::vector<store::Event> expired;                 // for a sync
  bool membership_changed = false;                   // for a membership update
};

// Everything applying entries changes.
struct ServerState {
  store::Store store;
  Membership membership;
  StoreStats stats;
};

// Applies one committed entry to the store. Deterministic: the same entries in the same order
// give the same store on every member.
ApplyResult apply_entry(ServerState& state, const Entry& entry);

}  // namespace etcdpp::server
