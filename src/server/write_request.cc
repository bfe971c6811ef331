#include "server/write_request.h"

namespace etcdpp::server {

store::Result<store::Event> apply_write(store::Store& store, const WriteRequest& req) {
  bool compare = req.prev_index > 0 || !req.prev_value.empty();
  const auto& exp = req.expiration;
  if (req.method == "POST") return store.create(req.key, req.dir, req.value, true, exp);
  if (req.method == "DELETE") {
    if (compare) return store.compare_and_delete(req.key, req.prev_value, req.prev_index);
    return store.remove(req.key, req.dir, req.recursive);
  }
  if (req.prev_exist) {
    if (!*req.prev_exist) return store.create(req.key, req.dir, req.value, false, exp);
    if (!compare) return store.update(req.key, req.value, exp, req.refresh);
    return store.compare_and_swap(req.key, req.prev_value, req.prev_index, req.value, exp,
                                  req.refresh);
  }
  if (compare) {
    return store.compare_and_swap(req.key, req.prev_value, req.prev_index, req.value, exp,
                                  req.refresh);
  }
  return store.set(req.key, req.dir, req.value, exp, req.refresh);
}

}  // namespace etcdpp::server
