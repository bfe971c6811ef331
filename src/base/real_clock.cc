#include "base/clock.h"

namespace etcdpp::base {

MonoTime RealClock::monotonic() const { return std::chrono::steady_clock::now(); }
WallTime RealClock::wall() const { return std::chrono::system_clock::now(); }

}  // namespace etcdpp::base
