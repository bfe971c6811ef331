// Go's request checks (http/go_request.h) and ServeMux redirects (http/path.h), with the
// answers etcd 3.4 (Go 1.19) gives for the same requests.
#include "http/go_request.h"
#include "http/path.h"
#include "http/request_head.h"

#include <gtest/gtest.h>

#include <cstring>

namespace etcdpp::http {
namespace {

namespace bhttp = boost::beast::http;

const std::string kDate = "Mon, 07 Dec 2026 15:25:10 GMT";
const std::string& date() { return kDate; }

ServerRequest request(bhttp::verb method, std::string_view target, unsigned version = 11) {
  ServerRequest req(method, target, version);
  if (version == 11) req.set(bhttp::field::host, "127.0.0.1:2379");
  return req;
}

TEST(RequestTargetTest, OriginForm) {
  auto t = parse_request_target("/v2/keys/a?wait=true");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->form, RequestTarget::Form::origin);
  EXPECT_EQ(t->raw_path, "/v2/keys/a");
  EXPECT_EQ(t->raw_query, "wait=true");
  EXPECT_TRUE(t->has_query);
  t = parse_request_target("/v2/keys/a%2Fb");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->has_query);
}

TEST(RequestTargetTest, AbsoluteForm) {
  auto t = parse_request_target("http://u@h:12/v2/keys/?a=1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->form, RequestTarget::Form::absolute);
  EXPECT_EQ(t->host, "h:12");
  EXPECT_EQ(t->raw_path, "/v2/keys/");
  EXPECT_EQ(t->raw_query, "a=1");
  t = parse_request_target("HTTP://x");  // no path: redirected to "/" later
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "x");
  EXPECT_EQ(t->raw_path, "");
  t = parse_request_target("http:/v2/keys/");  // a scheme without an authority
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "");
  EXPECT_EQ(t->raw_path, "/v2/keys/");
  t = parse_request_target("foo:bar");  // opaque
  ASSERT_TRUE(t);
  EXPECT_EQ(t->raw_path, "");
  t = parse_request_target("http://[::1]:2379/v2/keys");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "[::1]:2379");
}

TEST(RequestTargetTest, RefusedAsGoRefusesThem) {
  for (std::string_view bad : {"", "v2/keys", ":x", "/v2/keys/a%zz", "/v2/keys/a%2", "/a\x7f",
                               "/a\tb", "http://h:1a/v2", "http://[::1/v2", "http://x/%g0"}) {
    EXPECT_FALSE(parse_request_target(bad)) << bad;
  }
  EXPECT_EQ(parse_request_target("*")->form, RequestTarget::Form::asterisk);
}

TEST(GoServerChecksTest, PassesOrdinaryRequestsUntouched) {
  auto req = request(bhttp::verb::get, "/v2/keys/a?recursive=true");
  EXPECT_FALSE(go_server_checks(req, date));
  EXPECT_EQ(req.target(), "/v2/keys/a?recursive=true");
  auto old = request(bhttp::verb::get, "/v2/keys/a", 10);  // HTTP/1.0 may omit Host
  EXPECT_FALSE(go_server_checks(old, date));
}

TEST(GoServerChecksTest, AbsoluteFormBecomesOriginFormWithItsHost) {
  auto req = request(bhttp::verb::get, "http://x:2379/v2/keys/?a=1");
  EXPECT_FALSE(go_server_checks(req, date));
  EXPECT_EQ(req.target(), "/v2/keys/?a=1");
  EXPECT_EQ(req[bhttp::field::host], "x:2379");
}

TEST(GoServerChecksTest, HostHeaderChecks) {
  ServerRequest none(bhttp::verb::get, "/v2/keys/", 11);
  auto a = go_server_checks(none, date);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes,
            "HTTP/1.1 400 Bad Request: missing required Host header\r\nContent-Type: text/plain; "
            "charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: missing required Host "
            "header");
  EXPECT_FALSE(a->keep_alive);

  auto two = request(bhttp::verb::get, "/v2/keys/");
  two.insert(bhttp::field::host, "other");
  a = go_server_checks(two, date);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, go_request_error("400 Bad Request"));

  auto bad = request(bhttp::verb::get, "/v2/keys/");
  bad.set(bhttp::field::host, "a b");
  a = go_server_checks(bad, date);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, go_request_error("400 Bad Request: malformed Host header"));

  auto empty = request(bhttp::verb::get, "/v2/keys/");
  empty.set(bhttp::field::host, "");
  EXPECT_FALSE(go_server_checks(empty, date));
}

TEST(GoServerChecksTest, BadTargetClosesWith400) {
  auto req = request(bhttp::verb::get, "/v2/keys/a%zz");
  auto a = go_server_checks(req, date);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, go_request_error("400 Bad Request"));
  EXPECT_FALSE(a->keep_alive);
}

TEST(GoServerChecksTest, AsteriskTarget) {
  auto options = request(bhttp::verb::options, "*");
  auto a = go_server_checks(options, date);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nDate: " + kDate + "\r\n\r\n");
  EXPECT_TRUE(a->keep_alive);
  auto closing = request(bhttp::verb::options, "*");
  closing.keep_alive(false);
  a = go_server_checks(closing, date);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nDate: " + kDate +
                          "\r\nConnection: close\r\n\r\n");
  EXPECT_FALSE(a->keep_alive);
  auto options10 = request(bhttp::verb::options, "*", 10);
  a = go_server_checks(options10, date);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nDate: " + kDate + "\r\n\r\n");
  EXPECT_FALSE(a->keep_alive);
  auto get = request(bhttp::verb::get, "*");
  a = go_server_checks(get, date);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nDate: " + kDate +
                          "\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(a->keep_alive);
}

TEST(GoServerChecksTest, TransferEncodingOtherThanChunked) {
  const std::string k501 =
      "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Connection: close\r\n\r\nUnsupported transfer encoding";
  auto gzip = request(bhttp::verb::post, "/v2/keys/a");
  gzip.set(bhttp::field::transfer_encoding, "gzip");
  auto a = go_server_checks(gzip, date);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, k501);
  auto twice = request(bhttp::verb::post, "/v2/keys/a");
  twice.insert(bhttp::field::transfer_encoding, "chunked");
  twice.insert(bhttp::field::transfer_encoding, "chunked");
  a = go_server_checks(twice, date);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, k501);
  auto chunked = request(bhttp::verb::post, "/v2/keys/a");
  chunked.set(bhttp::field::transfer_encoding, " Chunked ");
  EXPECT_FALSE(go_server_checks(chunked, date));
}

TEST(GoServerChecksTest, UnknownExpectationFails) {
  auto req = request(bhttp::verb::get, "/v2/keys/");
  req.set(bhttp::field::expect, "foo");
  auto a = go_server_checks(req, date);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bytes, "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: " + kDate +
                          "\r\nContent-Length: 0\r\n\r\n");
  req.set(bhttp::field::expect, "");
  EXPECT_FALSE(go_server_checks(req, date));
  req.set(bhttp::field::expect, "100-CONTINUE");
  EXPECT_FALSE(go_server_checks(req, date));
}

TEST(GoServerChecksTest, ExpectsContinueAsGoHasToken) {
  EXPECT_TRUE(expects_continue("100-continue"));
  EXPECT_TRUE(expects_continue("100-Continue"));
  EXPECT_TRUE(expects_continue("foo, 100-continue"));
  EXPECT_TRUE(expects_continue("foo 100-continue\tbar"));
  EXPECT_FALSE(expects_continue("x100-continue"));
  EXPECT_FALSE(expects_continue("100-continuex"));
  EXPECT_FALSE(expects_continue(""));
}

TEST(MuxRedirectTest, CleanPathsAreServed) {
  for (std::string_view t :
       {"/v2/keys/a", "/v2/keys/", "/v2/keys/a%2Fb", "/v2/keys/a?x=//", "/v2/keys/%2ea"}) {
    EXPECT_FALSE(mux_redirect(t)) << t;
  }
}

TEST(MuxRedirectTest, DecidesOnTheDecodedPath) {
  // Go compares the percent-decoded path with its cleaned form.
  auto r = mux_redirect("/v2/keys/a%2F%2Fb");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->location, "/v2/keys/a/b");
  r = mux_redirect("/v2/keys/%2e%2e/a");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->location, "/v2/a");
  r = mux_redirect("/v2/keys/%2e");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->location, "/v2/keys");
  r = mux_redirect("/v2//c%2Fd/e");  // an escaped slash is a slash in the redirect
  ASSERT_TRUE(r);
  EXPECT_EQ(r->location, "/v2/c/d/e");
}

TEST(MuxRedirectTest, LocationAndBodyAsGoWritesThem) {
  // The path escaped again (upper-case hex), the query as sent with non-ASCII bytes escaped in
  // lower-case hex; the body quotes the URL before that escaping, HTML-escaped.
  auto r = mux_redirect("/v2//\xc3\xbc%20b?x=1&y=\xc3\xbc");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->location, "/v2/%C3%BC%20b?x=1&y=%c3%bc");
  EXPECT_EQ(r->html_body,
            "<a href=\"/v2/%C3%BC%20b?x=1&amp;y=\xc3\xbc\">Moved Permanently</a>.\n\n");
  r = mux_redirect("/v2//%3F%23%25%22'<>");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->location, "/v2/%3F%23%25%22%27%3C%3E");
  // An empty query is dropped; an empty path (from "http://host?a=1") goes to "/".
  EXPECT_EQ(mux_redirect("/v2//a?")->location, "/v2/a");
  EXPECT_EQ(mux_redirect("?a=1")->location, "/?a=1");
  EXPECT_EQ(mux_redirect("")->location, "/");
  EXPECT_EQ(mux_redirect("/v2//keys/")->location, "/v2/keys/");
}

std::string normalised(std::string_view in, HeadLineEndings expect) {
  boost::beast::flat_buffer buffer;
  auto out = buffer.prepare(in.size());
  std::memcpy(out.data(), in.data(), in.size());
  buffer.commit(in.size());
  EXPECT_EQ(prepare_request_head(buffer, 64), expect) << in;
  auto data = buffer.data();
  return std::string(static_cast<const char*>(data.data()), data.size());
}

TEST(HeadLineEndingsTest, CrlfHeadsAreLeftAlone) {
  EXPECT_EQ(normalised("GET / HTTP/1.1\r\nHost: x\r\n\r\n", HeadLineEndings::crlf),
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(normalised("GET / HTTP/1.1", HeadLineEndings::crlf), "GET / HTTP/1.1");
}

TEST(HeadLineEndingsTest, BareLfHeadRewrittenBodyKept) {
  EXPECT_EQ(normalised("GET /version HTTP/1.0\n\n", HeadLineEndings::rewritten),
            "GET /version HTTP/1.0\r\n\r\n");
  EXPECT_EQ(normalised("PUT /a HTTP/1.1\nHost: x\r\nContent-Length: 3\n\na\nb",
                       HeadLineEndings::rewritten),
            "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\na\nb");
  EXPECT_EQ(normalised("GET / HTTP/1.1\nHost: x\r\n\r\nGET", HeadLineEndings::rewritten),
            "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET");
}

TEST(HeadLineEndingsTest, MinorVersionsAboveOneAreSaidAsHttp11) {
  EXPECT_EQ(normalised("GET / HTTP/1.2\r\nHost: x\r\n\r\n", HeadLineEndings::crlf),
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(normalised("GET / HTTP/1.9\n\n", HeadLineEndings::rewritten), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(normalised("GET / HTTP/1.0\r\n\r\n", HeadLineEndings::crlf), "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(normalised("GET / HTTP/2.0\r\n\r\n", HeadLineEndings::crlf), "GET / HTTP/2.0\r\n\r\n");
}

TEST(GoHeadRefusalTest, NamesWhatGoNames) {
  EXPECT_EQ(go_head_refusal("GET / HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n"),
            go_request_error("400 Bad Request: invalid header name"));
  EXPECT_EQ(go_head_refusal("GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n"),
            go_request_error("400 Bad Request: invalid header value"));
  EXPECT_EQ(go_head_refusal("GET / HTTP/2.0\r\nHost: x\r\n\r\n"),
            go_request_error("505 HTTP Version Not Supported: unsupported protocol version"));
  EXPECT_EQ(go_head_refusal("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n"),
            go_request_error("400 Bad Request: missing required Host header"));
  EXPECT_EQ(go_head_refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nBad "
                            "Header: x\r\n\r\n")
                ->substr(0, 28),
            "HTTP/1.1 501 Not Implemented");
}

TEST(GoHeadRefusalTest, PlainBadRequestWhereGoSaysNothingMore) {
  for (std::string_view head : {
           "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",            // malformed MIME line
           "GET /%zz HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n",   // the target first
           "GET / HTTP/1.10\r\nHost: x\r\n\r\n",                      // malformed version
           "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",                       // invalid method
           "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\nB c: d\r\n\r\n",  // too many Hosts
           "GET / HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n",          // incomplete
       }) {
    EXPECT_FALSE(go_head_refusal(head)) << head;
  }
}

TEST(HeadLineEndingsTest, IncompleteUntilTheEmptyLineThenGivenUpPastTheLimit) {
  EXPECT_EQ(normalised("GET / HTTP/1.1\nHost: x\n", HeadLineEndings::incomplete),
            "GET / HTTP/1.1\nHost: x\n");
  std::string long_head = "GET / HTTP/1.1\nX: " + std::string(100, 'a') + "\n";
  EXPECT_EQ(normalised(long_head, HeadLineEndings::crlf), long_head);
}

}  // namespace
}  // namespace etcdpp::http
