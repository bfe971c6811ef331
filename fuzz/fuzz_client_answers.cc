// Fuzzes what etcdpp reads from other servers as a client: keys API answers (etcdppctl, the
// discovery client), a discovery token's registrations and the cluster they describe, the
// members list (proxy refresh, joining), and etcdppctl's printing of any answer. A hostile or
// broken server must give an error, never a crash.
#include "client/keys_response.h"
#include "client/members.h"
#include "ctl/key_output.h"
#include "discovery/registry.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace etcdpp;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::optional<client::KeyError> error;
  if (auto r = client::parse_key_response(in, 7, error)) {
    for (const char* format : {"simple", "extended", "json"}) {
      (void)ctl::print_response_key(*r, format);
    }
    if (r->node) {
      (void)ctl::print_ls(*r->node, true, true);
      auto regs = discovery::registrations_in(*r->node);
      for (uint64_t cluster_size : {1u, 3u, 5u}) {
        auto placement = discovery::place(regs, cluster_size, regs.empty() ? "0" : regs.front().id);
        (void)discovery::cluster_of(placement.active, cluster_size);
      }
      (void)discovery::parse_size(r->node->value);
    }
  } else if (error) {
    (void)error->text();
  }
  std::string members_error;
  (void)client::parse_members(in, members_error);
  (void)client::parse_cluster_id(in.substr(0, 32));
  return 0;
}
