#include "api/v2/members_api.h"

#include "api/v2/members_json.h"
#include "base/json_string.h"
#include "base/log.h"

#include <boost/json/error.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace etcdpp::api::v2 {

namespace {

constexpr std::string_view kPrefix = "/v2/members";

// etcd's httptypes.HTTPError: {"message":"..."} without a newline.
// etcd's types.NewURLs checks, with its messages.
std::optional<std::string> check_peer_url(const std::string& text) {
  auto parsed = boost::urls::parse_uri_reference(text);
  std::string scheme = parsed ? std::string(parsed->scheme()) : "";
  if (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs") {
    return "URL scheme must be http, https, unix, or unixs: " + text;
  }
  if (!parsed->has_authority() || !parsed->has_port() || parsed->port().empty()) {
    return "URL address does not have the form \"host:port\": " + text;
  }
  if (!parsed->encoded_path().empty()) return "URL must not contain a path: " + text;
  return std::nullopt;
}

// The media type of a Content-Type header, as etcd compares it.
std::string media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  if (semi == std::string_view::npos) return std::string(content_type);
  std::string t(content_type.substr(0, semi));
  t.erase(0, t.find_first_not_of(" \t"));
  t.erase(t.find_last_not_of(" \t") + 1);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  return t;
}

}  // namespace

std::optional<std::vector<std::string>> parse_peer_urls_body(std::string_view body,
                                                             std::string& error) {
  // Go's encoding/json messages for the common failures: input that ends early, and a bad
  // character (reported with the position the parser stopped at).
  boost::system::error_code ec;
  boost::json::stream_parser parser;
  size_t used = parser.write(body.data(), body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    if (used >= body.size()) {
      error = "unexpected end of JSON input";
    } else {
      error = std::string("invalid character '") + body[used] +
              (ec == boost::json::error::extra_data ? "' after top-level value"
                                                    : "' looking for beginning of value");
    }
    return std::nullopt;
  }
  boost::json::value value = parser.release();
  std::vector<std::string> urls;
  if (value.is_object()) {
    if (const auto* p = value.as_object().if_contains("peerURLs"); p && !p->is_null()) {
      if (!p->is_array()) {
        error = "json: cannot unmarshal " + std::string(p->is_string() ? "string" : "value") +
                " into Go struct field .peerURLs of type []string";
        return std::nullopt;
      }
      for (const auto& u : p->as_array()) {
        if (!u.is_string()) {
          error = "json: cannot unmarshal value into Go struct field .peerURLs of type string";
          return std::nullopt;
        }
        urls.emplace_back(u.as_string());
      }
    }
  } else if (!value.is_null()) {
    error =
        "json: cannot unmarshal value into Go value of type struct { PeerURLs []string "
        "\"json:\\\"peerURLs\\\"\" }";
    return std::nullopt;
  }
  for (const auto& u : urls) {
    if (auto why = check_peer_url(u)) {
      error = *why;
      return std::nullopt;
    }
  }
  std::sort(urls.begin(), urls.end());
  return urls;
}

Reply MembersApi::with_cluster_id(Reply r) const {
  r.set("X-Etcd-Cluster-Id", server::id_hex(member_.cluster_id()));
  return r;
}

void MembersApi::handle(std::string_view method, std::string_view path,
                        std::string_view content_type, const Caller& caller, std::string_view body,
                        std::function<void(Reply)> done) {
  auto reply = answer(method, path, content_type, caller, body, done);
  if (reply) done(std::move(*reply));
}

std::optional<Reply> MembersApi::answer(std::string_view method, std::string_view path,
                                        std::string_view content_type, const Caller& caller,
                                        std::string_view body,
                                        const std::function<void(Reply)>& done) {
  if (method != "GET" && method != "POST" && method != "DELETE" && method != "PUT") {
    Reply r = text_error(405, "Method Not Allowed");
    r.set("Allow", "GET,POST,DELETE,PUT");
    return r;
  }
  if (!auth_.write_root_access(method, caller)) return AuthApi::unauthorized();
  std::string_view rest = path.substr(kPrefix.size());
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  const server::Membership& ms = member_.membership();

  if (method == "GET") {
    if (rest.empty()) return with_cluster_id(json_reply(200, render_member_list(ms) + "\n"));
    if (rest == "leader") {
      const auto* leader = ms.find(member_.leader_id());
      if (!leader) return with_cluster_id(http_error(503, "During election"));
      return with_cluster_id(json_reply(200, render_member(*leader) + "\n"));
    }
    return with_cluster_id(http_error(404, "Not found"));
  }

  // DELETE and PUT name a member; POST must not.
  std::optional<uint64_t> id;
  if (method != "POST") {
    if (rest.empty()) return with_cluster_id(text_error(405, "Method Not Allowed"));
    id = server::parse_id_hex(rest);
    if (!id) return with_cluster_id(http_error(404, "No such member: " + std::string(rest)));
  }
  if (method == "DELETE") {
    if (ms.is_removed(*id)) {
      return with_cluster_id(http_error(410, "Member permanently removed: " + server::id_hex(*id)));
    }
    if (!ms.find(*id)) {
      return with_cluster_id(http_error(404, "No such member: " + server::id_hex(*id)));
    }
    if (auto why = removal_refused(*id)) {
      ETCDPP_LOG_WARN("refusing to remove member {}: {}", server::id_hex(*id), *why);
      return with_cluster_id(http_error(500, "Internal Server Error"));
    }
    server::MemberChange change{server::MemberChange::Op::remove,
                                server::MemberInfo{*id, "", {}, {}}};
    propose(std::move(change), 204, "", done);
    return std::nullopt;
  }

  std::string type = media_type(content_type);
  if (type != "application/json") {
    return with_cluster_id(
        http_error(415, "Bad Content-Type " + type + ", accept application/json"));
  }
  std::string error;
  auto urls = parse_peer_urls_body(body, error);
  if (!urls) return with_cluster_id(http_error(400, error));
  for (const auto& m : ms.members) {
    if (id && m.id == *id) continue;
    for (const auto& u : m.peer_urls) {
      if (std::find(urls->begin(), urls->end(), u) != urls->end()) {
        return with_cluster_id(http_error(409, "membership: peerURL exists"));
      }
    }
  }
  if (method == "POST") {
    if (auto why = addition_refused()) {
      ETCDPP_LOG_WARN("refusing to add a member with peer URLs [{}]: {}", fmt::join(*urls, " "),
                      *why);
      return with_cluster_id(http_error(500, "Internal Server Error"));
    }
    // etcd's id for a member added at runtime also hashes the time of the addition.
    auto now_s =
        std::chrono::duration_cast<std::chrono::seconds>(member_.clock().wall().time_since_epoch())
            .count();
    server::MemberInfo info{
        server::compute_member_id(*urls, member_.config().cluster_token, now_s), "", *urls, {}};
    std::string created = render_member(info) + "\n";
    propose(server::MemberChange{server::MemberChange::Op::add, std::move(info)}, 201,
            std::move(created), done);
    return std::nullopt;
  }
  const auto* target = ms.find(*id);
  if (!target) return with_cluster_id(http_error(404, "No such member: " + server::id_hex(*id)));
  server::MemberInfo info = *target;
  info.peer_urls = *urls;
  propose(server::MemberChange{server::MemberChange::Op::update_peer_urls, std::move(info)}, 204,
          "", done);
  return std::nullopt;
}

void MembersApi::propose(server::MemberChange change, unsigned status, std::string body,
                         const std::function<void(Reply)>& done) {
  uint64_t cluster_id = member_.cluster_id();
  member_.propose_member_change(
      std::move(change),
      [done, cluster_id, status, body = std::move(body)](const std::string& error) {
        Reply r;
        if (!error.empty()) {
          ETCDPP_LOG_WARN("membership change failed: {}", error);
          r = http_error(500, "Internal Server Error");
        } else if (body.empty()) {
          r.status = status;
        } else {
          r = json_reply(status, body);
        }
        r.set("X-Etcd-Cluster-Id", server::id_hex(cluster_id));
        done(std::move(r));
      });
}

// etcd's strict reconfiguration check (--strict-reconfig-check, on by default): a new voter
// raises the quorum, so enough members must already be up to reach the new one.
std::optional<std::string> MembersApi::addition_refused() const {
  if (!member_.config().strict_reconfig_check) return std::nullopt;
  const auto& members = member_.membership().members;
  size_t started = 0;
  for (const auto& m : members) started += !m.name.empty() && member_.peer_reachable(m.id);
  // etcd allows growing a single started member (its documented way of restoring a cluster
  // from one member's data, and of promoting a proxy next to it).
  if (members.size() == 1 && started == 1) return std::nullopt;
  size_t quorum_after = (members.size() + 1) / 2 + 1;
  if (started < quorum_after) {
    return "etcdserver: re-configuration failed due to not enough started members";
  }
  return std::nullopt;
}

std::optional<std::string> MembersApi::removal_refused(uint64_t id) const {
  const auto& members = member_.membership().members;
  if (members.size() == 1) return "it is the cluster's only member";
  if (!member_.config().strict_reconfig_check) return std::nullopt;
  size_t active_after = 0;
  for (const auto& m : members) active_after += m.id != id && member_.peer_reachable(m.id);
  size_t quorum_after = (members.size() - 1) / 2 + 1;
  if (active_after < quorum_after) {
    return "etcdserver: re-configuration failed due to not enough started members";
  }
  return std::nullopt;
}

}  // namespace etcdpp::api::v2
