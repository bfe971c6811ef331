#pragma once
// Bridges the member's callback style (propose, then a callback on the io thread once the
// entry is applied) to the handlers' coroutines.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <memory>

namespace etcdpp::api::v2 {

// Calls start(done) and resumes the caller with the value passed to done. `done` may be called
// at once or later, exactly once; the caller resumes through its executor either way. `start`
// runs when the result is awaited. Not a coroutine of its own: no frame beyond asio's.
template <typename T, typename Start>
boost::asio::awaitable<T> await_callback(Start start) {
  auto initiation = [start = std::move(start)](auto handler) mutable {
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    start(std::function<void(T)>([shared](T value) {
      auto ex = boost::asio::get_associated_executor(*shared);
      boost::asio::post(ex, [shared, value = std::move(value)]() mutable {
        std::move (*shared)(std::move(value));
      });
    }));
  };
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(T)>(
      std::move(initiation), boost::asio::use_awaitable);
}

}  // namespace etcdpp::api::v2
