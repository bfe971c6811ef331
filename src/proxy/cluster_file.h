#pragma once
// <data-dir>/proxy/cluster: the peer URLs the proxy learned at its last successful refresh,
// as etcd writes them: {"PeerURLs":["http://…",…]}, no trailing newline, sorted, mode 0600,
// written through cluster.bak + fsync + rename so a crash never leaves a half-written file.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace etcdpp::proxy {

struct ClusterFileResult {
  bool exists = false;
  std::vector<std::string> peer_urls;
  std::string error;  // non-empty: the file exists but cannot be read or parsed
};

// Reads the file. The key is matched case-insensitively and unknown keys are ignored, as
// etcd's reader does.
ClusterFileResult read_cluster_file(const std::filesystem::path& proxy_dir);

// Writes the file atomically. Returns an error text, empty on success.
std::string write_cluster_file(const std::filesystem::path& proxy_dir,
                               const std::vector<std::string>& peer_urls);

// The JSON text written for these URLs (exposed for tests).
std::string encode_cluster_file(const std::vector<std::string>& peer_urls);

}  // namespace etcdpp::proxy
