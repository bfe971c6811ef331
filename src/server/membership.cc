#include "server/membership.h"

#include "server/membership.pb.h"

#include <openssl/sha.h>

#include <algorithm>
#include <charconv>

namespace etcdpp::server {

namespace {

uint64_t sha1_prefix_u64(const std::string& bytes) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  return v;
}

}  // namespace

const MemberInfo* Membership::find(uint64_t id) const {
  auto it = std::lower_bound(members.begin(), members.end(), id,
                             [](const MemberInfo& m, uint64_t v) { return m.id < v; });
  return it != members.end() && it->id == id ? &*it : nullptr;
}

void Membership::upsert(MemberInfo info) {
  auto it = std::lower_bound(members.begin(), members.end(), info.id,
                             [](const MemberInfo& m, uint64_t v) { return m.id < v; });
  if (it != members.end() && it->id == info.id) {
    *it = std::move(info);
  } else {
    members.insert(it, std::move(info));
  }
}

uint64_t compute_member_id(std::vector<std::string> peer_urls, std::string_view cluster_token,
                           std::optional<int64_t> added_unix_seconds) {
  std::sort(peer_urls.begin(), peer_urls.end());
  std::string bytes;
  for (const auto& u : peer_urls) bytes += u;
  bytes += cluster_token;
  if (added_unix_seconds) bytes += std::to_string(*added_unix_seconds);
  return sha1_prefix_u64(bytes);
}

uint64_t compute_cluster_id(std::vector<uint64_t> member_ids) {
  std::sort(member_ids.begin(), member_ids.end());
  std::string bytes;
  for (uint64_t id : member_ids) {
    for (int shift = 56; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(id >> shift));
  }
  return sha1_prefix_u64(bytes);
}

std::string id_hex(uint64_t id) {
  char buf[17];
  auto r = std::to_chars(buf, buf + sizeof buf, id, 16);
  return std::string(buf, r.ptr);
}

std::optional<uint64_t> parse_id_hex(std::string_view text) {
  uint64_t v = 0;
  if (text.empty()) return std::nullopt;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v, 16);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

bool Membership::is_removed(uint64_t id) const {
  return std::binary_search(removed.begin(), removed.end(), id);
}

void Membership::remove(uint64_t id) {
  std::erase_if(members, [id](const MemberInfo& m) { return m.id == id; });
  auto it = std::lower_bound(removed.begin(), removed.end(), id);
  if (it == removed.end() || *it != id) removed.insert(it, id);
}

std::vector<uint64_t> Membership::ids() const {
  std::vector<uint64_t> out;
  out.reserve(members.size());
  for (const auto& m : members) out.push_back(m.id);
  return out;
}

std::string encode_membership(const Membership& membership) {
  pb::Membership msg;
  msg.set_cluster_id(membership.cluster_id);
  for (const auto& m : membership.members) {
    auto* p = msg.add_members();
    p->set_id(m.id);
    p->set_name(m.name);
    for (const auto& u : m.peer_urls) p->add_peer_urls(u);
    for (const auto& u : m.client_urls) p->add_client_urls(u);
  }
  for (uint64_t id : membership.removed) msg.add_removed(id);
  return msg.SerializeAsString();
}

std::optional<Membership> decode_membership(std::string_view bytes, std::string& error) {
  pb::Membership msg;
  if (!msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    error = "membership record does not parse";
    return std::nullopt;
  }
  Membership out;
  out.cluster_id = msg.cluster_id();
  for (const auto& p : msg.members()) {
    MemberInfo m;
    m.id = p.id();
    m.name = p.name();
    m.peer_urls.assign(p.peer_urls().begin(), p.peer_urls().end());
    m.client_urls.assign(p.client_urls().begin(), p.client_urls().end());
    if (out.find(m.id)) {
      error = "membership record lists member " + id_hex(m.id) + " twice";
      return std::nullopt;
    }
    out.upsert(std::move(m));
  }
  out.removed.assign(msg.removed().begin(), msg.removed().end());
  std::sort(out.removed.begin(), out.removed.end());
  return out;
}

}  // namespace etcdpp::server
