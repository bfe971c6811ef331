#include "api/v2/member_metrics.h"

#include <prometheus/text_serializer.h>

namespace etcdpp::api::v2 {

namespace {

prometheus::Gauge* gauge(prometheus::Registry& registry, const std::string& name,
                         const std::string& help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

MemberMetrics::MemberMetrics(server::Member& member)
    : member_(member), registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  has_leader_ = gauge(r, "etcd_server_has_leader",
                      "Whether or not a leader exists. 1 is existence, 0 is not.");
  is_leader_ = gauge(r, "etcd_server_is_leader",
                     "Whether or not this member is a leader. 1 if is, 0 otherwise.");
  committed_ = gauge(r, "etcd_server_proposals_committed_total",
                     "The total number of consensus proposals committed.");
  applied_ = gauge(r, "etcd_server_proposals_applied_total",
                   "The total number of consensus proposals applied.");
  term_ = gauge(r, "etcdpp_server_term", "The current Raft term of this member.");
  watchers_ = gauge(r, "etcd_debugging_store_watchers", "Count of currently active watchers.");
  keys_index_ = gauge(r, "etcdpp_store_index", "The v2 store's current index (X-Etcd-Index).");
  expires_ = gauge(r, "etcd_debugging_store_expires_total", "Total number of expired keys.");
}

std::string MemberMetrics::scrape() {
  has_leader_->Set(member_.healthy() ? 1 : 0);
  is_leader_->Set(member_.is_leader() ? 1 : 0);
  committed_->Set(static_cast<double>(member_.commit_index()));
  applied_->Set(static_cast<double>(member_.commit_index()));
  term_->Set(static_cast<double>(member_.term()));
  watchers_->Set(static_cast<double>(member_.store().watchers().count()));
  keys_index_->Set(static_cast<double>(member_.store().index()));
  expires_->Set(static_cast<double>(member_.stats().expire_count));
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace etcdpp::api::v2
