#pragma once
// Director: owns the proxy's endpoint set (the members' client URLs), its order, the failure
// state of each endpoint and the refresh schedule.
//
// It is a passive object: it never reads a clock, sleeps or does I/O. The driver (Refresher)
// feeds it refresh results and health-probe results with the current monotonic time and asks
// it what is due. Everything runs on one thread (the proxy's io_context), so no locking.
//
// Differences from etcd's proxy director, on purpose (see spec/proxy.md §0):
//  - W3/W14: a failed or empty refresh keeps the last good endpoint list.
//  - W4: failure state is carried across refreshes, keyed by URL.
//  - W5: each request starts at a rotating position, so load spreads over all members; the
//    failover order after the first pick is the shuffled list order. Rotation must not cost
//    read-your-writes (which etcd's proxy gives by sending everything to one member): for a
//    short while after a write, reads start at the member that answered it — another member
//    may not have applied the write yet, and a v2 read is answered from the member's own store.
//  - W1: endpoints that are this proxy's own listen address are dropped (is_self predicate).
//  - Health: when an endpoint's failure wait is over it is not blindly re-enabled; it is probed
//    and returns only when the probe succeeds.
#include "base/clock.h"
#include "base/rng.h"
#include "http/url.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace etcdpp::proxy {

enum class EndpointState {
  available,  // used for requests
  failed,     // held out until failed_until
  probing,    // failure wait over; a health probe is in flight
};

const char* to_string(EndpointState state);

struct Endpoint {
  http::Url url;
  EndpointState state = EndpointState::available;
  base::MonoTime failed_until{};
  uint64_t failures_total = 0;
};

using EndpointPtr = std::shared_ptr<Endpoint>;
// Immutable list of (mutable) endpoints; a request keeps its snapshot alive while it runs.
using EndpointList = std::vector<EndpointPtr>;
using EndpointListPtr = std::shared_ptr<const EndpointList>;

struct DirectorConfig {
  base::Millis failure_wait{5'000};
  base::Millis refresh_interval{30'000};
};

// What a refresh did, for logging by the driver.
struct RefreshOutcome {
  std::vector<std::string> dropped_self;  // endpoints that are this proxy itself
  std::vector<std::string> unparsable;    // client URLs that are not valid URLs
  std::vector<std::string> added;         // new endpoints
  std::vector<std::string> removed;       // endpoints no longer advertised
  bool kept_previous = false;             // the refresh brought no endpoint; old list kept
};

class Director {
 public:
  using IsSelf = std::function<bool(const http::Url&)>;

  Director(DirectorConfig config, base::Rng& rng, IsSelf is_self);

  // A refresh obtained the members' client URLs. The new set replaces the old one (endpoints
  // that stay keep their failure state), in a fresh random order. An empty usable set keeps
  // the previous list.
  RefreshOutcome on_refresh_success(const std::vector<std::string>& client_urls,
                                    base::MonoTime now);
  // No peer answered: keep the current list, schedule the next attempt.
  void on_refresh_failure(base::MonoTime now);

  bool refresh_due(base::MonoTime now) const { return now >= next_refresh_at_; }
  base::MonoTime next_refresh_at() const { return next_refresh_at_; }

  // A request to this endpoint failed at transport level (or, for idempotent requests, the
  // member answered 5xx or timed out). Returns true when the endpoint changed to failed.
  bool on_failure(const Endpoint& endpoint, base::MonoTime now);

  // Endpoints whose failure wait is over; they move to `probing` and the caller must report
  // each one's result through on_probe_result.
  std::vector<EndpointPtr> take_due_probes(base::MonoTime now);
  // Returns true when the endpoint became available again.
  bool on_probe_result(const Endpoint& endpoint, bool healthy, base::MonoTime now);

  // The earliest time something becomes due (refresh or probe), for the driver's timer.
  base::MonoTime next_deadline() const;

  // The current endpoint list (all states), in failover order.
  const EndpointListPtr& endpoints() const { return endpoints_; }
  // Start position for the next request; advances on every call (round robin).
  size_t next_start() { return cursor_++; }
  // Start position for a request at `now`: for a read within kReadAfterWriteWindow of the last
  // write, the position of the member that answered that write (when it is in `list` and
  // available); otherwise next_start().
  size_t start_for(bool read, const EndpointList& list, base::MonoTime now);
  // A write was answered by `endpoint` at `now`.
  void on_write_answered(const Endpoint& endpoint, base::MonoTime now);
  // URLs of available endpoints in list order.
  std::vector<std::string> available_urls() const;
  size_t available_count() const;

 private:
  void schedule_refresh(base::MonoTime now);
  EndpointPtr find(const std::string& url) const;

  DirectorConfig config_;
  base::Rng& rng_;
  IsSelf is_self_;
  EndpointListPtr endpoints_;
  base::MonoTime next_refresh_at_{};  // due immediately: the first refresh runs at start
  size_t cursor_ = 0;
  const Endpoint* last_writer_ = nullptr;  // compared by address only, never dereferenced
  base::MonoTime last_write_at_{};
};

// How long reads follow the member that answered the last write. Members apply a commit within
// a heartbeat or so; a second covers that with a wide margin and leaves reads rotating again
// once writes pause.
inline constexpr base::Millis kReadAfterWriteWindow{1'000};

}  // namespace etcdpp::proxy
