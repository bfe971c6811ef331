#pragma once
// JSON of the members API (/v2/members) and of the peer listener's /members, byte for byte as
// etcd 3.4 writes them.
#include "server/membership.h"

#include <string>

namespace etcdpp::api::v2 {

// {"id":"8e9e05c52164694d","name":"default","peerURLs":[...],"clientURLs":[...]}
std::string render_member(const server::MemberInfo& member);
// {"members":[...]}
std::string render_member_list(const server::Membership& membership);
// [{"id":<decimal>,"peerURLs":[...],"name":"...","clientURLs":[...]}] — name and clientURLs
// omitted when empty.
std::string render_peer_members(const server::Membership& membership);

}  // namespace etcdpp::api::v2
