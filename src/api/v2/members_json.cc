#include "api/v2/members_json.h"

#include "base/json_string.h"

namespace etcdpp::api::v2 {

namespace {

void append_urls(std::string& out, const std::vector<std::string>& urls) {
  out.push_back('[');
  for (size_t i = 0; i < urls.size(); ++i) {
    if (i) out.push_back(',');
    base::append_json_string(out, urls[i]);
  }
  out.push_back(']');
}

void append_member(std::string& out, const server::MemberInfo& m) {
  out += "{\"id\":\"" + server::id_hex(m.id) + "\",\"name\":";
  base::append_json_string(out, m.name);
  out += ",\"peerURLs\":";
  append_urls(out, m.peer_urls);
  out += ",\"clientURLs\":";
  append_urls(out, m.client_urls);
  out.push_back('}');
}

}  // namespace

std::string render_member(const server::MemberInfo& member) {
  std::string out;
  append_member(out, member);
  return out;
}

std::string render_member_list(const server::Membership& membership) {
  std::string out = "{\"members\":[";
  for (size_t i = 0; i < membership.members.size(); ++i) {
    if (i) out.push_back(',');
    append_member(out, membership.members[i]);
  }
  return out + "]}";
}

std::string render_peer_members(const server::Membership& membership) {
  std::string out = "[";
  for (size_t i = 0; i < membership.members.size(); ++i) {
    const auto& m = membership.members[i];
    if (i) out.push_back(',');
    out += "{\"id\":" + std::to_string(m.id) + ",\"peerURLs\":";
    append_urls(out, m.peer_urls);
    if (!m.name.empty()) {
      out += ",\"name\":";
      base::append_json_string(out, m.name);
    }
    if (!m.client_urls.empty()) {
      out += ",\"clientURLs\":";
      append_urls(out, m.client_urls);
    }
    out.push_back('}');
  }
  return out + "]";
}

}  // namespace etcdpp::api::v2
