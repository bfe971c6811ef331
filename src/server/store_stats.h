#pragma once
// Per-member counters of /v2/stats/store (etcd's v2store Stats). Writes are counted by every
// member that applies them, reads only by the member that served them. Kept in memory only:
// they start from zero at each start.
#include <cstdint>

namespace etcdpp::server {

struct StoreStats {
  uint64_t gets_success = 0;
  uint64_t gets_fail = 0;
  uint64_t sets_success = 0;
  uint64_t sets_fail = 0;
  uint64_t delete_success = 0;
  uint64_t delete_fail = 0;
  uint64_t update_success = 0;
  uint64_t update_fail = 0;
  uint64_t create_success = 0;
  uint64_t create_fail = 0;
  uint64_t compare_and_swap_success = 0;
  uint64_t compare_and_swap_fail = 0;
  uint64_t compare_and_delete_success = 0;
  uint64_t compare_and_delete_fail = 0;
  uint64_t expire_count = 0;
};

}  // namespace etcdpp::server
