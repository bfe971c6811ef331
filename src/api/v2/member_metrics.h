#pragma once
// A member's /metrics in Prometheus text format. Families keep etcd's names where etcd has
// them (etcd_server_*, etcd_debugging_store_*), so existing dashboards and alerts work; values
// are read from the member when scraped.
#include "server/member.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace etcdpp::api::v2 {

class MemberMetrics {
 public:
  explicit MemberMetrics(server::Member& member);
  std::string scrape();

 private:
  server::Member& member_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Gauge* has_leader_;
  prometheus::Gauge* is_leader_;
  prometheus::Gauge* committed_;
  prometheus::Gauge* applied_;
  prometheus::Gauge* term_;
  prometheus::Gauge* watchers_;
  prometheus::Gauge* keys_index_;
  prometheus::Gauge* expires_;
};

}  // namespace etcdpp::api::v2
