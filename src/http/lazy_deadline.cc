#include "http/lazy_deadline.h"

#include <utility>

namespace etcdpp::http {

namespace asio = boost::asio;

struct LazyDeadline::State {
  explicit State(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  Clock::time_point deadline = Clock::time_point::max();  // max: nothing armed
  asio::ip::tcp::socket* target = nullptr;
  bool timer_pending = false;
  bool timed_out = false;
};

LazyDeadline::LazyDeadline(const asio::any_io_executor& executor) : executor_(executor) {}

LazyDeadline::~LazyDeadline() {
  if (!state_) return;
  state_->target = nullptr;
  state_->timer.cancel();
}

void LazyDeadline::start_timer(const std::shared_ptr<State>& state) {
  state->timer_pending = true;
  state->timer.expires_at(state->deadline);  // cancels a pending wait (its handler: aborted)
  state->timer.async_wait(
      [weak = std::weak_ptr<State>(state)](const boost::system::error_code& ec) {
        if (ec == asio::error::operation_aborted) return;  // replaced by a newer wait, or destroyed
        auto s = weak.lock();
        if (!s) return;
        s->timer_pending = false;
        if (s->deadline == Clock::time_point::max()) return;
        if (Clock::now() < s->deadline) {
          start_timer(s);  // the deadline moved later meanwhile
          return;
        }
        s->timed_out = true;
        s->deadline = Clock::time_point::max();
        if (s->target) {
          boost::system::error_code ignored;
          s->target->cancel(ignored);
        }
      });
}

void LazyDeadline::arm(std::chrono::milliseconds timeout, asio::ip::tcp::socket& target) {
  if (!state_) state_ = std::make_shared<State>(executor_);
  state_->timed_out = false;
  state_->target = &target;
  state_->deadline = Clock::now() + timeout;
  // A pending wait for a later time would fire too late for this deadline.
  if (!state_->timer_pending || state_->deadline < state_->timer.expiry()) start_timer(state_);
}

bool LazyDeadline::disarm() {
  if (!state_) return false;
  state_->deadline = Clock::time_point::max();
  return std::exchange(state_->timed_out, false);
}

void LazyDeadline::disarm_and_release() {
  if (!state_) return;
  state_->deadline = Clock::time_point::max();
  if (state_->timer_pending) {
    state_->timer_pending = false;
    state_->timer.cancel();  // its handler sees operation_aborted and does nothing
  }
}

}  // namespace etcdpp::http
