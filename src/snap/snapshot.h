#pragma once
// Snapshot files: <dir>/<term:016x>-<applied_index:016x>.snap
//
// Format: "ETCDPPSN" magic, u32 format version (1), u32 CRC-32C of the payload, u64 payload
// length (little-endian), then the payload: a protobuf StoreSnapshot (snapshot.proto). A file
// whose magic, version, length or checksum does not match is reported, never half-used.
// Saving writes <name>.tmp, fsyncs it, renames it into place and fsyncs the directory.
#include "store/store.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace etcdpp::snap {

struct Snapshot {
  uint64_t term = 0;
  uint64_t applied_index = 0;
  store::StoreState state;
  std::string membership;  // opaque to snap: the server's encoded membership
  std::string auth;        // opaque to snap: the encoded authentication state (may be empty)
  bool log_reset = false;  // received from the leader: the log restarts here
};

std::string encode(const Snapshot& snapshot);
// nullopt and `error` when the bytes are not a valid snapshot.
std::optional<Snapshot> decode(std::string_view bytes, std::string& error);

// A snapshot already encoded, with what names its file. A member encodes its snapshot at once
// (one buffer) rather than keeping a node-by-node copy of the keyspace alive while the log
// thread saves it: that copy's many small allocations, freed later among the nodes written
// meanwhile, stayed in the heap as fragments (about 45 bytes per key at 100k keys).
struct EncodedSnapshot {
  uint64_t term = 0;
  uint64_t applied_index = 0;
  std::string bytes;  // encode()
};
EncodedSnapshot encode_for_saving(const Snapshot& snapshot);
// The same bytes as encode_for_saving() of a Snapshot holding store.export_state(), encoded
// straight from the store's tree: no copy of the keyspace (the encoding's own memory comes in
// large blocks, returned together).
EncodedSnapshot encode_store(const store::Store& store, std::string_view membership,
                             std::string_view auth, uint64_t term, uint64_t applied_index);

// Writes the snapshot into `dir` durably. Returns an error text, empty on success.
std::string save(const std::filesystem::path& dir, const EncodedSnapshot& snapshot);
std::string save(const std::filesystem::path& dir, const Snapshot& snapshot);

struct LoadResult {
  std::optional<Snapshot> snapshot;  // the newest valid one
  std::filesystem::path file;
  std::vector<std::string> invalid;  // "<file>: <reason>" for newer files that failed
};
// Loads the newest valid snapshot of `dir` (none when the directory has no snapshot).
LoadResult load_newest(const std::filesystem::path& dir);

}  // namespace etcdpp::snap
