#pragma once
// Read coalescing: identical GET/HEAD requests that reach the proxy together share one upstream
// exchange and its answer (many clients polling the same key, a herd waking at once).
//
// Safety (linearizability is kept): a request may join only a flight that has not been sent to
// the member yet. The member then reads after every joined request arrived and before any of
// them is answered, so the shared answer is one each request could have got on its own. A flight
// already sent is never joined: its answer may predate a write that completed before the new
// request arrived.
//
// When does a flight wait for company: only when the same request is already in flight (a hot
// key). Then the new flight lets the event loop run once before it departs, so that requests
// already received on other connections can join it. A request for a key nobody else is reading
// departs at once and costs nothing more than a lookup.
//
// What is shared: a complete answer whose body was read whole (at most kWholeBodyMaxBytes). A
// streamed answer, the proxy's own 502/503, or a flight torn down releases its followers with
// no answer: each then forwards its own request (sent after it arrived: still safe).
//
// Single-threaded: every member is used on the proxy's io_context thread only.
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace etcdpp::proxy {

// A member's complete answer, as every follower of a flight gets it.
struct SharedAnswer {
  boost::beast::http::response_header<> header;  // hop-by-hop headers already removed
  std::string head_keep_alive_11;  // `header` serialised for an HTTP/1.1 keep-alive client
  std::string body;
};

using SharedAnswerPtr = std::shared_ptr<const SharedAnswer>;

// One upstream exchange that identical requests may share.
class ReadFlight {
 public:
  explicit ReadFlight(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  ReadFlight(const ReadFlight&) = delete;
  ReadFlight& operator=(const ReadFlight&) = delete;

  bool departed() const { return departed_; }
  size_t follower_count() const { return waiters_.size(); }

  // Waits for the leader's answer; null means "forward your own request".
  boost::asio::awaitable<SharedAnswerPtr> join();
  // Hands `answer` (or null) to every follower, each resumed through the event loop. Idempotent:
  // the first call counts.
  void land(SharedAnswerPtr answer);
  // For a leader torn down without landing (the proxy shutting down, an exception): destroys
  // the waiting followers' handlers (and so their coroutines) without resuming them, which
  // also breaks the cycle flight -> follower coroutine -> flight.
  void abandon();

 private:
  friend class ReadCoalescer;
  using Waiter = boost::asio::any_completion_handler<void(SharedAnswerPtr)>;
  boost::asio::any_io_executor executor_;
  std::vector<Waiter> waiters_;
  bool departed_ = false;
  bool landed_ = false;
};

class ReadCoalescer {
 public:
  // The key under which `req` (already rewritten for the upstream) may be coalesced, or empty
  // when it may not: only GET and HEAD without a body. Everything the member may look at is in
  // the key (method, target, every header) except the per-client forwarding headers named in
  // `skip_headers`.
  static std::string key_of(const boost::beast::http::request<boost::beast::http::string_body>& req,
                            std::initializer_list<std::string_view> skip_headers);

  // What a request with `key` does:
  //  - follower: `flight` is boarding; join() it.
  //  - leader with company: `flight` is new and boarding; run the event loop once, depart(),
  //    forward, land() the answer, leave().
  //  - leader alone: no flight (nobody else reads this key now); forward, then leave().
  struct Ticket {
    std::shared_ptr<ReadFlight> flight;
    bool follower = false;
  };
  Ticket enter(const std::string& key, const boost::asio::any_io_executor& executor);
  // The leader's flight leaves for the member: no request joins it any more.
  void depart(const std::string& key, ReadFlight& flight);
  // A leader's exchange is over.
  void leave(const std::string& key);

  // Flights waiting to depart plus flights in the air, by key (for tests).
  size_t tracked_keys() const { return keys_.size(); }

 private:
  struct KeyState {
    std::shared_ptr<ReadFlight> boarding;  // not yet departed; joinable
    size_t in_air = 0;                     // departed flights of this key not yet over
  };
  std::unordered_map<std::string, KeyState> keys_;
};

}  // namespace etcdpp::proxy
