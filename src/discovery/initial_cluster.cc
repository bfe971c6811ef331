#include "discovery/initial_cluster.h"

#include <algorithm>

namespace etcdpp::discovery {

std::optional<InitialCluster> parse_initial_cluster(std::string_view text, std::string& error) {
  InitialCluster out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      error = "expected name=url in \"" + std::string(item) + "\"";
      return std::nullopt;
    }
    auto url = http::parse_url(item.substr(eq + 1), error);
    if (!url) return std::nullopt;
    out[std::string(item.substr(0, eq))].push_back(std::move(*url));
  }
  return out;
}

std::string format_initial_cluster(const InitialCluster& cluster) {
  std::vector<std::string> pairs;
  for (const auto& [name, urls] : cluster) {
    for (const auto& u : urls) pairs.push_back(name + "=" + u.text);
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& p : pairs) out += (out.empty() ? "" : ",") + p;
  return out;
}

std::vector<http::Url> all_peer_urls(const InitialCluster& cluster) {
  std::vector<http::Url> out;
  for (const auto& [_, urls] : cluster) out.insert(out.end(), urls.begin(), urls.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace etcdpp::discovery
