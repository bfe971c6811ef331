#pragma once
// Who this member is: its id and its cluster's id, fixed when the data dir is created (the role
// of the metadata record at the head of etcd's WAL). Stored in <member>/identity as checked
// text:
//   member_id=<hex>
//   cluster_id=<hex>
//   crc32c=<hex of the CRC-32C of the lines above>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace etcdpp::server {

struct Identity {
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  bool operator==(const Identity&) const = default;
};

std::string encode_identity(const Identity& identity);
std::optional<Identity> decode_identity(std::string_view text, std::string& error);

// Durable write (write, fsync, rename, fsync the directory). Error text or empty.
std::string save_identity(const std::filesystem::path& member_dir, const Identity& identity);
// nullopt with an empty `error` when the file does not exist; with `error` set when it exists
// but cannot be read or trusted.
std::optional<Identity> load_identity(const std::filesystem::path& member_dir, std::string& error);

}  // namespace etcdpp::server
