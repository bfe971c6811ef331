// Fuzzes the keyspace as a state machine: the input is a program of store operations on a
// small key alphabet. After each operation the invariants every replica relies on are checked:
// the index only moves forward, a failed operation changes nothing, and a snapshot of the
// store (export, import) is the same store.
#include "store/store.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

using etcdpp::store::Store;
using etcdpp::store::WallTime;

std::string key_from(uint8_t a, uint8_t b) {
  static const char* parts[] = {"a", "b", "_h", "c/d", "a/b", "a/b/c", "", "00000000000000000001"};
  std::string k = "/" + std::string(parts[a % 8]);
  if (b & 1) k += "/" + std::string(parts[(b >> 1) % 8]);
  return k;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Store store(16);  // a small history, so that it wraps
  auto watcher = store.watch("/a", true, true, 0);
  const WallTime t0{std::chrono::seconds(1'800'000'000)};
  WallTime now = t0;
  for (size_t i = 0; i + 4 <= size; i += 4) {
    uint8_t op = data[i], a = data[i + 1], b = data[i + 2], c = data[i + 3];
    std::string key = key_from(a, b);
    std::string value(1, static_cast<char>('0' + c % 4));
    std::optional<WallTime> exp;
    if (c & 0x10) exp = now + std::chrono::seconds(c % 8);
    uint64_t before = store.index();
    bool ok = true;
    switch (op % 10) {
      case 0: ok = store.set(key, c & 0x20, value, exp, c & 0x40).ok(); break;
      case 1: ok = store.create(key, c & 0x20, value, c & 0x40, exp).ok(); break;
      case 2: ok = store.update(key, value, exp, c & 0x40).ok(); break;
      case 3:
        ok =
            store.compare_and_swap(key, c & 0x20 ? value : "", c & 0x40 ? b % 8 : 0, "x", exp).ok();
        break;
      case 4: ok = store.remove(key, c & 0x20, c & 0x40).ok(); break;
      case 5:
        ok = store.compare_and_delete(key, c & 0x20 ? value : "", c & 0x40 ? b % 8 : 0).ok();
        break;
      case 6: (void)store.get(key, c & 1); break;
      case 7:
        now += std::chrono::seconds(c % 4);
        store.delete_expired(now);
        break;
      case 8: {
        auto w = store.watch(key, c & 1, c & 2, c & 4 ? b : 0);
        if (w && *w) store.watchers().cancel(*w);
        break;
      }
      case 9: {
        Store copy(16);
        check(copy.import_state(store.export_state()).ok());
        check(copy.index() == store.index());
        check(copy.get("/", true)->node == store.get("/", true)->node);
        break;
      }
    }
    check(store.index() >= before);
    if (!ok) check(store.index() == before);
    while (watcher && *watcher && (*watcher)->has_event()) (void)(*watcher)->take_event();
  }
  return 0;
}
