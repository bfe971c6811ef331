"""Transparency: v2 operations through etcdpp's proxy answer exactly what the member answers."""
import json
import re
import socket
import threading
import time

import pytest

from conftest import http, wait_until

# (method, path under the test's prefix, body) — every kind of v2 request and error.
OPERATIONS = [
    ("PUT", "/a", "value=1"),
    ("GET", "/a", None),
    ("PUT", "/a?prevValue=1", "value=2"),
    ("PUT", "/a?prevValue=nope", "value=3"),              # 412 compare failed
    ("PUT", "/a?prevExist=false", "value=4"),             # 412 key exists
    ("PUT", "/a?prevIndex=1", "value=5"),                 # 412
    ("PUT", "/dir?dir=true", ""),
    ("PUT", "/dir/x", "value=x"),
    ("GET", "/dir?recursive=true&sorted=true", None),
    ("POST", "/queue", "value=job1"),
    ("GET", "/queue?sorted=true", None),
    ("GET", "/missing", None),                            # 404 key not found
    ("PUT", "/ttl", "value=t&ttl=100"),
    ("PUT", "/ttl?ttl=abc", "value=t"),                   # 400 bad ttl
    ("DELETE", "/dir", None),                             # 403 not a file
    ("DELETE", "/dir?recursive=true", None),
    ("DELETE", "/a?prevValue=2", None),
    ("DELETE", "/a", None),                               # 404
    ("PUT", "/_hidden", "value=h"),
    ("GET", "?sorted=true", None),
    ("HEAD", "/queue", None),
]

INDEX_RE = re.compile(r'"(modifiedIndex|createdIndex|index)":\d+')
EXPIRE_RE = re.compile(r'"expiration":"[^"]+"')
TTL_RE = re.compile(r'"ttl":\d+')
QUEUE_RE = re.compile(r'/queue/\d{20}')
CAUSE_RE = re.compile(r'\[(\w+) != (\w+)\]')


def normalise(text, prefix):
    text = text.replace(prefix, "/PREFIX")
    text = INDEX_RE.sub(r'"\1":N', text)
    text = EXPIRE_RE.sub('"expiration":"T"', text)
    text = TTL_RE.sub('"ttl":N', text)
    text = CAUSE_RE.sub(lambda m: "[" + (m.group(1) if not m.group(1).isdigit() else "N") +
                        " != " + (m.group(2) if not m.group(2).isdigit() else "N") + "]", text)
    return QUEUE_RE.sub("/queue/Q", text)


COMPARED_HEADERS = ["content-type", "x-etcd-cluster-id", "access-control-allow-origin",
                    "access-control-allow-methods", "access-control-allow-headers"]


def test_v2_operations_same_as_direct(cluster3, shared_proxy):
    member = cluster3.members[0].client_url
    direct_prefix = f"/direct{int(time.time() * 1000)}"
    proxy_prefix = f"/proxied{int(time.time() * 1000)}"
    for method, path, body in OPERATIONS:
        d_path, p_path = direct_prefix + path, proxy_prefix + path
        d = http(method, member + "/v2/keys" + d_path, body)
        p = http(method, shared_proxy.url + "/v2/keys" + p_path, body)
        what = f"{method} {path}"
        assert p[0] == d[0], what
        assert normalise(p[2], proxy_prefix) == normalise(d[2], direct_prefix), what
        for h in COMPARED_HEADERS:
            assert p[1].get(h) == d[1].get(h), f"{what}: header {h}"
        for h in ("x-etcd-index", "x-raft-index", "x-raft-term"):
            assert (h in p[1]) == (h in d[1]), f"{what}: header {h}"


@pytest.mark.parametrize("path", ["/version", "/health", "/v2/machines", "/v2/members",
                                  "/v2/stats/self", "/v2/stats/store", "/nonexistent"])
def test_informational_paths_pass_through(cluster3, shared_proxy, path):
    p = http("GET", shared_proxy.url + path)
    d = http("GET", cluster3.members[0].client_url + path)
    assert p[0] == d[0]
    if path in ("/version", "/v2/machines", "/v2/members", "/nonexistent"):
        assert p[2] == d[2]
    elif path == "/v2/stats/self":
        assert "name" in json.loads(p[2])  # the member picked (leader or follower) answers
    else:
        assert json.loads(p[2]).keys() == json.loads(d[2]).keys()


def test_members_api_through_proxy(cluster3, shared_proxy):
    status, _, body = http("GET", shared_proxy.url + "/v2/members")
    assert status == 200
    assert sorted(m["name"] for m in json.loads(body)["members"]) == ["m0", "m1", "m2"]


def test_endpoints_are_all_members(cluster3, shared_proxy):
    assert sorted(shared_proxy.endpoints()) == sorted(m.client_url for m in cluster3.members)


def test_load_spreads_over_members(cluster3, shared_proxy):
    """Unlike etcd (W5), requests rotate over members between refreshes (reads rotate again
    once a second has passed since the last write through the proxy)."""
    time.sleep(1.2)
    seen = set()
    for _ in range(12):
        status, headers, body = http("GET", shared_proxy.url + "/v2/stats/self")
        assert status == 200
        seen.add(json.loads(body)["name"])
    assert seen == {"m0", "m1", "m2"}


def test_reads_see_the_proxys_own_writes(cluster3, shared_proxy):
    """Rotation does not cost read-your-writes: a read right after a write through the proxy
    goes to the member that answered the write (another may not have applied it yet)."""
    for i in range(30):
        status, _, _ = http("PUT", shared_proxy.url + "/v2/keys/ryw", f"value={i}")
        assert status in (200, 201)
        status, _, body = http("GET", shared_proxy.url + "/v2/keys/ryw")
        assert status == 200 and json.loads(body)["node"]["value"] == str(i), body
        status, _, _ = http("DELETE", shared_proxy.url + "/v2/keys/ryw")
        assert status == 200
        status, _, body = http("GET", shared_proxy.url + "/v2/keys/ryw")
        assert status == 404, body


def raw_request(port, data, read_timeout=5.0):
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
                if b"\r\n\r\n" in b"".join(chunks) and b"Connection: close" not in b"".join(
                        chunks) and b"Content-Length: 0" in b"".join(chunks):
                    break
        except socket.timeout:
            pass
        return b"".join(chunks)


def test_forwarded_headers(started, tmp_path, cluster3, shared_proxy):
    """X-Forwarded-For folded like etcd; hop-by-hop headers not forwarded (checked via an
    echo upstream)."""
    import http.server

    received = {}

    class Echo(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            if self.path != "/members":
                received["headers"] = dict(self.headers.items())
                received["xff"] = self.headers.get_all("X-Forwarded-For")
            if self.path == "/members":
                body = json.dumps([{"id": 1, "name": "echo", "peerURLs": [
                    f"http://127.0.0.1:{self.server.server_port}"], "clientURLs": [
                    f"http://127.0.0.1:{self.server.server_port}"]}]).encode()
                self.send_response(200)
                self.send_header("X-Etcd-Cluster-Id", "abc")
            else:
                body = b"{}"
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Keep-Alive", "timeout=5")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        from conftest import Proxy
        p = started(Proxy(tmp_path, name="echo-proxy",
                          initial_cluster=f"echo=http://127.0.0.1:{server.server_port}"))
        p.wait_listening().wait_endpoints(1)
        req = (b"GET /v2/keys/x?a=%2F HTTP/1.1\r\nHost: example:1\r\n"
               b"X-Forwarded-For: 10.1.1.1\r\nX-Forwarded-For: 10.2.2.2\r\n"
               b"Connection: keep-alive, X-Private\r\nX-Private: secret\r\n"
               b"Proxy-Connection: keep-alive\r\nTE: trailers\r\nAuthorization: Basic Zm9v\r\n"
               b"Content-Length: 0\r\n\r\n")
        resp = raw_request(p.port, req)
        assert resp.startswith(b"HTTP/1.1 200"), resp
        assert b"Keep-Alive" not in resp
        h = received["headers"]
        assert received["xff"] == ["10.1.1.1, 10.2.2.2, 127.0.0.1"]
        assert h["Host"] == "example:1"
        assert "X-Private" not in h and "Proxy-Connection" not in h and "TE" not in h
        assert h["Authorization"] == "Basic Zm9v"
        assert "X-Etcdpp-Via" in h
    finally:
        server.shutdown()


def test_percent_encoding_preserved(cluster3, shared_proxy):
    status, _, body = http("PUT", shared_proxy.url + "/v2/keys/enc%20oded%2Fkey", "value=v")
    assert status in (200, 201), body
    assert json.loads(body)["node"]["key"] == "/enc oded/key"
    # (A quorum read: members[0] may be a follower that has not applied the write yet.)
    d = http("GET", cluster3.members[0].client_url + "/v2/keys/enc%20oded%2Fkey?quorum=true")
    assert d[0] == 200


def test_large_value_round_trip(cluster3, shared_proxy):
    value = "x" * 200_000  # larger than the single-write path: exercises streaming relay
    status, _, body = http("PUT", shared_proxy.url + "/v2/keys/big", "value=" + value)
    assert status in (200, 201)
    status, headers, body = http("GET", shared_proxy.url + "/v2/keys/big")
    assert status == 200
    assert json.loads(body)["node"]["value"] == value
    direct = http("GET", cluster3.members[0].client_url + "/v2/keys/big")
    assert direct[2] == body
    # The member answers large bodies chunked; the proxy keeps that framing.
    assert ("content-length" in headers) == ("content-length" in direct[1])


def test_expect_100_continue(cluster3, shared_proxy):
    body = "value=" + "y" * 5000
    req = (f"PUT /v2/keys/expect HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
           f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
           f"Connection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", shared_proxy.port), timeout=5) as s:
        s.sendall(req)
        first = s.recv(100)
        assert first.startswith(b"HTTP/1.1 100 Continue"), first
        s.sendall(body.encode())
        rest = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            rest += b
    assert b"201 Created" in rest or b"200 OK" in rest, rest


def test_options_answered_locally(shared_proxy):
    status, headers, body = http("OPTIONS", shared_proxy.url + "/v2/keys/foo")
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    assert body == ""


def test_config_local_proxy(shared_proxy, cluster3):
    status, headers, body = http("GET", shared_proxy.url + "/v2/config/local/proxy")
    assert status == 200
    assert body.endswith("}\n")
    assert sorted(json.loads(body)["endpoints"]) == sorted(m.client_url for m in cluster3.members)
    status, headers, body = http("PUT", shared_proxy.url + "/v2/config/local/proxy", "")
    assert status == 405 and body == "Method Not Allowed\n" and headers["allow"] == "GET"


def test_non_canonical_path_redirects(shared_proxy):
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(shared_proxy.url + "//v2/keys/../keys?x=1", timeout=5)
        assert False, "expected a redirect"
    except urllib.error.HTTPError as e:
        assert e.code == 301
        assert e.headers["Location"] == "/v2/keys?x=1"


def test_metrics(shared_proxy):
    http("GET", shared_proxy.url + "/v2/keys/")
    status, headers, body = http("GET", shared_proxy.url + "/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    for family in ["etcd_proxy_requests_total", "etcd_proxy_handled_total",
                   "etcd_proxy_dropped_total", "etcd_proxy_handling_duration_seconds_bucket",
                   "etcdpp_proxy_endpoint_state", "etcdpp_proxy_open_watchers",
                   "etcdpp_proxy_upstream_errors_total", "etcdpp_proxy_available_endpoints"]:
        assert family in body or family == "etcdpp_proxy_upstream_errors_total", family
    assert shared_proxy.metric('etcd_proxy_requests_total{method="GET"}') >= 1
    assert shared_proxy.metric("etcdpp_proxy_available_endpoints") == 3


def test_own_health(shared_proxy):
    status, _, body = http("GET", shared_proxy.url + "/proxy/health")
    assert status == 200
    assert json.loads(body) == {"health": "true", "availableEndpoints": 3, "endpoints": 3}
