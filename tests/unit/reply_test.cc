// The member's answers on the wire (Go's header order and framing) and the small renderers of
// the members and stats endpoints.
#include "api/v2/reply.h"
#include "api/v2/client_api.h"
#include "api/v2/members_api.h"
#include "api/v2/members_json.h"

#include <gtest/gtest.h>

namespace etcdpp::api::v2 {
namespace {

using namespace std::chrono_literals;

const std::string kDate = "Mon, 23 Nov 2026 10:14:21 GMT";
const WireOptions kWire{11, true, false, &kDate};

TEST(ReplyTest, HeadersSortedThenDateAndLengthLikeGo) {
  Reply r = json_reply(201, "{}\n");
  r.set("X-Raft-Term", "2");
  r.set("X-Etcd-Index", "4");
  r.cors_origin = "*";
  EXPECT_EQ(serialize_reply(r, kWire),
            "HTTP/1.1 201 Created\r\n"
            "Access-Control-Allow-Headers: accept, content-type, authorization\r\n"
            "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n"
            "Access-Control-Allow-Origin: *\r\n"
            "Content-Type: application/json\r\n"
            "X-Etcd-Index: 4\r\n"
            "X-Raft-Term: 2\r\n"
            "Date: Mon, 23 Nov 2026 10:14:21 GMT\r\n"
            "Content-Length: 3\r\n"
            "\r\n{}\n");
}

TEST(ReplyTest, SniffedTypeComesAfterTheLength) {
  EXPECT_EQ(serialize_reply(sniffed_text(200, "{\"health\":\"true\"}"), kWire),
            "HTTP/1.1 200 OK\r\nDate: Mon, 23 Nov 2026 10:14:21 GMT\r\nContent-Length: 17\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n{\"health\":\"true\"}");
}

TEST(ReplyTest, HeadNoContentAndConnectionRules) {
  WireOptions head = kWire;
  head.head = true;
  std::string h = serialize_reply(json_reply(200, "abc"), head);
  EXPECT_NE(h.find("Content-Length: 3\r\n\r\n"), std::string::npos);
  EXPECT_EQ(h.substr(h.size() - 4), "\r\n\r\n");
  EXPECT_EQ(serialize_reply(Reply{}, head).find("Content-Length"), std::string::npos);
  Reply none;
  none.status = 204;
  EXPECT_EQ(serialize_reply(none, kWire),
            "HTTP/1.1 204 No Content\r\nDate: Mon, 23 Nov 2026 10:14:21 GMT\r\n\r\n");
  WireOptions close = kWire;
  close.keep_alive = false;
  EXPECT_NE(serialize_reply(none, close).find("Connection: close\r\n"), std::string::npos);
  WireOptions http10 = kWire;
  http10.http_version = 10;
  EXPECT_EQ(serialize_reply(none, http10).rfind("HTTP/1.0 204", 0), 0u);
  EXPECT_NE(serialize_reply(none, http10).find("Connection: keep-alive"), std::string::npos);
  http10.keep_alive = false;
  EXPECT_EQ(serialize_reply(none, http10).find("Connection"), std::string::npos);
}

TEST(ReplyTest, StreamHeadIsChunkedForHttp11Only) {
  std::string h11 = serialize_stream_head(json_reply(200, ""), kWire);
  EXPECT_NE(h11.find("Date: Mon, 23 Nov 2026 10:14:21 GMT\r\nTransfer-Encoding: chunked\r\n\r\n"),
            std::string::npos);
  WireOptions http10 = kWire;
  http10.http_version = 10;
  std::string h10 = serialize_stream_head(json_reply(200, ""), http10);
  EXPECT_EQ(h10.find("chunked"), std::string::npos);
  EXPECT_EQ(h10.find("Content-Length"), std::string::npos);
}

TEST(GoDurationTest, FormatsLikeTimeDurationString) {
  EXPECT_EQ(go_duration(0ns), "0s");
  EXPECT_EQ(go_duration(999ns), "999ns");
  EXPECT_EQ(go_duration(1500ns), "1.5\xC2\xB5s");
  EXPECT_EQ(go_duration(500ms), "500ms");
  EXPECT_EQ(go_duration(1273824500ns), "1.2738245s");
  EXPECT_EQ(go_duration(123500ms), "2m3.5s");
  EXPECT_EQ(go_duration(3600s), "1h0m0s");
  EXPECT_EQ(go_duration(3723s + 1ns), "1h2m3.000000001s");
  EXPECT_EQ(go_duration(-2s), "-2s");
}

TEST(MembersJsonTest, ApiAndPeerForms) {
  server::Membership m;
  m.upsert(
      {0x628170c800dbceeULL, "default", {"http://127.0.0.1:32380"}, {"http://127.0.0.1:32379"}});
  m.upsert({5, "", {"http://x:1"}, {}});
  EXPECT_EQ(render_member_list(m),
            "{\"members\":[{\"id\":\"5\",\"name\":\"\",\"peerURLs\":[\"http://x:1\"],"
            "\"clientURLs\":[]},{\"id\":\"628170c800dbcee\",\"name\":\"default\",\"peerURLs\":"
            "[\"http://127.0.0.1:32380\"],\"clientURLs\":[\"http://127.0.0.1:32379\"]}]}");
  EXPECT_EQ(render_peer_members(m),
            "[{\"id\":5,\"peerURLs\":[\"http://x:1\"]},{\"id\":443629905751424238,\"peerURLs\":"
            "[\"http://127.0.0.1:32380\"],\"name\":\"default\",\"clientURLs\":"
            "[\"http://127.0.0.1:32379\"]}]");
}

TEST(MembersBodyTest, EtcdMessages) {
  std::string error;
  auto urls = parse_peer_urls_body(R"({"peerURLs":["http://b:2","http://a:1"]})", error);
  ASSERT_TRUE(urls) << error;
  EXPECT_EQ(*urls, (std::vector<std::string>{"http://a:1", "http://b:2"}));
  EXPECT_FALSE(parse_peer_urls_body("", error));
  EXPECT_EQ(error, "unexpected end of JSON input");
  EXPECT_FALSE(parse_peer_urls_body("x", error));
  EXPECT_EQ(error, "invalid character 'x' looking for beginning of value");
  EXPECT_FALSE(parse_peer_urls_body("{} x", error));
  EXPECT_EQ(error, "invalid character 'x' after top-level value");
  EXPECT_FALSE(parse_peer_urls_body(R"({"peerURLs":["notaurl"]})", error));
  EXPECT_EQ(error, "URL scheme must be http, https, unix, or unixs: notaurl");
  EXPECT_FALSE(parse_peer_urls_body(R"({"peerURLs":["http://h"]})", error));
  EXPECT_EQ(error, "URL address does not have the form \"host:port\": http://h");
  EXPECT_FALSE(parse_peer_urls_body(R"({"peerURLs":["http://h:1/p"]})", error));
  EXPECT_EQ(error, "URL must not contain a path: http://h:1/p");
}

}  // namespace
}  // namespace etcdpp::api::v2
