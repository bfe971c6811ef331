#pragma once
// GET /new?size=N on a member's client listener: the role of the public discovery service for
// networks without one. Creates a fresh token directory in this cluster's own key space,
// /_etcd/registry/<32 hex digits>/_config/size = N (through Raft, like any write), and answers
// the discovery URL to give to the new cluster's members:
//   http[s]://<Host of the request>/v2/keys/_etcd/registry/<token>  (https when asked over TLS)
// N defaults to 3, as the public service's. The answer is text/plain without a newline, as the
// public service's, so `--discovery $(curl -s …/new?size=3)` works.
#include "api/v2/reply.h"
#include "server/member.h"

#include <functional>
#include <string_view>

namespace etcdpp::api::v2 {

inline constexpr std::string_view kDiscoveryRegistry = "/_etcd/registry";
inline constexpr uint64_t kMaxDiscoverySize = 1000;  // no real cluster comes near it

class DiscoveryService {
 public:
  explicit DiscoveryService(server::Member& member) : member_(member) {}

  // `host`: the request's Host header (what the caller reached this member as); `tls`: it
  // came over TLS (the URL is then https://).
  void handle(std::string_view method, std::string_view query, std::string_view host, bool tls,
              std::function<void(Reply)> done);

 private:
  server::Member& member_;
};

}  // namespace etcdpp::api::v2
