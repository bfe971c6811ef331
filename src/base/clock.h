#pragma once
// Time as an injected dependency. Two kinds of time, as in Envoy: monotonic time for timeouts
// and intervals (never jumps), wall time for what is shown to people. Only src/cmd and
// base/real_clock.* may read the real clocks; everything else receives a Clock&.
#include <chrono>
#include <cstdint>

namespace etcdpp::base {

using MonoTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime monotonic() const = 0;
  virtual WallTime wall() const = 0;
};

// Wall time as Unix nanoseconds (the form stored in WAL entries and snapshots) and back.
inline int64_t to_unix_ns(WallTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
inline WallTime from_unix_ns(int64_t ns) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(ns)));
}

// The process's real clocks.
class RealClock final : public Clock {
 public:
  MonoTime monotonic() const override;
  WallTime wall() const override;
};

// A clock that moves only when told to; for tests and simulation.
class FakeClock final : public Clock {
 public:
  MonoTime monotonic() const override { return mono_; }
  WallTime wall() const override { return wall_; }
  void advance(Millis d) {
    mono_ += d;
    wall_ += d;
  }

 private:
  MonoTime mono_{std::chrono::hours(1000)};
  WallTime wall_{std::chrono::seconds(1'700'000'000)};
};

}  // namespace etcdpp::base
