"""Read-only mode, failover, membership changes and restart from the persisted member list."""
import json
import os
import socket
import time

from conftest import ETCD_BIN, EtcdCluster, Proxy, free_port, http, raw_until_close, wait_until


def raw(port, request, timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def strip_date(response):
    return b"\r\n".join(l for l in response.split(b"\r\n") if not l.startswith(b"Date:"))


def test_readonly_exact_501_like_etcd(started, tmp_path, cluster3):
    ours = started(Proxy(tmp_path, name="ro", readonly=True,
                         initial_cluster=cluster3.initial_cluster))
    theirs = started(Proxy(tmp_path, name="etcd-ro", readonly=True, binary=ETCD_BIN,
                           initial_cluster=cluster3.initial_cluster))
    ours.wait_listening().wait_endpoints(3)
    theirs.wait_listening()
    for method in ["PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH"]:
        req = (f"{method} /v2/keys/ro HTTP/1.1\r\nHost: x\r\nContent-Type: "
               f"application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nvalue=1").encode()
        a = strip_date(raw(ours.port, req))
        b = strip_date(raw(theirs.port, req))
        assert a == b, (method, a, b)
        assert a.startswith(b"HTTP/1.1 501 Not Implemented")
    # Nothing was forwarded: the key does not exist.
    assert http("GET", cluster3.members[0].client_url + "/v2/keys/ro")[0] == 404
    # Reads and watches are allowed.
    assert http("GET", ours.url + "/v2/keys/")[0] == 200
    assert http("GET", ours.url + "/metrics")[0] == 200
    assert http("PUT", ours.url + "/metrics", "")[0] == 200


def test_error_bodies_like_etcd_when_no_endpoint(started, tmp_path):
    """503 zero endpoints: byte-identical to etcd 3.4's proxy (apart from Date)."""
    dead = f"dead=http://127.0.0.1:{free_port()}"
    ours = started(Proxy(tmp_path, name="p0", initial_cluster=dead)).wait_listening()
    theirs = started(Proxy(tmp_path, name="e0", binary=ETCD_BIN,
                           initial_cluster=dead)).wait_listening()
    req = b"GET /v2/keys/x HTTP/1.1\r\nHost: x\r\n\r\n"
    a = strip_date(raw(ours.port, req))
    b = strip_date(raw(theirs.port, req))
    assert a == b
    assert b'{"message":"httpproxy: zero endpoints currently available"}' in a
    assert a.startswith(b"HTTP/1.1 503")


def test_kill_member_requests_keep_succeeding(started, tmp_path):
    cluster = started(EtcdCluster(tmp_path, 3).start())
    proxy = started(Proxy(tmp_path, initial_cluster=cluster.initial_cluster,
                          extra=["--proxy-failure-wait", "60000"]))
    proxy.wait_listening().wait_endpoints(3)
    assert http("PUT", proxy.url + "/v2/keys/k", "value=0")[0] in (200, 201)
    # A follower: killing the leader makes etcd itself stall writes until re-election.
    victim = cluster.follower()
    victim.kill9()
    failures = 0
    for i in range(60):
        status, _, body = http("GET", proxy.url + "/v2/keys/k")
        if status != 200:
            failures += 1
        status, _, body = http("PUT", proxy.url + "/v2/keys/k", f"value={i}")
        if status not in (200, 201):
            failures += 1
    assert failures == 0
    # The dead member is held out (and probed in the background).
    wait_until(lambda: victim.client_url not in proxy.endpoints(), timeout=5,
               what="dead member marked unavailable")
    assert proxy.metric('etcdpp_proxy_endpoint_state{endpoint="' + victim.client_url +
                        '",state="failed"}') == 1 or proxy.metric(
        'etcdpp_proxy_endpoint_state{endpoint="' + victim.client_url +
        '",state="probing"}') == 1


def test_failed_endpoint_returns_after_probe(started, tmp_path):
    cluster = started(EtcdCluster(tmp_path, 3).start())
    proxy = started(Proxy(tmp_path, initial_cluster=cluster.initial_cluster,
                          extra=["--proxy-failure-wait", "500"]))
    proxy.wait_listening().wait_endpoints(3)
    victim = cluster.follower()
    victim.stop()
    for _ in range(6):
        assert http("GET", proxy.url + "/v2/keys/")[0] == 200
    wait_until(lambda: victim.client_url not in proxy.endpoints(), timeout=5,
               what="stopped member held out")
    # Still held out while it is down, even though the failure wait is long over.
    time.sleep(1.5)
    assert victim.client_url not in proxy.endpoints()
    victim.start(cluster.initial_cluster)
    wait_until(lambda: victim.client_url in proxy.endpoints(), timeout=15,
               what="member back after a healthy probe")


def test_all_members_down_then_back(started, tmp_path):
    cluster = started(EtcdCluster(tmp_path, 1).start())
    proxy = started(Proxy(tmp_path, initial_cluster=cluster.initial_cluster,
                          extra=["--proxy-failure-wait", "300"]))
    proxy.wait_listening().wait_endpoints(1)
    cluster.members[0].stop()
    status, _, body = http("GET", proxy.url + "/v2/keys/")
    assert status == 502
    assert body == '{"message":"httpproxy: unable to get response from 1 endpoint(s)"}'
    status, _, body = http("GET", proxy.url + "/v2/keys/")
    assert status == 503
    assert body == '{"message":"httpproxy: zero endpoints currently available"}'
    cluster.members[0].start(cluster.initial_cluster)
    wait_until(lambda: http("GET", proxy.url + "/v2/keys/", timeout=2)[0] == 200, timeout=20,
               what="proxy recovers when the member returns")


def test_write_not_replayed_when_response_lost(started, tmp_path):
    """A member that takes a write and never answers: the proxy answers 502 and does not send
    the write to the next member (etcd's proxy would, W6)."""
    import threading

    hits = {"count": 0}
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    hang_port = lsock.getsockname()[1]
    conns = []

    def serve():
        while True:
            try:
                c, _ = lsock.accept()
            except OSError:
                return
            data = c.recv(65536)
            if data.startswith(b"GET /members"):
                body = json.dumps([{"id": 1, "name": "hang", "peerURLs": [
                    f"http://127.0.0.1:{hang_port}"],
                    "clientURLs": [f"http://127.0.0.1:{hang_port}"]}]).encode()
                c.sendall(b"HTTP/1.1 200 OK\r\nX-Etcd-Cluster-Id: 1\r\nContent-Length: " +
                          str(len(body)).encode() + b"\r\n\r\n" + body)
                c.close()
            elif data.startswith(b"GET /version"):
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                c.close()
            else:
                hits["count"] += 1
                conns.append(c)  # never answer, then reset
                time.sleep(0.2)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                c.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        proxy = started(Proxy(tmp_path, initial_cluster=f"hang=http://127.0.0.1:{hang_port}"))
        proxy.wait_listening().wait_endpoints(1)
        status, _, body = http("POST", proxy.url + "/v2/keys/q", "value=1")
        assert status == 502
        assert hits["count"] == 1
    finally:
        lsock.close()


def test_member_added_and_removed(started, tmp_path):
    cluster = started(EtcdCluster(tmp_path, 3).start())
    proxy = started(Proxy(tmp_path, initial_cluster=cluster.initial_cluster,
                          extra=["--proxy-refresh-interval", "500"]))
    proxy.wait_listening().wait_endpoints(3)
    new = cluster.add_member("m3")
    wait_until(lambda: new.client_url in proxy.endpoints(), timeout=15,
               what="added member used by the proxy")
    with open(os.path.join(proxy.data_dir, "proxy", "cluster")) as f:
        assert new.peer_url in json.load(f)["PeerURLs"]
    gone = cluster.members[0]
    cluster.remove_member(gone)
    wait_until(lambda: gone.client_url not in proxy.endpoints() and len(proxy.endpoints()) == 3,
               timeout=15, what="removed member dropped")
    assert http("GET", proxy.url + "/v2/keys/")[0] == 200


def test_restart_with_persisted_list_and_initial_cluster_down(started, tmp_path):
    cluster = started(EtcdCluster(tmp_path, 3).start())
    proxy = Proxy(tmp_path, name="persist", initial_cluster=cluster.initial_cluster)
    proxy.wait_listening().wait_endpoints(3)
    proxy.stop()
    cluster_file = os.path.join(proxy.data_dir, "proxy", "cluster")
    with open(cluster_file) as f:
        text = f.read()
    assert text == json.dumps({"PeerURLs": sorted(m.peer_url for m in cluster.members)},
                              separators=(",", ":"))
    assert oct(os.stat(cluster_file).st_mode & 0o777) == "0o600"
    # Restart with an initial cluster that does not exist: the persisted list is used.
    again = started(Proxy(tmp_path, name="persist2", port=proxy.port, data_dir=proxy.data_dir,
                          initial_cluster=f"nobody=http://127.0.0.1:{free_port()}"))
    again.wait_listening().wait_endpoints(3)
    assert http("GET", again.url + "/v2/keys/")[0] == 200
    assert "from cluster file" in again.process.output()
    # The same peers as the file's: nothing to say about an update (etcd says nothing either).
    assert "updated peer urls" not in again.process.output()


def test_stale_cluster_file_falls_back_to_configured_peers(started, tmp_path):
    """W12: when no peer of the cluster file answers, the configured peers are asked."""
    cluster = started(EtcdCluster(tmp_path, 1).start())
    data_dir = tmp_path / "stale.data"
    (data_dir / "proxy").mkdir(parents=True)
    (data_dir / "proxy" / "cluster").write_text(
        json.dumps({"PeerURLs": [f"http://127.0.0.1:{free_port()}"]}))
    proxy = started(Proxy(tmp_path, name="stale", data_dir=str(data_dir),
                          initial_cluster=cluster.initial_cluster))
    proxy.wait_listening().wait_endpoints(1)


def test_corrupt_cluster_file_refuses_to_start(started, tmp_path):
    data_dir = tmp_path / "corrupt.data"
    (data_dir / "proxy").mkdir(parents=True)
    (data_dir / "proxy" / "cluster").write_text("{garbage")
    proxy = started(Proxy(tmp_path, name="corrupt", data_dir=str(data_dir)))
    proxy.expected_exit = 1
    wait_until(lambda: not proxy.process.alive(), timeout=10, what="exit")
    assert proxy.process.proc.returncode == 1
    assert "cannot parse" in proxy.process.output() and "cluster" in proxy.process.output()


def test_member_data_dir_is_not_a_proxy(started, tmp_path):
    data_dir = tmp_path / "both.data"
    (data_dir / "proxy").mkdir(parents=True)
    (data_dir / "member").mkdir(parents=True)
    proxy = started(Proxy(tmp_path, name="both", data_dir=str(data_dir)))
    proxy.expected_exit = 1
    wait_until(lambda: not proxy.process.alive(), timeout=10, what="exit")
    assert "invalid datadir. Both member and proxy directories exist." in proxy.process.output()


RAW_REQUESTS = [
    b"GET /v2/keys/raw HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v2/keys/nope HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v2/keys/raw?wait=false HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET //v2/keys HTTP/1.1\r\nHost: x\r\n\r\n",
    b"PUT //v2/keys?a=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"PUT /v2/config/local/proxy HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"GET /v2/config/local/proxy HTTP/1.1\r\nHost: x\r\n\r\n",
    b"OPTIONS /v2/keys HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /version HTTP/1.0\r\n\r\n",
    b"GET /v2/machines HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /nonexistent HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET /v2/keys/raw HTTP/1.1\r\nUser-Agent: no-host\r\n\r\n",
    # What Go's server and ServeMux do before any handler: the redirect is decided on the
    # percent-decoded path, its Location escaped as Go escapes it.
    b"GET /v2/keys/a%2F%2Fraw HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v2/keys/%2e%2e/keys/raw HTTP/1.1\r\nHost: x\r\n\r\n",
    b"HEAD /v2//keys/raw? HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v2//keys/\xc3\xbc%20b?x=1&y=\xc3\xbc HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v2//%3F%23%25%22'<> HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v2/keys/a%zz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET * HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET http://h:1/v2/keys/raw HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET http://h:1?a=1 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET http://h:1a/v2/keys/raw HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /v2/keys/raw HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    b"GET /v2/keys/raw HTTP/1.1\r\nHost: a b\r\n\r\n",
    b"GET /v2/keys/raw HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n",
    b"POST /v2/keys/te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"GET /v2/keys/raw HTTP/1.0\n\n",
    b"GET /v2/keys/raw HTTP/1.1\nHost: x\nConnection: close\n\n",
    b"GET /v2/keys/raw HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /v2/keys/raw HTTP/2.0\r\nHost: x\r\n\r\n",
    b"GET /v2/keys/raw HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n",
    b"GET /v2/keys/raw HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n",
]


def test_raw_responses_identical_to_etcd_proxy(started, tmp_path):
    """The same bytes as etcd 3.4's own proxy (Date aside), for forwarded answers, errors,
    redirects, local paths and malformed requests."""
    cluster = started(EtcdCluster(tmp_path, 1).start())
    http("PUT", cluster.members[0].client_url + "/v2/keys/raw", "value=r")
    ours = started(Proxy(tmp_path, name="raw-ours", initial_cluster=cluster.initial_cluster))
    theirs = started(Proxy(tmp_path, name="raw-etcd", binary=ETCD_BIN,
                           initial_cluster=cluster.initial_cluster))
    ours.wait_listening().wait_endpoints(1)
    theirs.wait_listening()
    def canonical(response):
        # Status line, header lines as a set (etcd's proxy repeats its CORS headers: W9,
        # fixed on purpose), body.
        head, _, body = strip_date(response).partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        return lines[0], sorted(set(lines[1:])), body

    for request in RAW_REQUESTS:
        a = canonical(raw_until_close(ours.port, request))
        b = canonical(raw_until_close(theirs.port, request))
        assert a == b, (request, a, b)
