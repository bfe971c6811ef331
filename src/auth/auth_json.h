#pragma once
// The JSON of etcd's v2 auth API, byte for byte as Go's encoding/json writes and reads it:
// field order, null versus [], case-insensitive field names when decoding, the first JSON
// value of a body (what follows it is ignored, as json.Decoder does). Also the encodings of
// the replicated request and of the state in snapshots.
#include "auth/auth_state.h"

#include <optional>
#include <string>
#include <string_view>

namespace etcdpp::auth {

// The request bodies; nullopt when Go would fail to decode them (etcd: "Invalid JSON in
// request body.").
std::optional<UserChange> decode_user_change(std::string_view body);
std::optional<RoleChange> decode_role_change(std::string_view body);

// {"role":…,"permissions":{"kv":{"read":…,"write":…}}[,"grant":…][,"revoke":…]}
std::string role_json(const Role& role);
// {"user":…,"roles":…} — a user as PUT answers it (no password).
std::string user_json(const User& user);

// The replicated form of a change and of the whole state (snapshots). decode_* give nullopt
// and `error` on bytes they cannot use.
std::string encode_request(const AuthRequest& request);
std::optional<AuthRequest> decode_request(std::string_view bytes, std::string& error);
std::string encode_state(const AuthState& state);
std::optional<AuthState> decode_state(std::string_view bytes, std::string& error);

}  // namespace etcdpp::auth
