#pragma once
// The whole proxy process: data dir, start-up refresh, listeners, refresh loop, signals.
#include "base/clock.h"
#include "proxy/config.h"

#include <cstdint>

namespace etcdpp::proxy {

// Runs the proxy until SIGINT or SIGTERM. Returns the process exit code (0 after a signal,
// 1 when start-up fails, with the reason logged).
int run_proxy(const ProxyConfig& config, base::Clock& clock, uint64_t seed);

}  // namespace etcdpp::proxy
