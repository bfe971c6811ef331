// Fuzzes everything that reads bytes back from disk: log entries, membership records,
// snapshots and the identity file. Damaged data must give an error, never a crash.
#include "server/entry.h"
#include "server/identity.h"
#include "server/membership.h"
#include "snap/snapshot.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etcdpp;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string error;
  if (auto e = server::decode_entry(in, error)) {
    server::ServerState state;
    (void)server::apply_entry(state, *e);
    std::string again = server::encode_entry(*e);
    (void)again;
  }
  (void)server::decode_membership(in, error);
  (void)server::decode_identity(in, error);
  if (auto s = snap::decode(in, error)) {
    store::Store st;
    (void)st.import_state(s->state);
  }
  return 0;
}
