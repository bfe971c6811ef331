"""Read coalescing in the proxy: identical GETs that arrive together share one request to the
member. Every client still gets exactly the member's answer in its own framing, a write that
completed before a read started is always seen by that read, and large answers are not shared."""
import json
import socket
import threading
import time
from http.client import HTTPConnection

import pytest

from conftest import EtcdppMember, FakeMember, Proxy, http, wait_until

COALESCED = "etcdpp_proxy_coalesced_requests_total"


@pytest.fixture
def member_and_proxy(started, tmp_path):
    def make(extra=None):
        m = started(EtcdppMember(tmp_path, "m").start())
        p = started(Proxy(tmp_path, initial_cluster=f"m={m.peer_url}", extra=extra))
        p.wait_listening().wait_endpoints(1)
        return m, p
    return make


def read_response(sock):
    """Reads one Content-Length framed response: (status line, {header: value}, body,
    closed after it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before the header: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the body"
        rest += chunk
    body, extra = rest[:length], rest[length:]
    assert extra == b""
    closed = False
    if headers.get("connection", "").lower() == "close" or lines[0].startswith("HTTP/1.0"):
        sock.settimeout(5)
        closed = sock.recv(1) == b""
    return lines[0], headers, body, closed


def burst(port, path, count, rounds, stop):
    """Sends `count` identical GETs at once on separate connections, `rounds` times or until
    stop() is true; every fourth client speaks HTTP/1.0, every fourth (offset 2) asks for
    Connection: close. Returns every response."""
    kinds = ["keep", "http10", "close", "keep"]
    socks = [None] * count
    responses = []
    for _ in range(rounds):
        for i in range(count):
            if socks[i] is None:
                socks[i] = socket.create_connection(("127.0.0.1", port), timeout=10)
        wires = []
        for i in range(count):
            kind = kinds[i % 4]
            version = "HTTP/1.0" if kind == "http10" else "HTTP/1.1"
            extra = "Connection: close\r\n" if kind == "close" else ""
            wires.append(f"GET {path} {version}\r\nHost: coalesce\r\n{extra}\r\n".encode())
        for i in range(count):
            socks[i].sendall(wires[i])
        for i in range(count):
            status, headers, body, closed = read_response(socks[i])
            responses.append((kinds[i % 4], status, headers, body, closed))
            if kinds[i % 4] != "keep":
                socks[i].close()
                socks[i] = None
        if stop():
            break
    for s in socks:
        if s is not None:
            s.close()
    return responses


def test_identical_gets_share_one_answer_in_each_clients_framing(member_and_proxy):
    m, p = member_and_proxy()
    assert http("PUT", m.client_url + "/v2/keys/hot", "value=shared")[0] == 201
    direct_status, direct_headers, direct_body = http("GET", m.client_url + "/v2/keys/hot")
    assert direct_status == 200
    responses = burst(p.port, "/v2/keys/hot", 40, 50, lambda: p.metric(COALESCED) >= 20)
    assert p.metric(COALESCED) >= 20, "identical concurrent GETs were never coalesced"
    for kind, status, headers, body, closed in responses:
        want_version = "HTTP/1.0" if kind == "http10" else "HTTP/1.1"
        assert status == f"{want_version} 200 OK", (kind, status)
        assert body.decode() == direct_body
        for name in ("content-type", "x-etcd-index", "x-etcd-cluster-id", "x-raft-index",
                     "x-raft-term"):
            assert headers[name] == direct_headers[name], (kind, name)
        assert ("connection" in headers) == (kind == "close"), (kind, headers)
        assert closed == (kind != "keep"), (kind, closed)
    # The member's counters: fewer GETs reached it than clients sent.
    got = json.loads(http("GET", m.client_url + "/v2/stats/store")[2])["getsSuccess"]
    assert got < len(responses)


def test_disabled_coalescing_forwards_every_read(member_and_proxy):
    m, p = member_and_proxy(["--proxy-coalesce-reads=false"])
    assert http("PUT", m.client_url + "/v2/keys/hot", "value=1")[0] == 201
    responses = burst(p.port, "/v2/keys/hot", 40, 10, lambda: False)
    assert all(status.endswith(" 200 OK") for _, status, _, _, _ in responses)
    assert p.metric(COALESCED) == 0


def test_read_after_acknowledged_write_sees_it_under_a_read_storm(member_and_proxy):
    """Readers hammer one key through the proxy while a writer updates it. A GET started after
    a PUT was acknowledged must see that PUT (or a later one): a read may share only an answer
    the member produced after the read arrived. Each reader also never sees time go back."""
    m, p = member_and_proxy()
    assert http("PUT", p.url + "/v2/keys/storm", "value=0")[0] == 201
    stop = threading.Event()
    problems = []

    def reader():
        conn = HTTPConnection("127.0.0.1", p.port, timeout=10)
        last = 0
        deadline = time.monotonic() + 60
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                conn.request("GET", "/v2/keys/storm", headers={"Host": "storm"})
                value = int(json.loads(conn.getresponse().read())["node"]["value"])
                if value < last:
                    problems.append(f"a reader saw {value} after {last}")
                last = value
        except Exception as e:  # noqa: BLE001 (reported below)
            problems.append(f"a reader failed: {e!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=reader) for _ in range(12)]
    for t in threads:
        t.start()
    try:
        checker = HTTPConnection("127.0.0.1", p.port, timeout=10)
        for i in range(1, 151):
            assert http("PUT", p.url + "/v2/keys/storm", f"value={i}")[0] == 200
            checker.request("GET", "/v2/keys/storm", headers={"Host": "storm"})
            seen = int(json.loads(checker.getresponse().read())["node"]["value"])
            if seen < i:
                problems.append(f"a read after the write of {i} saw {seen}")
        checker.close()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not problems, problems[:10]
    assert p.metric(COALESCED) > 0, "the storm was never coalesced: the test proves nothing"


class SlowCounterMember(FakeMember):
    """A fake member whose GETs read a counter when they arrive and answer 300 ms later: a
    read in flight is then easy to overtake with a write (an increment here)."""

    def __init__(self):
        self.value = 0
        super().__init__(lambda: [self.url])

    def answer(self, conn, head):
        seen = self.value
        time.sleep(0.3)
        body = json.dumps({"action": "get", "node": {"key": "/x", "value": str(seen)}})
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     f"X-Etcd-Cluster-Id: 7\r\nContent-Length: {len(body)}\r\n\r\n"
                     f"{body}".encode())
        return True


def test_read_never_joins_a_request_already_sent(started, tmp_path):
    """A GET in flight to the member was sent before a write; identical GETs that arrive after
    the write must not take its answer. They may share among themselves."""
    fake = SlowCounterMember()
    try:
        p = started(Proxy(tmp_path, initial_cluster=f"slow={fake.url}"))
        p.wait_listening().wait_endpoints(1)
        wire = b"GET /v2/keys/x HTTP/1.1\r\nHost: x\r\n\r\n"

        def value_of(sock):
            status, _, body, _ = read_response(sock)
            assert status == "HTTP/1.1 200 OK"
            return int(json.loads(body)["node"]["value"])

        for round_ in range(1, 11):
            # Two reads in flight: the second one leaves while the first is in the air, so it
            # is a flight others could (wrongly) join after it left.
            early = [socket.create_connection(("127.0.0.1", p.port), timeout=10)
                     for _ in range(2)]
            late = [socket.create_connection(("127.0.0.1", p.port), timeout=10)
                    for _ in range(6)]
            for s in early:
                gets_before = fake.hits
                s.sendall(wire)
                wait_until(lambda: fake.hits == gets_before + 1, timeout=5,
                           what="an early GET at the member")
            fake.value = round_  # a write, acknowledged before the late reads start
            for s in late:
                s.sendall(wire)
            assert [value_of(s) for s in early] == [round_ - 1] * 2
            assert [value_of(s) for s in late] == [round_] * 6
            for s in early + late:
                s.close()
            if p.metric(COALESCED) >= 1:
                break
        # The late reads arrived together while the key was in flight: some boarded one flight.
        assert p.metric(COALESCED) >= 1
        # Flights with followers still in the air when the proxy stops: it exits cleanly (the
        # fixture checks the exit status and sanitizer reports).
        pending = [socket.create_connection(("127.0.0.1", p.port), timeout=10)
                   for _ in range(5)]
        gets_before = fake.hits
        for s in pending:
            s.sendall(wire)
        wait_until(lambda: fake.hits > gets_before, timeout=5, what="GETs in flight")
        p.stop()
        for s in pending:
            s.close()
    finally:
        fake.close()


def test_large_answers_are_not_shared(member_and_proxy):
    """An answer too large to hold whole is streamed to its own client; the identical requests
    that waited for it forward their own and still get the whole value."""
    m, p = member_and_proxy()
    value = "v" * (100 * 1024)
    assert http("PUT", m.client_url + "/v2/keys/big", "value=" + value)[0] == 201
    got = []
    lock = threading.Lock()

    def client():
        conn = HTTPConnection("127.0.0.1", p.port, timeout=20)
        for _ in range(10):
            conn.request("GET", "/v2/keys/big", headers={"Host": "big"})
            res = conn.getresponse()
            body = res.read()
            with lock:
                got.append((res.status, json.loads(body)["node"]["value"] == value))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(got) == 80 and all(g == (200, True) for g in got), got[:5]
    assert p.metric(COALESCED) == 0
