#include "server/write_request.h"

namespace etcdpp::server {

StoreOp classify_write(const WriteRequest& req) {
  bool compare = req.prev_index > 0 || !req.prev_value.empty();
  if (req.method == "QGET") return StoreOp::get;
  if (req.method == "POST") return StoreOp::create;
  if (req.method == "DELETE") return compare ? StoreOp::compare_and_delete : StoreOp::remove;
  if (req.prev_exist) {
    if (!*req.prev_exist) return StoreOp::create;
    return compare ? StoreOp::compare_and_swap : StoreOp::update;
  }
  return compare ? StoreOp::compare_and_swap : StoreOp::set;
}

store::Result<store::Event> apply_write(store::Store& store, const WriteRequest& req) {
  const auto& exp = req.expiration;
  switch (classify_write(req)) {
    case StoreOp::get: return store.get(req.key, req.recursive);
    case StoreOp::create:
      return store.create(req.key, req.dir, req.value, req.method == "POST", exp);
    case StoreOp::compare_and_delete:
      return store.compare_and_delete(req.key, req.prev_value, req.prev_index);
    case StoreOp::remove: return store.remove(req.key, req.dir, req.recursive);
    case StoreOp::update: return store.update(req.key, req.value, exp, req.refresh);
    case StoreOp::compare_and_swap:
      return store.compare_and_swap(req.key, req.prev_value, req.prev_index, req.value, exp,
                                    req.refresh);
    case StoreOp::set: break;
  }
  return store.set(req.key, req.dir, req.value, exp, req.refresh);
}

}  // namespace etcdpp::server
