#pragma once
// The wire form of Raft messages between members: a protobuf Batch (raft_wire.proto).
#include "raft/types.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::transport {

std::string encode_batch(const std::vector<raft::Message>& messages);
// nullopt and `error` when the bytes are not a batch of valid messages (unknown message or
// entry types are refused: a newer peer must not be half-understood).
std::optional<std::vector<raft::Message>> decode_batch(std::string_view bytes, std::string& error);

}  // namespace etcdpp::transport
