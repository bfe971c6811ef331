#include "proxy/cluster_file.h"

#include "base/file.h"

#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>

#include <cstring>
#include <fstream>
#include <sstream>

namespace etcdpp::proxy {

namespace json = boost::json;

ClusterFileResult read_cluster_file(const std::filesystem::path& proxy_dir) {
  ClusterFileResult out;
  auto path = proxy_dir / "cluster";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  out.exists = true;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.error = "cannot read " + path.string() + ": " + std::strerror(errno);
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  json::error_code jec;
  auto doc = json::parse(ss.str(), jec);
  if (jec || !doc.is_object()) {
    out.error = "cannot parse " + path.string() + ": not a JSON object";
    return out;
  }
  for (const auto& kv : doc.as_object()) {
    if (!boost::beast::iequals(kv.key(), "PeerURLs")) continue;
    if (kv.value().is_null()) continue;
    if (!kv.value().is_array()) {
      out.error = "cannot parse " + path.string() + ": PeerURLs is not an array";
      return out;
    }
    for (const auto& v : kv.value().as_array()) {
      if (!v.is_string()) {
        out.error = "cannot parse " + path.string() + ": PeerURLs holds a non-string";
        return out;
      }
      out.peer_urls.emplace_back(v.as_string());
    }
  }
  return out;
}

std::string encode_cluster_file(const std::vector<std::string>& peer_urls) {
  json::array arr;
  for (const auto& u : peer_urls) arr.emplace_back(u);
  json::object obj;
  obj["PeerURLs"] = std::move(arr);
  return json::serialize(obj);
}

std::string write_cluster_file(const std::filesystem::path& proxy_dir,
                               const std::vector<std::string>& peer_urls) {
  // Through cluster.bak, as etcd does.
  return base::write_file_atomically(proxy_dir / "cluster", encode_cluster_file(peer_urls), ".bak");
}

}  // namespace etcdpp::proxy
