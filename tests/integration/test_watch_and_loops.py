"""Watches and streams through the proxy; client disconnects; forwarding loops."""
import json
import socket
import threading
import time

from conftest import EtcdCluster, Proxy, free_port, http, wait_until


def open_watch(port, path):
    """Sends a watch request on a raw socket and returns the socket (headers not read)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    return s


def read_until(sock, marker, timeout=10):
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data and time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_long_poll_headers_arrive_before_the_event(cluster3, shared_proxy):
    """W2: etcd's proxy withholds even the status line until the event arrives."""
    s = open_watch(shared_proxy.port, "/v2/keys/w1?wait=true")
    head = read_until(s, b"\r\n\r\n", timeout=5)
    assert head.startswith(b"HTTP/1.1 200 OK"), head
    assert b"Transfer-Encoding: chunked" in head
    http("PUT", shared_proxy.url + "/v2/keys/w1", "value=fired")
    body = read_until(s, b"fired", timeout=5)
    assert b'"action":"set"' in body and b"fired" in body
    s.close()


def test_stream_delivers_each_event_immediately(cluster3, shared_proxy):
    s = open_watch(shared_proxy.port, "/v2/keys/w2?wait=true&stream=true")
    read_until(s, b"\r\n\r\n", timeout=5)
    for i in range(3):
        http("PUT", shared_proxy.url + "/v2/keys/w2", f"value=event{i}")
        got = read_until(s, f"event{i}".encode(), timeout=5)
        assert f"event{i}".encode() in got, got
    s.close()


def test_recursive_watch_with_wait_index(cluster3, shared_proxy):
    status, headers, _ = http("PUT", shared_proxy.url + "/v2/keys/wd/a", "value=1")
    index = int(headers["x-etcd-index"])
    status, _, body = http("GET", shared_proxy.url +
                           f"/v2/keys/wd?wait=true&recursive=true&waitIndex={index}")
    assert status == 200
    assert json.loads(body)["node"]["key"] == "/wd/a"


def test_client_disconnect_cancels_upstream_watch(cluster3, shared_proxy):
    before = shared_proxy.metric("etcdpp_proxy_open_watchers")
    socks = [open_watch(shared_proxy.port, f"/v2/keys/cancel{i}?wait=true") for i in range(20)]
    for s in socks:
        read_until(s, b"\r\n\r\n", timeout=5)
    wait_until(lambda: shared_proxy.metric("etcdpp_proxy_open_watchers") >= before + 20,
               timeout=5, what="watchers open")
    for s in socks:
        s.close()
    wait_until(lambda: shared_proxy.metric("etcdpp_proxy_open_watchers") <= before, timeout=5,
               what="watchers released after the clients left")


def test_many_idle_watchers_and_a_write_wakes_them(started, tmp_path, cluster3):
    proxy = started(Proxy(tmp_path, name="many", initial_cluster=cluster3.initial_cluster))
    proxy.wait_listening().wait_endpoints(3)
    n = 300
    socks = [open_watch(proxy.port, "/v2/keys/fan?wait=true") for _ in range(n)]
    for s in socks:
        read_until(s, b"\r\n\r\n", timeout=10)
    wait_until(lambda: proxy.metric("etcdpp_proxy_open_watchers") == n, timeout=10,
               what="all watchers open")
    http("PUT", proxy.url + "/v2/keys/fan", "value=wake")
    woken = sum(1 for s in socks if b"wake" in read_until(s, b"wake", timeout=10))
    assert woken == n
    for s in socks:
        s.close()


def test_member_advertising_proxy_address_is_not_used(started, tmp_path):
    """W1: a member whose advertised client URL is the proxy's own address."""
    proxy_port = free_port()
    cluster = EtcdCluster(tmp_path, 1, advertise={"m0": f"http://127.0.0.1:{proxy_port}"})
    started(cluster.start())
    proxy = started(Proxy(tmp_path, port=proxy_port, initial_cluster=cluster.initial_cluster))
    proxy.wait_listening()
    wait_until(lambda: "own listen address" in proxy.process.output(), timeout=10,
               what="warning about the self endpoint")
    fds = proxy.fd_count()
    for _ in range(50):
        status, _, body = http("GET", proxy.url + "/v2/keys/x", timeout=5)
        assert status == 503
    assert proxy.fd_count() <= fds + 2
    assert proxy.process.alive()


def test_two_proxy_loop_is_refused_and_bounded(started, tmp_path):
    """A member advertises two proxies' addresses: each forwards to the other. etcd's proxies
    would bounce the request until resources run out; etcdpp's answer 508 at once."""
    pa, pb = free_port(), free_port()
    cluster = EtcdCluster(tmp_path, 1, advertise={
        "m0": f"http://127.0.0.1:{pa},http://127.0.0.1:{pb}"})
    started(cluster.start())
    a = started(Proxy(tmp_path, name="pa", port=pa, initial_cluster=cluster.initial_cluster))
    b = started(Proxy(tmp_path, name="pb", port=pb, initial_cluster=cluster.initial_cluster))
    a.wait_listening().wait_endpoints(1)
    b.wait_listening().wait_endpoints(1)
    assert a.endpoints() == [b.url] and b.endpoints() == [a.url]
    fds_a, fds_b = a.fd_count(), b.fd_count()
    rss_a = a.rss_kb()
    for _ in range(100):
        status, _, body = http("PUT", a.url + "/v2/keys/loop", "value=1", timeout=5)
        assert status == 508, body
        assert "forwarding loop detected" in json.loads(body)["message"]
    assert a.fd_count() <= fds_a + 4 and b.fd_count() <= fds_b + 4
    assert a.rss_kb() < rss_a + 20_000
    # GETs too (after the loop marks the endpoint failed, the answer becomes 502/503).
    status, _, _ = http("GET", a.url + "/v2/keys/loop", timeout=5)
    assert status in (502, 503, 508)


def test_hop_limit(cluster3, shared_proxy):
    via = ", ".join(f"p{i}" for i in range(8))
    status, _, body = http("GET", shared_proxy.url + "/v2/keys/", headers={"X-Etcdpp-Via": via})
    assert status == 508
    assert "crossed 8 proxies" in body
    via = ", ".join(f"p{i}" for i in range(7))
    assert http("GET", shared_proxy.url + "/v2/keys/", headers={"X-Etcdpp-Via": via})[0] == 200


def test_chain_of_proxies_works(started, tmp_path, cluster3):
    """proxy -> proxy -> cluster is a legitimate chain (one extra hop), not a loop."""
    first = started(Proxy(tmp_path, name="chain1", initial_cluster=cluster3.initial_cluster))
    first.wait_listening().wait_endpoints(3)
    status, _, body = http("PUT", first.url + "/v2/keys/chain", "value=ok")
    assert status in (200, 201)


def test_read_timeout_never_cuts_a_watch(started, tmp_path, cluster3):
    """W10: with --proxy-read-timeout, etcd's proxy ends an idle watch with an empty 200."""
    proxy = started(Proxy(tmp_path, name="rt", initial_cluster=cluster3.initial_cluster,
                          extra=["--proxy-read-timeout", "300"]))
    proxy.wait_listening().wait_endpoints(3)
    s = open_watch(proxy.port, "/v2/keys/rtwatch?wait=true")
    read_until(s, b"\r\n\r\n", timeout=5)
    time.sleep(1.2)  # four read timeouts
    http("PUT", proxy.url + "/v2/keys/rtwatch", "value=late")
    assert b"late" in read_until(s, b"late", timeout=5)
    s.close()
    # Ordinary reads still work with the timeout set.
    assert http("GET", proxy.url + "/v2/keys/")[0] == 200
