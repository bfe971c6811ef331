#pragma once
// A v2 write as it is replicated and applied: everything resolved (the TTL is an absolute
// expiration chosen by the member that took the request), so every replica applies the same.
#include "base/clock.h"
#include "store/store.h"

#include <optional>
#include <string>

namespace etcdpp::server {

struct WriteRequest {
  std::string method;  // PUT, POST, DELETE, or QGET (a read ordered through the log: quorum=true)
  std::string key;     // normalised store key
  std::string value;
  bool dir = false;
  bool recursive = false;
  std::string prev_value;
  uint64_t prev_index = 0;
  std::optional<bool> prev_exist;
  bool refresh = false;
  std::optional<base::WallTime> expiration;

  bool operator==(const WriteRequest&) const = default;
};

// The store operation a write is (what /v2/stats/store counts).
enum class StoreOp { get, set, create, update, compare_and_swap, remove, compare_and_delete };

// etcd's applierV2store: PUT prevExist=false -> create; prevExist=true -> update or CAS;
// prevValue/prevIndex -> CAS; otherwise set. POST -> in-order create. DELETE -> CAD when a
// compare is given, else delete.
StoreOp classify_write(const WriteRequest& req);
store::Result<store::Event> apply_write(store::Store& store, const WriteRequest& req);

}  // namespace etcdpp::server
