#pragma once
// The proxy's Prometheus metrics. Families etcd's proxy exports keep etcd's names and labels
// (spec/proxy.md §15) so existing dashboards work; etcdpp's additions use the etcdpp_ prefix.
// Label values are bounded: methods outside a fixed set are counted as "other", endpoint labels
// are the (bounded) endpoint list.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace etcdpp::proxy {

enum class DropReason { zero_endpoints, failed_sending_request, failed_getting_response };

class ProxyMetrics {
 public:
  static constexpr size_t kMethodCount = 8;

  ProxyMetrics();

  // Index of a method label; stable for the process lifetime.
  static size_t method_index(std::string_view method);

  void on_request(size_t method) { requests_[method]->Increment(); }
  void on_handled(size_t method, unsigned code);
  void on_dropped(size_t method, DropReason reason);
  void observe_duration(size_t method, double seconds) { durations_[method]->Observe(seconds); }
  void on_local_response(unsigned code);
  void on_upstream_error(const std::string& endpoint, std::string_view kind);
  void set_endpoint_state(const std::string& endpoint, std::string_view state);
  void forget_endpoint(const std::string& endpoint);

  prometheus::Gauge& open_watchers() { return *open_watchers_; }
  prometheus::Gauge& client_connections() { return *client_connections_; }
  prometheus::Gauge& available_endpoints() { return *available_endpoints_; }
  // Requests answered with another identical request's answer (read coalescing).
  prometheus::Counter& coalesced_requests() { return *coalesced_requests_; }

  // Prometheus text exposition format 0.0.4.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* handled_family_;
  prometheus::Family<prometheus::Counter>* local_family_;
  prometheus::Family<prometheus::Counter>* upstream_errors_family_;
  prometheus::Family<prometheus::Gauge>* endpoint_state_family_;
  std::array<prometheus::Counter*, kMethodCount> requests_{};
  std::array<std::array<prometheus::Counter*, 3>, kMethodCount> dropped_{};
  std::array<prometheus::Histogram*, kMethodCount> durations_{};
  std::map<std::pair<size_t, unsigned>, prometheus::Counter*> handled_;
  std::map<unsigned, prometheus::Counter*> local_;
  prometheus::Gauge* open_watchers_;
  prometheus::Gauge* client_connections_;
  prometheus::Gauge* available_endpoints_;
  prometheus::Counter* coalesced_requests_;
  std::map<std::string, std::array<prometheus::Gauge*, 3>> endpoint_states_;
};

}  // namespace etcdpp::proxy
