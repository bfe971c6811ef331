#pragma once
// /v2/members on a member (etcd's membersHandler): list, leader, add (POST), remove (DELETE)
// and update peer URLs (PUT), with etcd's validations and status codes. Changes go through the
// log, one voter change at a time.
#include "api/v2/auth_api.h"
#include "api/v2/reply.h"
#include "server/member.h"

#include <string_view>

namespace etcdpp::api::v2 {

class MembersApi {
 public:
  MembersApi(server::Member& member, AuthApi& auth) : member_(member), auth_(auth) {}

  // `path` is /v2/members or below it; `caller` who sent it (changes need a root user while
  // auth is enabled). The answer goes to `done`, exactly once, on the io thread: at once, or
  // when a change that needs the log has been applied.
  void handle(std::string_view method, std::string_view path, std::string_view content_type,
              const Caller& caller, std::string_view body, std::function<void(Reply)> done);

 private:
  // The answer when it is known at once; nullopt when a change was proposed and `done` will
  // get the answer once it is applied.
  std::optional<Reply> answer(std::string_view method, std::string_view path,
                              std::string_view content_type, const Caller& caller,
                              std::string_view body, const std::function<void(Reply)>& done);
  Reply with_cluster_id(Reply r) const;
  // Proposes `change`; `done` gets `status` (with `body`, if any) once it is applied.
  void propose(server::MemberChange change, unsigned status, std::string body,
               const std::function<void(Reply)>& done);
  // Why a change would be refused by etcd's strict reconfiguration check (nullopt: allowed).
  std::optional<std::string> addition_refused() const;
  std::optional<std::string> removal_refused(uint64_t id) const;
  server::Member& member_;
  AuthApi& auth_;
};

// Parses {"peerURLs":[...]} as etcd does: nullopt and a message for a 400 otherwise.
std::optional<std::vector<std::string>> parse_peer_urls_body(std::string_view body,
                                                             std::string& error);

}  // namespace etcdpp::api::v2
