#include "discovery/registry.h"

#include "base/strings.h"
#include "discovery/initial_cluster.h"

#include <algorithm>
#include <set>

namespace etcdpp::discovery {

std::string_view failure_text(Failure failure) {
  switch (failure) {
    case Failure::none: return "";
    case Failure::size_not_found: return "discovery: size key not found";
    case Failure::bad_size_key: return "discovery: size key is bad";
    case Failure::bad_endpoint: return "discovery: bad discovery endpoint";
    case Failure::duplicate_id: return "discovery: found duplicate id";
    case Failure::duplicate_name: return "discovery: found duplicate name";
    case Failure::duplicate_url: return "discovery: found duplicate url";
    case Failure::invalid_url: return "discovery: invalid URL";
    case Failure::full_cluster: return "discovery: cluster is full";
    case Failure::service_error: return "discovery: the discovery service answered an error";
  }
  return "";
}

std::optional<uint64_t> parse_size(std::string_view value) {
  auto size = base::parse_go_uint(value);  // strconv.ParseUint, as etcd reads it
  if (!size || *size == 0) return std::nullopt;
  return size;
}

std::vector<Registration> registrations_in(const client::KeyNode& token_dir) {
  std::vector<Registration> out;
  if (!token_dir.nodes) return out;
  for (const auto& child : *token_dir.nodes) {
    std::string_view key = child.key;
    std::string_view base = key.substr(key.rfind('/') + 1);
    if (base.empty() || base.front() == '_' || child.dir) continue;
    out.push_back(Registration{std::string(base), child.value, child.created_index});
  }
  std::stable_sort(out.begin(), out.end(), [](const Registration& a, const Registration& b) {
    return a.created_index < b.created_index;
  });
  return out;
}

Placement place(const std::vector<Registration>& sorted, uint64_t size, std::string_view self_id) {
  Placement p;
  size_t n = static_cast<size_t>(std::min<uint64_t>(size, sorted.size()));
  p.active.assign(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n));
  p.has_self = std::any_of(p.active.begin(), p.active.end(),
                           [&](const Registration& r) { return r.id == self_id; });
  p.full = !p.has_self && sorted.size() >= size;
  return p;
}

ClusterText cluster_of(const std::vector<Registration>& active, uint64_t size) {
  ClusterText out;
  for (const auto& r : active) out.text += (out.text.empty() ? "" : ",") + r.value;
  std::string error;
  auto cluster = parse_initial_cluster(out.text, error);
  if (!cluster) {
    out.failure = Failure::invalid_url;
    return out;
  }
  if (cluster->size() != size) {
    out.failure = Failure::duplicate_name;
    return out;
  }
  std::set<std::string> seen;
  for (const auto& [name, urls] : *cluster) {
    for (const auto& u : urls) {
      if (!seen.insert(u.text).second) {
        out.failure = Failure::duplicate_url;
        return out;
      }
    }
  }
  return out;
}

}  // namespace etcdpp::discovery
