#pragma once
// Replicated log entries: what a member proposes and every member applies, in log order.
#include "auth/auth_state.h"
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

// A runtime reconfiguration. `add` and `remove` change the voters (one at a time, through
// Raft's conf-change entries); updating peer URLs does not.
struct MemberChange {
  enum class Op { add, remove, update_peer_urls };
  Op op = Op::add;
  MemberInfo member;  // for remove, only the id matters
  bool operator==(const MemberChange&) const = default;
};

// What a member publishes about itself at every start (etcd's "publish").
struct MemberAttributes {
  uint64_t id = 0;
  std::string name;
  std::vector<std::string> client_urls;
  bool operator==(const MemberAttributes&) const = default;
};

struct Entry {
  uint64_t index = 0;
  uint64_t term = 0;
  uint64_t request_id = 0;
  std::variant<WriteRequest, SyncRequest, MembershipUpdate, MemberChange, MemberAttributes,
               auth::AuthRequest>
      kind;
  bool operator==(const Entry&) const = default;
};

// Whether Raft must treat the entry as a change of voters.
bool changes_voters(const Entry& entry);

std::string encode_entry(const Entry& entry);
std::optional<Entry> decode_entry(std::string_view bytes, std::string& error);
// Decodes the data of the Raft entry at (`index`, `term`): an Entry encoded without them.
std::optional<Entry> decode_entry_data(std::string_view data, uint64_t index, uint64_t term,
                                       std::string& error);

struct ApplyResult {
  std::optional<store::Result<store::Event>> write;  // for a write
  std::vector<store::Event> expired;                 // for a sync
  bool membership_changed = false;                   // members, names or URLs changed
  bool voters_changed = false;                       // members were added or removed
  std::optional<auth::Outcome> auth;                 // for a change of users or roles
};

// Everything applying entries changes.
struct ServerState {
  store::Store store;
  Membership membership;
  StoreStats stats;
  auth::AuthState auth;  // v2 authentication: users, roles, enabled
};

// Applies one committed entry to the store. Deterministic: the same entries in the same order
// give the same store on every member.
ApplyResult apply_entry(ServerState& state, const Entry& entry);

}  // namespace etcdpp::server
