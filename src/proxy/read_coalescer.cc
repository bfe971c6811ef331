#include "proxy/read_coalescer.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>

#include <algorithm>

namespace etcdpp::proxy {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

asio::awaitable<SharedAnswerPtr> ReadFlight::join() {
  // Resumed by land(): the handler is stored here and completed through the event loop.
  return asio::async_initiate<decltype(asio::use_awaitable), void(SharedAnswerPtr)>(
      [this](auto handler) { waiters_.emplace_back(std::move(handler)); }, asio::use_awaitable);
}

void ReadFlight::land(SharedAnswerPtr answer) {
  if (landed_) return;
  landed_ = true;
  std::vector<Waiter> waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& waiter : waiters) {
    asio::post(executor_, [w = std::move(waiter), answer]() mutable { std::move(w)(answer); });
  }
}

void ReadFlight::abandon() {
  landed_ = true;
  std::vector<Waiter> waiters = std::move(waiters_);
  waiters_.clear();
}

std::string ReadCoalescer::key_of(const bhttp::request<bhttp::string_body>& req,
                                  std::initializer_list<std::string_view> skip_headers) {
  auto method = req.method();
  if ((method != bhttp::verb::get && method != bhttp::verb::head) || !req.body().empty()) {
    return {};
  }
  std::string key;
  key.reserve(256);
  key.append(req.method_string());
  key.push_back(' ');
  key.append(req.target());
  key.push_back('\n');
  for (const auto& field : req) {
    std::string_view name = field.name_string();
    bool skip = std::any_of(skip_headers.begin(), skip_headers.end(),
                            [&](std::string_view s) { return boost::beast::iequals(s, name); });
    if (skip) continue;
    key.append(name);
    key.push_back(':');
    key.append(field.value());
    key.push_back('\n');
  }
  return key;
}

ReadCoalescer::Ticket ReadCoalescer::enter(const std::string& key,
                                           const asio::any_io_executor& executor) {
  KeyState& state = keys_[key];
  if (state.boarding) return Ticket{state.boarding, true};
  if (state.in_air == 0) {
    // Nobody else reads this key now: no reason to wait for company.
    ++state.in_air;
    return Ticket{};
  }
  state.boarding = std::make_shared<ReadFlight>(executor);
  return Ticket{state.boarding, false};
}

void ReadCoalescer::depart(const std::string& key, ReadFlight& flight) {
  flight.departed_ = true;
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  if (it->second.boarding.get() == &flight) it->second.boarding.reset();
  ++it->second.in_air;
}

void ReadCoalescer::leave(const std::string& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  if (it->second.in_air > 0) --it->second.in_air;
  if (it->second.in_air == 0 && !it->second.boarding) keys_.erase(it);
}

}  // namespace etcdpp::proxy
