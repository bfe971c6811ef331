#pragma once
// HTTP/1.1 message heads written as one contiguous buffer. Beast's serializer hands the kernel
// one iovec per field (dozens per message); on the proxy's hot path a single buffer costs less
// in both user and kernel time. Bodies are written next to the head in the same gather write.
#include <boost/beast/http/message.hpp>

#include <string>
#include <string_view>

namespace etcdpp::http {

// "METHOD target HTTP/1.1\r\n" + "Name: value\r\n"... + "\r\n"
void append_request_head(std::string& out, const boost::beast::http::request_header<>& head);
// "HTTP/1.1 <code> <reason>\r\n" + fields + "\r\n"; the reason is the message's own (as the
// member sent it), or the standard one when it has none.
void append_response_head(std::string& out, const boost::beast::http::response_header<>& head);
// Chunk framing for a body piece of `size` bytes: "<hex>\r\n" (the data and "\r\n" follow).
void append_chunk_size(std::string& out, size_t size);

inline constexpr std::string_view kCrlf = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace etcdpp::http
