#pragma once
// A deadline for the I/O of one connection that costs no timer operation per request.
//
// arm() and disarm() only move a time point; the timer is started when none is pending (or
// when the new deadline is earlier than the pending wait). When the timer fires it times the
// operation out (cancels the target socket's operations), waits again for a deadline that
// moved later, or — nothing armed — stops. A connection serving back-to-back requests thus
// touches its timer about once per timeout period instead of twice per request (a timer wait
// is an allocation, a timer-queue insertion, and a cancelled handler run through the loop).
//
// Single-threaded: used only on its executor's thread. The object may be destroyed at any
// time; a timer handler still queued then finds nothing to act on.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace etcdpp::http {

class LazyDeadline {
 public:
  using Clock = boost::asio::steady_timer::clock_type;

  explicit LazyDeadline(const boost::asio::any_io_executor& executor);
  ~LazyDeadline();
  LazyDeadline(const LazyDeadline&) = delete;
  LazyDeadline& operator=(const LazyDeadline&) = delete;

  // From now on, the operations on `target` must finish within `timeout`; past it, they are
  // cancelled (they fail with operation_aborted). `target` must outlive the arming (disarm
  // or destruction).
  void arm(std::chrono::milliseconds timeout, boost::asio::ip::tcp::socket& target);
  // Nothing is timed any more (the pending timer, if any, will find nothing and stop).
  // Returns whether the armed deadline passed (the operations failed because of it).
  bool disarm();
  // disarm(), and the pending timer wait is cancelled now rather than left to lapse: for a
  // connection about to stay idle for long (a watch), which should hold no timer meanwhile.
  void disarm_and_release();

 private:
  struct State;
  static void start_timer(const std::shared_ptr<State>& state);
  boost::asio::any_io_executor executor_;
  std::shared_ptr<State> state_;  // made at the first arm(): a never-armed deadline costs nothing
};

}  // namespace etcdpp::http
