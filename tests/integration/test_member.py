"""etcdpp in member mode as a process: watches, durability (restart, kill -9, damaged WAL),
snapshots, clients (python3-etcd, etcdctl v2), proxies in front of it, bad input, defaults."""
import glob
import http.client as httplib
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse

import pytest

from conftest import ETCD_BIN, ETCDPP_BIN, EtcdppMember, Process, Proxy, http, wait_until

ETCDCTL = shutil.which("etcdctl") or "/usr/bin/etcdctl"


def put(url, key, value, **params):
    q = ("?" + urllib.parse.urlencode(params)) if params else ""
    return http("PUT", f"{url}/v2/keys{key}{q}", f"value={urllib.parse.quote(value)}")


def get(url, key, **params):
    q = ("?" + urllib.parse.urlencode(params)) if params else ""
    return http("GET", f"{url}/v2/keys{key}{q}")


class Watch(threading.Thread):
    """A watch request in the background; .result is (status, headers, body)."""

    def __init__(self, url, timeout=10):
        super().__init__(daemon=True)
        self.url = url
        self.timeout = timeout
        self.result = None

    def run(self):
        self.result = http("GET", self.url, timeout=self.timeout)


def watchers(url):
    return json.loads(http("GET", url + "/v2/stats/store")[2])["watchers"]


def wal_files(data_dir):
    return sorted(glob.glob(os.path.join(data_dir, "member", "wal", "*.wal")))


# ---- watches ----------------------------------------------------------------------------------

def test_one_shot_watch_wakes_on_write(etcdpp1):
    url = etcdpp1.client_url
    w = Watch(url + "/v2/keys/live/a?wait=true")
    w.start()
    wait_until(lambda: watchers(url) == 1, what="watcher registered")
    status, _, _ = put(url, "/live/a", "v1")
    assert status == 201
    w.join(10)
    status, headers, body = w.result
    assert status == 200
    event = json.loads(body)
    assert event["action"] == "set" and event["node"]["value"] == "v1"
    assert int(headers["x-etcd-index"]) < event["node"]["modifiedIndex"]
    assert "x-raft-index" in headers and "x-raft-term" in headers
    assert watchers(url) == 0


def test_recursive_stream_delivers_each_event_and_hidden_keys_are_skipped(etcdpp1):
    url = etcdpp1.client_url
    u = urllib.parse.urlsplit(url)
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    s.sendall(b"GET /v2/keys/stream?wait=true&recursive=true&stream=true HTTP/1.1\r\n"
              b"Host: x\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert b"Transfer-Encoding: chunked" in head
    put(url, "/stream/a", "1")
    put(url, "/stream/_hidden", "x")
    put(url, "/stream/b/c", "2")
    http("DELETE", url + "/v2/keys/stream/a")
    data = head.split(b"\r\n\r\n", 1)[1]
    deadline = time.monotonic() + 10
    while data.count(b'"action"') < 3 and time.monotonic() < deadline:
        data += s.recv(4096)
    s.close()
    events = [json.loads(line) for line in data.split(b"\r\n") if line.startswith(b"{")]
    assert [(e["action"], e["node"]["key"]) for e in events] == [
        ("set", "/stream/a"), ("set", "/stream/b/c"), ("delete", "/stream/a")]
    wait_until(lambda: watchers(url) == 0, what="stream watcher dropped after hang-up")


def test_client_hangup_drops_the_watcher(etcdpp1):
    url = etcdpp1.client_url
    u = urllib.parse.urlsplit(url)
    socks = []
    for _ in range(20):
        s = socket.create_connection((u.hostname, u.port), timeout=5)
        s.sendall(b"GET /v2/keys/hang?wait=true HTTP/1.1\r\nHost: x\r\n\r\n")
        socks.append(s)
    wait_until(lambda: watchers(url) == 20, what="20 watchers")
    for s in socks:
        s.close()
    wait_until(lambda: watchers(url) == 0, what="watchers dropped")


def test_ttl_expiry_fires_expire_event(etcdpp1):
    url = etcdpp1.client_url
    status, _, body = put(url, "/ttl/k", "v", ttl=1)
    assert status == 201
    index = json.loads(body)["node"]["modifiedIndex"]
    w = Watch(url + f"/v2/keys/ttl/k?wait=true&waitIndex={index + 1}", timeout=10)
    w.start()
    w.join(10)
    event = json.loads(w.result[2])
    assert event["action"] == "expire" and event["node"]["key"] == "/ttl/k"
    assert "value" not in event["node"] and event["prevNode"]["value"] == "v"
    assert get(url, "/ttl/k")[0] == 404


def test_watch_from_history_outdated_after_1000_events(etcdpp1, etcd1):
    causes = []
    for url in (etcd1.client_url, etcdpp1.client_url):
        first = int(get(url, "/")[1]["x-etcd-index"]) + 1
        for i in range(1010):
            assert put(url, "/hist/k", str(i))[0] in (200, 201)
        status, headers, body = get(url, "/hist/k", wait="true", waitIndex=first)
        assert status == 400, body
        err = json.loads(body)
        assert err["errorCode"] == 401
        assert err["message"] == "The event in requested index is outdated and cleared"
        current = int(headers["x-etcd-index"])
        assert err["index"] == current
        m = re.fullmatch(r"the requested history has been cleared \[(\d+)/(\d+)\]", err["cause"])
        assert m, err["cause"]
        causes.append((int(m.group(1)) - current, int(m.group(2)) - first))
    assert causes[0] == causes[1]


def test_stream_answered_from_history_ends_after_its_event(etcdpp1):
    # etcd answers such a stream with the one event and then keeps the response open for ever
    # without delivering anything more; etcdpp ends the response so the client re-watches.
    url = etcdpp1.client_url
    status, _, body = put(url, "/hs/k", "1")
    index = json.loads(body)["node"]["modifiedIndex"]
    status, _, body = get(url, "/hs/k", wait="true", stream="true", waitIndex=index)
    assert status == 200 and json.loads(body)["node"]["value"] == "1"


# ---- durability ---------------------------------------------------------------------------------

def test_restart_keeps_data_and_indexes(started, tmp_path):
    m = started(EtcdppMember(tmp_path, "restart").start())
    url = m.client_url
    put(url, "/r/a", "1")
    put(url, "/r/b", "2", ttl=1000)
    http("POST", url + "/v2/keys/r/q", "value=x")
    index_before = int(get(url, "/r")[1]["x-etcd-index"])
    listing_before = json.loads(get(url, "/r", recursive="true", sorted="true")[2])["node"]
    member_before = json.loads(http("GET", url + "/v2/members")[2])
    m.stop()
    m.start()
    assert int(get(url, "/r")[1]["x-etcd-index"]) == index_before
    listing_after = json.loads(get(url, "/r", recursive="true", sorted="true")[2])["node"]
    for n in listing_before["nodes"] + listing_after["nodes"]:
        n.pop("ttl", None)
    assert listing_after == listing_before
    assert json.loads(http("GET", url + "/v2/members")[2]) == member_before
    status, _, body = put(url, "/r/c", "3")
    assert json.loads(body)["node"]["modifiedIndex"] == index_before + 1


def test_kill9_during_writes_loses_no_acknowledged_write(started, tmp_path):
    m = started(EtcdppMember(tmp_path, "crash").start())
    url = m.client_url
    acked = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n):
        i = 0
        while not stop.is_set() and i < 5000:
            key = f"/crash/w{n}/{i}"
            try:
                status, _, _ = put(url, key, f"v{i}")
            except Exception:  # noqa: BLE001 - the server was killed
                return
            if status == 201:
                with lock:
                    acked[key] = f"v{i}"
            i += 1

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(8)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acked) >= 300, timeout=30, what="300 acknowledged writes")
    m.kill9()
    stop.set()
    for t in threads:
        t.join(10)
    m.start()
    missing = [k for k, v in acked.items()
               if get(url, k)[0] != 200 or json.loads(get(url, k)[2])["node"]["value"] != v]
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged writes lost: {missing[:5]}"


def test_torn_wal_tail_is_repaired(started, tmp_path):
    m = started(EtcdppMember(tmp_path, "torn").start())
    put(m.client_url, "/t/a", "1")
    m.stop()
    last = wal_files(m.data_dir)[-1]
    with open(last, "ab") as f:
        f.write(b"\x30\x00\x00\x00\x01\x02")  # a record header cut short by a crash
    m.start()
    assert json.loads(get(m.client_url, "/t/a")[2])["node"]["value"] == "1"
    assert "torn tail" in open(m.log_path).read()
    assert put(m.client_url, "/t/b", "2")[0] == 201


def test_damaged_wal_middle_refuses_to_start(started, tmp_path):
    m = started(EtcdppMember(tmp_path, "damaged").start())
    for i in range(20):
        put(m.client_url, f"/d/{i}", "x" * 100)
    m.stop()
    seg = wal_files(m.data_dir)[0]
    with open(seg, "r+b") as f:
        f.seek(200)
        byte = f.read(1)
        f.seek(200)
        f.write(bytes([byte[0] ^ 0xFF]))
    m.process = Process(m.args(), m.log_path)
    code = m.process.proc.wait(timeout=20)
    out = m.process.output()
    assert code == 1, out[-2000:]
    assert os.path.basename(seg) in out and "offset" in out, out[-2000:]
    m.process = None


def test_damaged_identity_refuses_to_start(started, tmp_path):
    m = started(EtcdppMember(tmp_path, "ident").start())
    m.stop()
    path = os.path.join(m.data_dir, "member", "identity")
    with open(path, "r+b") as f:
        f.write(b"X")
    m.process = Process(m.args(), m.log_path)
    code = m.process.proc.wait(timeout=20)
    assert code == 1
    assert "identity" in m.process.output() and "checksum" in m.process.output()
    m.process = None


def test_snapshots_compact_the_wal_and_restore(started, tmp_path):
    m = started(EtcdppMember(tmp_path, "snap", extra=["--snapshot-count", "100",
                                                      "--max-snapshots", "2"]).start())
    url = m.client_url
    for i in range(450):
        assert put(url, f"/s/{i}", str(i))[0] == 201
    wait_until(lambda: len(glob.glob(os.path.join(m.data_dir, "member", "snap", "*.snap"))) >= 1,
               what="a snapshot file")
    m.stop()
    snaps = glob.glob(os.path.join(m.data_dir, "member", "snap", "*.snap"))
    assert 1 <= len(snaps) <= 2, snaps
    m.start()
    body = json.loads(get(url, "/s", recursive="true")[2])
    assert len(body["node"]["nodes"]) == 450
    assert json.loads(get(url, "/s/449")[2])["node"]["value"] == "449"


# ---- clients and proxies ----------------------------------------------------------------------

def test_python_etcd_client(etcdpp1):
    import etcd  # Debian's python3-etcd
    u = urllib.parse.urlsplit(etcdpp1.client_url)
    client = etcd.Client(host=u.hostname, port=u.port, allow_reconnect=False)
    client.write("/pyetcd/a", "1")
    assert client.read("/pyetcd/a").value == "1"
    client.write("/pyetcd/a", "2", prevValue="1")
    with pytest.raises(etcd.EtcdCompareFailed):
        client.write("/pyetcd/a", "3", prevValue="1")
    client.write("/pyetcd/dir", None, dir=True)
    queued = client.write("/pyetcd/queue", "job", append=True)
    assert queued.key.startswith("/pyetcd/queue/")
    assert [c.key for c in client.read("/pyetcd", recursive=True).children]
    client.delete("/pyetcd/a")
    with pytest.raises(etcd.EtcdKeyNotFound):
        client.read("/pyetcd/a")
    assert client.machines == [etcdpp1.client_url]


def etcdctl(endpoint, *args):
    env = dict(os.environ, ETCDCTL_API="2")
    return subprocess.run([ETCDCTL, "--endpoints", endpoint, *args], capture_output=True,
                          text=True, timeout=20, env=env)


def test_etcdctl_v2_against_member(etcdpp1):
    ep = etcdpp1.client_url
    assert etcdctl(ep, "set", "/ctl/a", "hello").stdout == "hello\n"
    assert etcdctl(ep, "get", "/ctl/a").stdout == "hello\n"
    assert etcdctl(ep, "mkdir", "/ctl/d").returncode == 0
    ls = etcdctl(ep, "ls", "/ctl")
    assert sorted(ls.stdout.split()) == ["/ctl/a", "/ctl/d"]
    r = etcdctl(ep, "mk", "/ctl/a", "again")
    assert r.returncode != 0 and "Key already exists" in r.stderr
    assert etcdctl(ep, "update", "/ctl/a", "bye").stdout == "bye\n"
    assert etcdctl(ep, "rm", "/ctl/a").returncode == 0
    members = etcdctl(ep, "member", "list")
    assert members.returncode == 0 and f"clientURLs={ep}" in members.stdout
    assert "isLeader=true" in members.stdout
    health = etcdctl(ep, "cluster-health")
    assert "cluster is healthy" in health.stdout, health.stdout + health.stderr


@pytest.mark.parametrize("which", ["etcdpp", "etcd"])
def test_proxies_in_front_of_member(started, tmp_path, etcdpp1, which):
    binary = None if which == "etcdpp" else ETCD_BIN
    proxy = started(Proxy(tmp_path, name=f"{which}-proxy", binary=binary,
                          initial_cluster=f"{etcdpp1.name}={etcdpp1.peer_url}"))
    proxy.wait_listening()
    wait_until(lambda: http("GET", proxy.url + "/v2/keys/", timeout=2)[0] == 200,
               what="proxy forwarding")
    assert put(proxy.url, f"/via/{which}", "1")[0] == 201
    assert json.loads(get(etcdpp1.client_url, f"/via/{which}")[2])["node"]["value"] == "1"
    w = Watch(proxy.url + f"/v2/keys/via/{which}?wait=true")
    w.start()
    wait_until(lambda: watchers(etcdpp1.client_url) >= 1, what="watch through the proxy")
    put(etcdpp1.client_url, f"/via/{which}", "2")
    w.join(10)
    assert json.loads(w.result[2])["node"]["value"] == "2"
    status, _, body = http("GET", proxy.url + "/v2/members")
    assert status == 200 and json.loads(body)["members"][0]["name"] == etcdpp1.name


# ---- bad input ----------------------------------------------------------------------------------

def read_until_closed(sock):
    """Everything the server sends until it closes the connection (then closes ours)."""
    reply = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    except ConnectionResetError:
        pass
    sock.close()
    return reply


def test_oversized_and_malformed_requests_get_errors_and_the_server_keeps_serving(etcdpp1):
    url = etcdpp1.client_url
    u = urllib.parse.urlsplit(url)
    # A body over Go's 10 MiB form limit: etcd's 400/210 answer, even while the client is
    # still sending (the server answers, then discards the rest before closing).
    body = b"value=" + b"x" * (10 << 20)
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    s.sendall(b"PUT /v2/keys/big HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
    try:
        s.sendall(body)
    except (BrokenPipeError, ConnectionResetError):
        pass
    reply = read_until_closed(s)
    assert reply.startswith(b"HTTP/1.1 400 Bad Request"), reply[:200]
    err = json.loads(reply.split(b"\r\n\r\n", 1)[1])
    assert err["errorCode"] == 210 and err["cause"] == "http: POST too large"
    s = socket.create_connection((u.hostname, u.port), timeout=5)
    s.sendall(b"GET /v2/keys/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * (2 << 20) + b"\r\n\r\n")
    reply = read_until_closed(s)
    assert reply.startswith(b"HTTP/1.1 431 "), reply[:100]
    s = socket.create_connection((u.hostname, u.port), timeout=5)
    s.sendall(b"GARBAGE\r\n\r\n")
    assert s.recv(4096).startswith(b"HTTP/1.1 400 Bad Request")
    s.close()
    assert put(url, "/still/ok", "1")[0] == 201


class _SameFile:
    """Lets http.client read consecutive responses from one buffered socket file (which it
    would otherwise close after each response)."""

    def __init__(self, f):
        self.f = f

    def makefile(self, *args, **kwargs):
        return self

    def close(self):
        pass

    def __getattr__(self, name):
        return getattr(self.f, name)


def test_pipelined_reads_and_writes_are_answered_in_order(etcdpp1):
    # Reads are answered at once and writes and watches after waiting: on one connection, with
    # all requests sent before any answer is read, the answers still come in request order and
    # each read sees the writes before it.
    url = etcdpp1.client_url
    u = urllib.parse.urlsplit(url)
    _, headers, _ = http("GET", url + "/v2/keys/")
    index = int(headers["x-etcd-index"])
    host = b"Host: x\r\n"
    form = b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n"
    requests = [
        ("GET", b"GET /v2/keys/pipe/a HTTP/1.1\r\n" + host + b"\r\n"),
        ("PUT", b"PUT /v2/keys/pipe/a HTTP/1.1\r\n" + host + form + b"\r\nvalue=1"),
        ("GET", b"GET /v2/keys/pipe/a HTTP/1.1\r\n" + host + b"\r\n"),
        ("OPTIONS", b"OPTIONS /v2/keys/pipe/a HTTP/1.1\r\n" + host + b"\r\n"),
        ("GET", b"GET /v2/keys/pipe/a?wait=true&waitIndex=%d HTTP/1.1\r\n" % (index + 1)
         + host + b"\r\n"),
        ("PUT", b"PUT /v2/keys/pipe/a HTTP/1.1\r\n" + host + form + b"\r\nvalue=2"),
        ("HEAD", b"HEAD /v2/keys/pipe/a HTTP/1.1\r\n" + host + b"\r\n"),
        ("GET", b"GET /v2/keys/pipe/a HTTP/1.0\r\n\r\n"),
    ]
    s = socket.create_connection((u.hostname, u.port), timeout=10)
    s.sendall(b"".join(r for _, r in requests))
    f = s.makefile("rb")
    answers = []
    for method, _ in requests:
        resp = httplib.HTTPResponse(_SameFile(f), method=method)
        resp.begin()
        answers.append((resp.status, resp.read(), resp))
    assert f.read() == b""  # the HTTP/1.0 request closed the connection
    s.close()
    statuses = [a[0] for a in answers]
    assert statuses == [404, 201, 200, 200, 200, 200, 200, 200], statuses
    assert json.loads(answers[0][1])["errorCode"] == 100
    assert json.loads(answers[2][1])["node"]["value"] == "1"
    assert answers[3][1] == b"" and answers[3][2].getheader("Access-Control-Allow-Origin") == "*"
    event = json.loads(answers[4][1])
    assert event["action"] == "set" and event["node"]["modifiedIndex"] == index + 1
    assert json.loads(answers[5][1])["prevNode"]["value"] == "1"
    assert answers[6][1] == b"" and answers[6][2].getheader("X-Etcd-Index") == str(index + 2)
    assert json.loads(answers[7][1])["node"]["value"] == "2"
    assert answers[7][2].version == 10


# ---- defaults -------------------------------------------------------------------------------

def ports_free(*ports):
    for p in ports:
        with socket.socket() as s:
            # Like the server (SO_REUSEADDR): connections in TIME_WAIT do not count.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
    return True


def test_no_flags_starts_a_default_member_like_etcd(tmp_path):
    if not ports_free(2379, 2380):
        pytest.skip("127.0.0.1:2379/2380 are in use on this machine")
    p = Process([ETCDPP_BIN], str(tmp_path / "default.log"), cwd=str(tmp_path))
    try:
        wait_until(lambda: http("GET", "http://127.0.0.1:2379/health", timeout=1)[0] == 200,
                   timeout=20, what="default member")
        assert os.path.isdir(tmp_path / "default.etcd" / "member")
        members = json.loads(http("GET", "http://127.0.0.1:2379/v2/members")[2])["members"]
        # etcd's ids for its defaults (member from http://localhost:2380 + "etcd-cluster").
        assert members == [{"id": "8e9e05c52164694d", "name": "default",
                            "peerURLs": ["http://localhost:2380"],
                            "clientURLs": ["http://localhost:2379"]}]
        assert http("GET", "http://127.0.0.1:2379/v2/keys/")[1]["x-etcd-cluster-id"] == \
            "cdf818194e3a8c32"
    finally:
        p.stop()
    assert p.proc.returncode == 0


def test_member_flag_errors_like_etcd(tmp_path):
    cases = [
        (["--listen-client-urls", "http://127.0.0.1:1"], 1,
         "--advertise-client-urls is required when --listen-client-urls is set explicitly"),
        (["--name", "x", "--initial-cluster", "y=http://127.0.0.1:2"], 1,
         'couldn\'t find local name "x" in the initial cluster configuration'),
        # Joining needs the running cluster's members in --initial-cluster (etcd also exits 1,
        # with "cannot fetch cluster info from peer urls").
        (["--initial-cluster-state", "existing"], 1, "needs the running cluster's members"),
        (["--heartbeat-interval", "300"], 1,
         "--election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[300ms]"),
        (["--snapshot-count", "0"], 1, "--snapshot-count must be greater than 0"),
    ]
    for args, code, message in cases:
        r = subprocess.run([ETCDPP_BIN] + args, capture_output=True, text=True, timeout=20,
                           cwd=tmp_path)
        assert r.returncode == code, (args, r.stdout, r.stderr)
        assert message in r.stdout + r.stderr, (args, r.stdout, r.stderr)


def test_unsafe_no_fsync_member_keeps_writes_over_a_process_crash(tmp_path):
    """--unsafe-no-fsync (test clusters): writes are acknowledged without fdatasync, yet a
    kill -9 of the process loses none of them (they are in the page cache)."""
    m = EtcdppMember(tmp_path, "nofsync", extra=["--unsafe-no-fsync"]).start()
    try:
        assert "--unsafe-no-fsync" in m.process.output()
        for i in range(50):
            assert http("PUT", m.client_url + f"/v2/keys/n{i}", f"value={i}")[0] == 201
        m.kill9()
        m.extra.remove("--unsafe-no-fsync")
        m.start()
        assert json.loads(http("GET", m.client_url + "/v2/keys/n49")[2])["node"]["value"] == "49"
    finally:
        m.stop()
