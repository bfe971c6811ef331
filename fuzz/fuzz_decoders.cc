// Fuzzes everything that reads bytes back from disk or from a peer: log entries and the
// other WAL records, membership records, snapshots, the identity file, and batches of Raft
// messages; and the bodies and headers of the v2 auth API (users, roles, basic
// authentication). Damaged or hostile data must give an error, never a crash.
#include "auth/auth_json.h"
#include "auth/credentials.h"
#include "server/entry.h"
#include "server/identity.h"
#include "server/log_writer.h"
#include "server/membership.h"
#include "snap/snapshot.h"
#include "transport/raft_codec.h"

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
  uint64_t index = 0;
  uint64_t term = 0;
  std::string_view record_data;
  if (server::decode_entry_record(in, index, term, record_data)) {
    (void)server::decode_entry(in, error);
  }
  raft::HardState hs;
  (void)server::decode_hard_state(in, hs);
  (void)server::decode_log_reset(in, index, term);
  if (auto batch = transport::decode_batch(in, error)) {
    std::string again = transport::encode_batch(*batch);
    (void)again;
  }
  (void)server::decode_membership(in, error);
  (void)server::decode_identity(in, error);
  if (auto s = snap::decode(in, error)) {
    store::Store st;
    (void)st.import_state(s->state);
    (void)auth::decode_state(s->auth, error);
  }
  (void)auth::decode_state(in, error);
  if (auto r = auth::decode_request(in, error)) {
    auth::AuthState state;
    (void)auth::apply(state, *r);
    (void)auth::encode_state(state);
  }
  if (auto u = auth::decode_user_change(in))
    (void)auth::user_json({u->user, u->password, u->roles});
  if (auto r = auth::decode_role_change(in)) {
    (void)auth::role_json({r->role, r->permissions, r->grant, r->revoke});
  }
  (void)auth::parse_basic_auth(in);
  return 0;
}
