"""Bad input gets clean errors and the proxy keeps serving; real clients work through it."""
import os
import socket
import subprocess
import time

import pytest

from conftest import Proxy, http, wait_until


@pytest.fixture(scope="module")
def strict_proxy(cluster3, tmp_path_factory):
    """A proxy with small limits so that limit tests run fast."""
    p = Proxy(tmp_path_factory.mktemp("strict"), name="strict",
              initial_cluster=cluster3.initial_cluster,
              extra=["--proxy-client-request-timeout", "1000",
                     "--proxy-max-body-bytes", "100000"])
    p.wait_listening().wait_endpoints(3)
    yield p
    p.stop()


def exchange(port, data, timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        except socket.timeout:
            pass
        return out


def still_serving(proxy):
    assert http("GET", proxy.url + "/v2/keys/")[0] == 200


@pytest.mark.parametrize("garbage", [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",  # TLS hello
    b"GET\r\n\r\n",
    b"GET /v2/keys HTTP/1.1\r\nBad Header Line\r\n\r\n",
    b"PUT /v2/keys/a HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"PUT /v2/keys/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
])
def test_malformed_requests_get_400(strict_proxy, garbage):
    out = exchange(strict_proxy.port, garbage)
    assert out.startswith(b"HTTP/1.1 400 Bad Request"), out
    still_serving(strict_proxy)


def test_unsupported_protocol_version_gets_505(strict_proxy):
    # As etcd's proxy (Go's server): any major version but 1 is refused with 505.
    out = exchange(strict_proxy.port, b"GET / HTTP/9.9\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol "
                          b"version\r\n"), out
    still_serving(strict_proxy)


def test_oversized_header_gets_431(strict_proxy):
    req = b"GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
    out = exchange(strict_proxy.port, req)
    assert out.startswith(b"HTTP/1.1 431"), out[:100]
    still_serving(strict_proxy)


def test_oversized_body_gets_413(strict_proxy, cluster3):
    body = b"value=" + b"z" * 200_000
    req = (b"PUT /v2/keys/huge HTTP/1.1\r\nHost: x\r\nContent-Type: "
           b"application/x-www-form-urlencoded\r\nContent-Length: " + str(len(body)).encode() +
           b"\r\n\r\n" + body)
    out = exchange(strict_proxy.port, req)
    assert out.startswith(b"HTTP/1.1 413"), out[:200]
    assert b'"message":"httpproxy: request body too large (limit 100000 bytes)"' in out
    assert http("GET", cluster3.members[0].client_url + "/v2/keys/huge")[0] == 404
    still_serving(strict_proxy)


def test_slow_client_times_out_and_others_are_served(strict_proxy):
    with socket.create_connection(("127.0.0.1", strict_proxy.port), timeout=5) as slow:
        slow.sendall(b"GET /v2/keys/ HTTP/1.1\r\nHo")
        # Meanwhile other clients are served.
        for _ in range(5):
            still_serving(strict_proxy)
        slow.settimeout(5)
        out = slow.recv(4096)
        assert out.startswith(b"HTTP/1.1 408"), out


def test_idle_keepalive_connection_is_not_cut(strict_proxy):
    """The request timeout starts at the first byte: an idle keep-alive connection stays."""
    with socket.create_connection(("127.0.0.1", strict_proxy.port), timeout=5) as s:
        s.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
        first = s.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        time.sleep(1.5)
        s.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
        second = s.recv(65536)
        assert second.startswith(b"HTTP/1.1 200")


def test_pipelined_requests(strict_proxy):
    req = b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n" * 3
    with socket.create_connection(("127.0.0.1", strict_proxy.port), timeout=5) as s:
        s.sendall(req)
        data = b""
        deadline = time.monotonic() + 5
        while data.count(b"HTTP/1.1 200") < 3 and time.monotonic() < deadline:
            data += s.recv(65536)
    assert data.count(b"HTTP/1.1 200") == 3


def test_http10_client(strict_proxy):
    out = exchange(strict_proxy.port, b"GET /version HTTP/1.0\r\n\r\n")
    assert out.startswith(b"HTTP/1.0 200"), out  # Go answers in the client's version
    assert b"etcdserver" in out


def test_many_connections_opened_and_dropped(strict_proxy):
    socks = []
    for _ in range(200):
        s = socket.create_connection(("127.0.0.1", strict_proxy.port), timeout=5)
        s.sendall(b"GET /v2/keys/ HTTP/1.1\r\nHost: x\r\n")  # unfinished
        socks.append(s)
    for s in socks:
        s.close()
    still_serving(strict_proxy)
    wait_until(lambda: strict_proxy.metric("etcdpp_proxy_client_connections") <= 2, timeout=5,
               what="connections released")


def test_python_etcd_client_through_proxy(cluster3, shared_proxy):
    env = dict(os.environ, PYTHONPATH="/usr/lib/python3/dist-packages")
    script = f"""
import etcd
c = etcd.Client(host="127.0.0.1", port={shared_proxy.port}, allow_reconnect=False)
c.write("/pyetcd/a", "1")
assert c.read("/pyetcd/a").value == "1"
r = c.write("/pyetcd/q", "job", append=True)
assert r.key.startswith("/pyetcd/q/")
c.write("/pyetcd/a", "2", prevValue="1")
try:
    c.write("/pyetcd/a", "3", prevValue="nope")
    raise SystemExit("expected a compare failure")
except ValueError:
    pass
c.delete("/pyetcd/a")
try:
    c.read("/pyetcd/a")
    raise SystemExit("expected key not found")
except etcd.EtcdKeyNotFound:
    pass
print("ok", len(c.machines))
"""
    out = subprocess.run(["/usr/bin/python3", "-c", script], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("ok")


def etcdctl(endpoint, *args):
    env = dict(os.environ, ETCDCTL_API="2")
    return subprocess.run(["etcdctl", "--endpoints", endpoint, "--no-sync", *args],
                          capture_output=True, text=True, timeout=30, env=env)


def test_etcdctl_v2_through_proxy(cluster3, shared_proxy):
    r = etcdctl(shared_proxy.url, "set", "/ctl/a", "hello")
    assert r.returncode == 0 and r.stdout.strip() == "hello", r.stderr
    r = etcdctl(shared_proxy.url, "get", "/ctl/a")
    assert r.stdout.strip() == "hello"
    r = etcdctl(shared_proxy.url, "mkdir", "/ctl/d")
    assert r.returncode == 0, r.stderr
    r = etcdctl(shared_proxy.url, "ls", "/ctl")
    assert sorted(r.stdout.split()) == ["/ctl/a", "/ctl/d"]
    r = etcdctl(shared_proxy.url, "member", "list")
    assert r.returncode == 0 and r.stdout.count("name=") == 3, r.stderr
    r = etcdctl(shared_proxy.url, "cluster-health")
    assert "cluster is healthy" in r.stdout, r.stdout + r.stderr
    r = etcdctl(shared_proxy.url, "get", "/ctl/missing")
    assert r.returncode == 4 and "Key not found" in r.stderr


def test_etcdctl_readonly_proxy_refuses_writes(started, tmp_path, cluster3):
    ro = started(Proxy(tmp_path, name="ro-ctl", readonly=True,
                       initial_cluster=cluster3.initial_cluster))
    ro.wait_listening().wait_endpoints(3)
    r = etcdctl(ro.url, "set", "/ctl/ro", "x")
    assert r.returncode != 0
    assert etcdctl(ro.url, "get", "/ctl/a").returncode in (0, 4)
