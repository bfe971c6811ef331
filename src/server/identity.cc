#include "server/identity.h"

#include "base/crc32c.h"
#include "base/file.h"
#include "server/membership.h"

#include <fstream>
#include <sstream>

namespace etcdpp::server {

namespace {
constexpr const char* kFileName = "identity";

std::string crc_hex(std::string_view body) { return id_hex(base::crc32c(body)); }
}  // namespace

std::string encode_identity(const Identity& identity) {
  std::string body = "member_id=" + id_hex(identity.member_id) +
                     "\ncluster_id=" + id_hex(identity.cluster_id) + "\n";
  return body + "crc32c=" + crc_hex(body) + "\n";
}

std::optional<Identity> decode_identity(std::string_view text, std::string& error) {
  auto crc_at = text.find("crc32c=");
  if (crc_at == std::string_view::npos) {
    error = "no checksum line";
    return std::nullopt;
  }
  std::string_view body = text.substr(0, crc_at);
  std::string_view crc = text.substr(crc_at + 7);
  if (!crc.empty() && crc.back() == '\n') crc.remove_suffix(1);
  if (crc != crc_hex(body)) {
    error = "checksum mismatch (the file is damaged)";
    return std::nullopt;
  }
  Identity id;
  bool have_member = false, have_cluster = false;
  std::istringstream in{std::string(body)};
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto value = parse_id_hex(std::string_view(line).substr(eq + 1));
    if (!value) continue;
    std::string_view key = std::string_view(line).substr(0, eq);
    if (key == "member_id") {
      id.member_id = *value;
      have_member = true;
    } else if (key == "cluster_id") {
      id.cluster_id = *value;
      have_cluster = true;
    }
  }
  if (!have_member || !have_cluster) {
    error = "member_id or cluster_id missing";
    return std::nullopt;
  }
  return id;
}

std::string save_identity(const std::filesystem::path& member_dir, const Identity& identity) {
  return base::write_file_atomically(member_dir / kFileName, encode_identity(identity));
}

std::optional<Identity> load_identity(const std::filesystem::path& member_dir, std::string& error) {
  auto path = member_dir / kFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) {
    error = "cannot read " + path.string();
    return std::nullopt;
  }
  std::string why;
  auto id = decode_identity(ss.str(), why);
  if (!id) error = path.string() + ": " + why;
  return id;
}

}  // namespace etcdpp::server
