#include "http/serialize.h"

#include <gtest/gtest.h>
#include <boost/beast/http.hpp>

namespace etcdpp::http {
namespace {

namespace bhttp = boost::beast::http;

TEST(SerializeTest, RequestHead) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::put, "/v2/keys/a?x=%2F", 11};
  req.set(bhttp::field::host, "127.0.0.1:2379");
  req.set(bhttp::field::content_length, "7");
  std::string out;
  append_request_head(out, req.base());
  EXPECT_EQ(out,
            "PUT /v2/keys/a?x=%2F HTTP/1.1\r\nHost: 127.0.0.1:2379\r\nContent-Length: 7\r\n\r\n");
}

TEST(SerializeTest, ResponseHeadKeepsReasonAndFieldOrder) {
  bhttp::response_parser<bhttp::empty_body> parser;
  boost::system::error_code ec;
  std::string_view wire =
      "HTTP/1.1 201 Created\r\nX-Etcd-Index: 4\r\nContent-Type: application/json\r\n"
      "Content-Length: 0\r\n\r\n";
  parser.put(boost::asio::buffer(wire), ec);
  ASSERT_FALSE(ec) << ec.message();
  std::string out;
  append_response_head(out, parser.get().base());
  EXPECT_EQ(out, wire);
}

TEST(SerializeTest, ResponseHeadStandardReasonWhenNone) {
  bhttp::response<bhttp::empty_body> res{bhttp::status::not_implemented, 11};
  std::string out;
  append_response_head(out, res.base());
  EXPECT_EQ(out, "HTTP/1.1 501 Not Implemented\r\n\r\n");
}

TEST(SerializeTest, ChunkSize) {
  std::string out;
  append_chunk_size(out, 255);
  EXPECT_EQ(out, "ff\r\n");
}

}  // namespace
}  // namespace etcdpp::http
