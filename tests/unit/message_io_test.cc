// http::read_parsed and http::write_all: messages split anywhere, pipelined, cut short or
// over the limits; writes larger than the kernel takes at once.
#include "http/message_io.h"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <string>

namespace etcdpp::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Request = bhttp::request_parser<bhttp::string_body>;
using Response = bhttp::response_parser<bhttp::string_body>;

// Runs `body` as a coroutine to completion (bounded: the test stream never waits on time).
template <class F>
void run(asio::io_context& io, F body) {
  bool finished = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await body();
        finished = true;
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(finished) << "the coroutine did not finish";
}

constexpr std::string_view kPut =
    "PUT /v2/keys/a HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\nvalue=1";

// What the peer sends, and how: `bytes`, arriving at most `read_size` bytes per read (0: all
// at once), then the end of the stream when `close` is set.
struct Peer {
  std::string_view bytes;
  size_t read_size = 0;
  bool close = false;
};

// Parses one message from `peer` into `parser`; returns read_parsed's error.
template <class Parser>
boost::system::error_code parse(const Peer& peer, Parser& parser, ReadUntil until) {
  asio::io_context io;
  beast::test::stream client(io), server(io);
  server.connect(client);
  if (peer.read_size) server.read_size(peer.read_size);
  client.write_some(asio::buffer(peer.bytes));
  if (peer.close) client.close();
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  run(io,
      [&]() -> asio::awaitable<void> { co_await read_parsed(server, buffer, parser, until, ec); });
  return ec;
}

TEST(MessageIoTest, RequestArrivingOneByteAtATimeIsParsedWhole) {
  asio::io_context io;
  beast::test::stream client(io), server(io);
  server.connect(client);
  server.read_size(1);
  client.write_some(asio::buffer(kPut));
  beast::flat_buffer buffer;
  Request parser;
  boost::system::error_code ec;
  run(io, [&]() -> asio::awaitable<void> {
    co_await read_parsed(server, buffer, parser, ReadUntil::header, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(parser.is_header_done());
    EXPECT_FALSE(parser.is_done());
    co_await read_parsed(server, buffer, parser, ReadUntil::message, ec);
  });
  EXPECT_FALSE(ec) << ec.message();
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().method_string(), "PUT");
  EXPECT_EQ(parser.get().target(), "/v2/keys/a");
  EXPECT_EQ(parser.get().body(), "value=1");
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(MessageIoTest, PipelinedRequestsAreParsedFromTheBufferWithoutReading) {
  asio::io_context io;
  beast::test::stream client(io), server(io);
  server.connect(client);
  std::string two = std::string(kPut) + "GET /v2/keys/b HTTP/1.1\r\nHost: x\r\n\r\n";
  client.write_some(asio::buffer(two));
  client.close();  // a further read would see the end of the stream
  beast::flat_buffer buffer;
  Request first, second;
  boost::system::error_code ec1, ec2;
  run(io, [&]() -> asio::awaitable<void> {
    co_await read_parsed(server, buffer, first, ReadUntil::message, ec1);
    co_await read_parsed(server, buffer, second, ReadUntil::message, ec2);
  });
  EXPECT_FALSE(ec1) << ec1.message();
  EXPECT_FALSE(ec2) << ec2.message();
  EXPECT_EQ(first.get().body(), "value=1");
  EXPECT_EQ(second.get().target(), "/v2/keys/b");
}

TEST(MessageIoTest, EndOfStreamBeforeAnyByteIsEndOfStream) {
  Request parser;
  EXPECT_EQ(parse(Peer{"", 0, true}, parser, ReadUntil::header), bhttp::error::end_of_stream);
}

TEST(MessageIoTest, EndOfStreamInsideAMessageIsPartial) {
  Request parser;
  EXPECT_EQ(parse(Peer{kPut.substr(0, kPut.size() - 3), 0, true}, parser, ReadUntil::message),
            bhttp::error::partial_message);
}

TEST(MessageIoTest, HeaderAndBodyLimitsAreTheParsersErrors) {
  std::string long_header =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(10'000, 'a') + "\r\n\r\n";
  Request small_header;
  small_header.header_limit(1024);
  EXPECT_EQ(parse(Peer{long_header}, small_header, ReadUntil::header), bhttp::error::header_limit);
  Request small_body;
  small_body.body_limit(3);
  EXPECT_EQ(parse(Peer{kPut}, small_body, ReadUntil::message), bhttp::error::body_limit);
}

TEST(MessageIoTest, ChunkedBodyAndBodyDelimitedByTheEndOfTheStream) {
  Request chunked;
  auto ec = parse(Peer{"POST /v2/keys/q HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "3\r\nval\r\n4\r\nue=2\r\n0\r\n\r\n",
                       3},
                  chunked, ReadUntil::message);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(chunked.get().body(), "value=2");
  Response to_the_end;
  ec = parse(Peer{"HTTP/1.0 200 OK\r\n\r\nall of it", 0, true}, to_the_end, ReadUntil::message);
  EXPECT_FALSE(ec) << ec.message();
  ASSERT_TRUE(to_the_end.is_done());
  EXPECT_EQ(to_the_end.get().body(), "all of it");
}

TEST(MessageIoTest, WriteAllWritesMoreThanTheKernelTakesAtOnce) {
  asio::io_context io;
  asio::local::stream_protocol::socket writer(io), reader(io);
  asio::local::connect_pair(writer, reader);
  std::string big(4 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  std::string got(big.size(), '\0');
  boost::system::error_code write_ec, read_ec;
  bool read_done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await asio::async_read(reader, asio::buffer(got),
                                  asio::redirect_error(asio::use_awaitable, read_ec));
        read_done = true;
      },
      asio::detached);
  run(io,
      [&]() -> asio::awaitable<void> { co_await write_all(writer, asio::buffer(big), write_ec); });
  io.restart();
  io.run_for(std::chrono::seconds(10));
  EXPECT_FALSE(write_ec) << write_ec.message();
  EXPECT_TRUE(writer.non_blocking());
  ASSERT_TRUE(read_done);
  EXPECT_FALSE(read_ec) << read_ec.message();
  EXPECT_TRUE(got == big);
}

TEST(MessageIoTest, SendNowReportsAClosedPeerAsAnError) {
  asio::io_context io;
  asio::local::stream_protocol::socket writer(io), reader(io);
  asio::local::connect_pair(writer, reader);
  reader.close();
  boost::system::error_code ec;
  std::string_view bytes = "hello";
  size_t sent = send_now(writer, asio::buffer(bytes), ec);
  EXPECT_EQ(sent, 0u);
  EXPECT_TRUE(ec) << "a send to a closed peer must fail";
}

}  // namespace
}  // namespace etcdpp::http
