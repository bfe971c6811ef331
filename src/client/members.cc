#include "client/members.h"

#include "http/fetch.h"

#include <boost/json.hpp>

#include <charconv>
#include <cstdio>

namespace etcdpp::client {

namespace json = boost::json;

namespace {

bool read_string_array(const json::object& obj, std::string_view key,
                       std::vector<std::string>& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->value().is_null()) return true;
  if (!it->value().is_array()) return false;
  for (const auto& v : it->value().as_array()) {
    if (!v.is_string()) return false;
    out.emplace_back(v.as_string());
  }
  return true;
}

}  // namespace

std::optional<std::vector<Member>> parse_members(std::string_view body, std::string& error) {
  json::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) {
    error = "invalid JSON: " + ec.message();
    return std::nullopt;
  }
  if (!doc.is_array()) {
    error = "members answer is not a JSON array";
    return std::nullopt;
  }
  std::vector<Member> out;
  for (const auto& item : doc.as_array()) {
    if (!item.is_object()) {
      error = "member entry is not an object";
      return std::nullopt;
    }
    const auto& obj = item.as_object();
    Member m;
    if (auto it = obj.find("id"); it != obj.end()) {
      if (it->value().is_uint64()) {
        m.id = it->value().as_uint64();
      } else if (it->value().is_int64() && it->value().as_int64() >= 0) {
        m.id = static_cast<uint64_t>(it->value().as_int64());
      } else {
        error = "member id is not an unsigned integer";
        return std::nullopt;
      }
    }
    if (auto it = obj.find("name"); it != obj.end() && it->value().is_string()) {
      m.name = std::string(it->value().as_string());
    }
    if (!read_string_array(obj, "peerURLs", m.peer_urls) ||
        !read_string_array(obj, "clientURLs", m.client_urls)) {
      error = "member URL list is not an array of strings";
      return std::nullopt;
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<uint64_t> parse_cluster_id(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

boost::asio::awaitable<MembersAnswer> fetch_members(const std::vector<http::Url>& peer_urls,
                                                    std::optional<uint64_t> expected_cluster_id,
                                                    std::chrono::milliseconds dial_timeout,
                                                    std::chrono::milliseconds request_timeout,
                                                    boost::asio::ssl::context* tls) {
  MembersAnswer answer;
  for (const auto& peer : peer_urls) {
    http::FetchRequest req;
    req.tls = tls;
    req.target = "/members";
    req.connect_timeout = dial_timeout;
    req.timeout = request_timeout;
    auto res = co_await http::fetch(peer, req);
    if (!res.ok) {
      answer.errors.push_back(peer.text + ": " + res.error);
      continue;
    }
    auto cid = parse_cluster_id(res.header("X-Etcd-Cluster-ID"));
    if (!cid) {
      answer.errors.push_back(peer.text + ": missing or invalid X-Etcd-Cluster-ID header");
      continue;
    }
    if (expected_cluster_id && *cid != *expected_cluster_id) {
      char want[32];
      char got[32];
      std::snprintf(want, sizeof want, "%llx",
                    static_cast<unsigned long long>(*expected_cluster_id));
      std::snprintf(got, sizeof got, "%llx", static_cast<unsigned long long>(*cid));
      answer.errors.push_back(peer.text + ": belongs to cluster " + got + ", expected " + want);
      continue;
    }
    std::string error;
    auto members = parse_members(res.body, error);
    if (!members) {
      answer.errors.push_back(peer.text + ": " + error);
      continue;
    }
    answer.ok = true;
    answer.cluster_id = *cid;
    answer.members = std::move(*members);
    answer.peer_url = peer.text;
    co_return answer;
  }
  co_return answer;
}

}  // namespace etcdpp::client
