#pragma once
// Start-up work (discovery, asking peers) runs as coroutines before the server exists.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace etcdpp::cmd {

// Runs the coroutine `task()` on `io` until everything on `io` is done; returns its result.
// `io` is ready to run again afterwards.
template <typename T, typename Task>
T run_until_done(boost::asio::io_context& io, Task task) {
  T result{};
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { result = co_await task(); },
      boost::asio::detached);
  io.run();
  io.restart();
  return result;
}

}  // namespace etcdpp::cmd
