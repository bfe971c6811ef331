#pragma once
// Reading HTTP messages with Beast's parsers, and writing buffers, without a trip through the
// event loop when nothing has to wait.
//
// Why: Beast's composed operations (async_read_header, async_read) and asio::async_write post
// their completion to the io_context even when the bytes were already buffered or the socket
// took everything at once; each post costs a scheduler round (and often a non-blocking
// epoll_wait). A proxied request made about seven of them. Here the parser is fed what is
// buffered directly, a read is started only when the parser needs more bytes, and a write is
// first tried as one non-blocking system call.
//
// Error contract: the same codes Beast's operations give — bhttp::error::end_of_stream when
// the stream ended before any byte of the message, the parser's errors (need_buffer is passed
// through for buffer_body parsers), the stream's read errors; eof after part of a message is
// handed to the parser (put_eof), as Beast does. Bytes the parser refused are not consumed.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "http/request_head.h"
#include "http/stream.h"

#include <algorithm>
#include <cstddef>
#include <string>

namespace etcdpp::http {

enum class ReadUntil { header, message };

// The longest request head written with bare LFs that is rewritten (see request_head.h).
inline constexpr size_t kBareLfHeadMaxBytes = 16 * 1024;

// Bytes asked of the kernel per read: enough for a whole typical message in one system call.
inline constexpr size_t kMessageReadBytes = 4096;
inline constexpr size_t kMessageReadMaxBytes = 64 * 1024;

// Feeds `parser` from `buffer`, reading from `stream` only when the parser needs more, until
// the header (or the whole message) is parsed or an error occurs (`ec`). Bytes past the
// message stay in `buffer`.
template <class Stream, bool isRequest>
boost::asio::awaitable<void> read_parsed(Stream& stream, boost::beast::flat_buffer& buffer,
                                         boost::beast::http::basic_parser<isRequest>& parser,
                                         ReadUntil until, boost::system::error_code& ec) {
  namespace bhttp = boost::beast::http;
  ec = {};
  auto done = [&] {
    return until == ReadUntil::header ? parser.is_header_done() : parser.is_done();
  };
  while (!done()) {
    bool read_more = false;
    if constexpr (isRequest) {
      // A head with bare-LF line endings gets CRLFs before the parser sees it (as Go reads it).
      if (buffer.size() > 0 && !parser.is_header_done()) {
        read_more =
            prepare_request_head(buffer, kBareLfHeadMaxBytes) == HeadLineEndings::incomplete;
      }
    }
    if (buffer.size() > 0 && !read_more) {
      size_t used = parser.put(buffer.data(), ec);
      // A message the parser refused stays in the buffer whole, for the answer to read
      // (go_head_refusal); the connection is closed after that answer.
      bool refused = ec && ec != bhttp::error::need_more && ec != bhttp::error::need_buffer;
      if (!refused) buffer.consume(used);
      if (!ec && used > 0) continue;
      if (ec && ec != bhttp::error::need_more) co_return;
      ec = {};
    }
    size_t room = std::min(std::max(kMessageReadBytes, buffer.capacity() - buffer.size()),
                           std::min(kMessageReadMaxBytes, buffer.max_size() - buffer.size()));
    if (room == 0) {
      ec = bhttp::error::buffer_overflow;
      co_return;
    }
    size_t n = co_await stream.async_read_some(
        buffer.prepare(room), boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    buffer.commit(n);
    if (ec == boost::asio::error::eof) {
      if (parser.got_some()) {
        ec = {};
        parser.put_eof(ec);  // a message delimited by the end of the stream, or partial
      } else {
        ec = bhttp::error::end_of_stream;
      }
      co_return;
    }
    if (ec) co_return;
  }
}

// One non-blocking send of as much of `buffers` as the kernel takes now (`socket`, a TCP
// socket, is switched to non-blocking mode here). would_block is not an error: 0 bytes sent.
// User-level non-blocking mode makes the synchronous send return would_block instead of
// waiting in poll(); asio's asynchronous operations are unaffected by it.
template <class Socket, class ConstBuffers>
size_t send_now(Socket& socket, const ConstBuffers& buffers, boost::system::error_code& ec) {
  ec = {};
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  if (ec) return 0;
  size_t sent = socket.write_some(buffers, ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) ec = {};
  return ec ? 0 : sent;
}

// The same for a connection that may be TLS: a TLS connection sends nothing here (its records
// are written by the asynchronous path; a synchronous TLS write on a non-blocking socket could
// leave half a record behind).
template <class ConstBuffers>
size_t send_now(Stream& stream, const ConstBuffers& buffers, boost::system::error_code& ec) {
  if (stream.is_tls()) {
    ec = {};
    return 0;
  }
  return send_now(stream.socket(), buffers, ec);
}

// Writes what send_now() left of `buffers` (all but the first `sent` bytes), waiting for the
// socket as needed.
template <class Socket, class ConstBuffers>
boost::asio::awaitable<void> write_rest(Socket& socket, const ConstBuffers& buffers, size_t sent,
                                        boost::system::error_code& ec) {
  boost::beast::buffers_suffix<ConstBuffers> rest(buffers);
  rest.consume(sent);
  co_await boost::asio::async_write(socket, rest,
                                    boost::asio::redirect_error(boost::asio::use_awaitable, ec));
}

// Writes all of `buffers` to `socket`: one non-blocking send first, then waits only for what
// the kernel did not take.
template <class Socket, class ConstBuffers>
boost::asio::awaitable<void> write_all(Socket& socket, const ConstBuffers& buffers,
                                       boost::system::error_code& ec) {
  size_t sent = send_now(socket, buffers, ec);
  if (ec || sent == boost::asio::buffer_size(buffers)) co_return;
  co_await write_rest(socket, buffers, sent, ec);
}

// Writes a finished answer (`bytes`, taken over) and returns `keep_alive` unless the write
// failed: the tail of a handler whose answer is complete. Takes everything by value, so it may
// be returned un-awaited from a plain function.
template <class Socket>
boost::asio::awaitable<bool> send_answer(Socket& socket, std::string bytes, bool keep_alive) {
  boost::system::error_code ec;
  size_t sent = send_now(socket, boost::asio::buffer(bytes), ec);
  if (!ec && sent < bytes.size()) {
    co_await write_rest(socket, boost::asio::buffer(bytes), sent, ec);
  }
  co_return !ec && keep_alive;
}

}  // namespace etcdpp::http
