#include "proxy/director.h"

#include <algorithm>
#include <set>

namespace etcdpp::proxy {

const char* to_string(EndpointState state) {
  switch (state) {
    case EndpointState::available: return "available";
    case EndpointState::failed: return "failed";
    case EndpointState::probing: return "probing";
  }
  return "unknown";
}

Director::Director(DirectorConfig config, base::Rng& rng, IsSelf is_self)
    : config_(config),
      rng_(rng),
      is_self_(std::move(is_self)),
      endpoints_(std::make_shared<const EndpointList>()) {}

EndpointPtr Director::find(const std::string& url) const {
  for (const auto& ep : *endpoints_) {
    if (ep->url.text == url) return ep;
  }
  return nullptr;
}

RefreshOutcome Director::on_refresh_success(const std::vector<std::string>& client_urls,
                                            base::MonoTime now) {
  RefreshOutcome outcome;
  std::set<std::string> seen;
  auto next = std::make_shared<EndpointList>();
  for (const auto& raw : client_urls) {
    std::string error;
    auto url = http::parse_url(raw, error);
    if (!url) {
      outcome.unparsable.push_back(raw);
      continue;
    }
    if (is_self_ && is_self_(*url)) {
      outcome.dropped_self.push_back(url->text);
      continue;
    }
    if (!seen.insert(url->text).second) continue;
    if (auto existing = find(url->text)) {
      next->push_back(existing);  // keeps its failure state (W4)
    } else {
      auto ep = std::make_shared<Endpoint>();
      ep->url = std::move(*url);
      outcome.added.push_back(ep->url.text);
      next->push_back(std::move(ep));
    }
  }
  if (next->empty()) {
    // W3/W14: an answer with no usable endpoint must not wipe a working list.
    outcome.kept_previous = !endpoints_->empty();
    outcome.added.clear();
    schedule_refresh(now);
    return outcome;
  }
  for (const auto& ep : *endpoints_) {
    if (!seen.count(ep->url.text)) outcome.removed.push_back(ep->url.text);
  }
  // Fisher-Yates with the injected generator.
  for (size_t i = next->size(); i > 1; --i) {
    std::swap((*next)[i - 1], (*next)[rng_.below(i)]);
  }
  endpoints_ = std::move(next);
  schedule_refresh(now);
  return outcome;
}

void Director::on_refresh_failure(base::MonoTime now) { schedule_refresh(now); }

void Director::schedule_refresh(base::MonoTime now) {
  // etcd: with the default (>= 30 s) interval, retry every second while nothing is available.
  base::Millis wait = config_.refresh_interval;
  if (config_.refresh_interval >= base::Millis(30'000) && available_count() == 0) {
    wait = base::Millis(1'000);
  }
  next_refresh_at_ = now + wait;
}

bool Director::on_failure(const Endpoint& endpoint, base::MonoTime now) {
  auto ep = find(endpoint.url.text);
  if (!ep || ep->state != EndpointState::available) return false;
  ep->state = EndpointState::failed;
  ep->failed_until = now + config_.failure_wait;
  ++ep->failures_total;
  return true;
}

std::vector<EndpointPtr> Director::take_due_probes(base::MonoTime now) {
  std::vector<EndpointPtr> due;
  for (const auto& ep : *endpoints_) {
    if (ep->state == EndpointState::failed && now >= ep->failed_until) {
      ep->state = EndpointState::probing;
      due.push_back(ep);
    }
  }
  return due;
}

bool Director::on_probe_result(const Endpoint& endpoint, bool healthy, base::MonoTime now) {
  auto ep = find(endpoint.url.text);
  if (!ep || ep->state != EndpointState::probing) return false;
  if (healthy) {
    ep->state = EndpointState::available;
    return true;
  }
  ep->state = EndpointState::failed;
  ep->failed_until = now + config_.failure_wait;
  return false;
}

base::MonoTime Director::next_deadline() const {
  base::MonoTime earliest = next_refresh_at_;
  for (const auto& ep : *endpoints_) {
    if (ep->state == EndpointState::failed) earliest = std::min(earliest, ep->failed_until);
  }
  return earliest;
}

std::vector<std::string> Director::available_urls() const {
  std::vector<std::string> out;
  for (const auto& ep : *endpoints_) {
    if (ep->state == EndpointState::available) out.push_back(ep->url.text);
  }
  return out;
}

size_t Director::available_count() const {
  return static_cast<size_t>(std::count_if(endpoints_->begin(), endpoints_->end(), [](auto& e) {
    return e->state == EndpointState::available;
  }));
}

size_t Director::start_for(bool read, const EndpointList& list, base::MonoTime now) {
  if (read && last_writer_ != nullptr && now - last_write_at_ < kReadAfterWriteWindow) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].get() == last_writer_ && list[i]->state == EndpointState::available) return i;
    }
  }
  return next_start();
}

void Director::on_write_answered(const Endpoint& endpoint, base::MonoTime now) {
  last_writer_ = &endpoint;
  last_write_at_ = now;
}

}  // namespace etcdpp::proxy
