"""Fixtures for process-level tests: real etcd 3.4 members and etcdpp proxies on 127.0.0.1.

Every process a test starts is tracked by PID and stopped by PID at the end. Ports are free
ones below the kernel's ephemeral range, never the same one twice (tools/ports.py). Every wait
loop is bounded in time.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from ports import free_port  # noqa: E402,F401 - re-exported to the test modules

ETCDPP_BIN = os.environ.get("ETCDPP_BIN", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "src", "cmd", "etcdpp"))
ETCDPPCTL_BIN = os.environ.get("ETCDPPCTL_BIN", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "src", "ctl", "etcdppctl"))
ETCD_BIN = shutil.which("etcd") or "/usr/bin/etcd"


def http(method, url, body=None, headers=None, timeout=5):
    """Returns (status, headers dict lower-cased, body text). Never raises for HTTP status."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and "Content-Type" not in (headers or {}):
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


def raw_until_close(port, request):
    """Sends raw request bytes on a new connection (an HTTP/1.1 request asks for the connection
    to close) and returns every byte answered until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
                  if b"HTTP/1.1" in request else request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk


def wait_until(predicate, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - the predicate may fail while starting
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class Process:
    def __init__(self, args, log_path, env=None, cwd=None):
        self.args = args
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, cwd=cwd)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        self.log.close()

    def kill9(self):
        self.stop(signal.SIGKILL)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


def post_member_add(client_url, peer_url):
    """POST /v2/members until accepted: the strict reconfiguration check refuses (500) until
    the members have seen each other for a while. Retried for a bounded time."""
    def added():
        status, _, body = http("POST", client_url + "/v2/members",
                               json.dumps({"peerURLs": [peer_url]}),
                               headers={"Content-Type": "application/json"})
        assert status in (201, 500), body
        return status == 201
    wait_until(added, timeout=20, interval=0.3, what="member add accepted")


class EtcdMember:
    def __init__(self, name, client_port, peer_port, data_dir, log_dir):
        self.name = name
        self.client_port = client_port
        self.peer_port = peer_port
        self.data_dir = data_dir
        self.log_dir = log_dir
        self.process = None
        self.advertise = None

    @property
    def client_url(self):
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self):
        return f"http://127.0.0.1:{self.peer_port}"

    def start(self, initial_cluster, state="new", token="etcdpp-test", advertise=None):
        self.advertise = advertise or self.client_url
        args = [ETCD_BIN, "--enable-v2=true", "--name", self.name, "--data-dir", self.data_dir,
                "--listen-client-urls", self.client_url,
                "--advertise-client-urls", self.advertise,
                "--listen-peer-urls", self.peer_url,
                "--initial-advertise-peer-urls", self.peer_url,
                "--initial-cluster", initial_cluster,
                "--initial-cluster-state", state, "--initial-cluster-token", token,
                "--heartbeat-interval", "50", "--election-timeout", "500"]
        self.process = Process(args, os.path.join(self.log_dir, f"{self.name}.log"))

    def stop(self):
        if self.process:
            self.process.stop()

    def kill9(self):
        if self.process:
            self.process.kill9()


class EtcdCluster:
    def __init__(self, tmp_path, size, prefix="m", advertise=None):
        self.tmp = tmp_path
        self.members = []
        for i in range(size):
            name = f"{prefix}{i}"
            self.members.append(EtcdMember(name, free_port(), free_port(),
                                           str(tmp_path / f"{name}.etcd"), str(tmp_path)))
        self.advertise = advertise or {}

    @property
    def initial_cluster(self):
        return ",".join(f"{m.name}={m.peer_url}" for m in self.members)

    def start(self):
        for m in self.members:
            m.start(self.initial_cluster, advertise=self.advertise.get(m.name))
        for m in self.members:
            wait_until(lambda m=m: http("GET", m.client_url + "/health", timeout=1)[0] == 200,
                       timeout=20, what=f"etcd member {m.name} healthy")
        return self

    def stop(self):
        for m in self.members:
            m.stop()

    def leader(self):
        for m in self.running():
            status, _, body = http("GET", m.client_url + "/v2/stats/self", timeout=2)
            if status == 200 and json.loads(body).get("state") == "StateLeader":
                return m
        return None

    def follower(self):
        leader = wait_until(self.leader, timeout=10, what="a leader")
        return [m for m in self.running() if m is not leader][0]

    def running(self):
        return [m for m in self.members if m.process and m.process.alive()]

    def add_member(self, name):
        """Adds a member through the members API of a running member and starts it."""
        m = EtcdMember(name, free_port(), free_port(), str(self.tmp / f"{name}.etcd"),
                       str(self.tmp))
        post_member_add(self.running()[0].client_url, m.peer_url)
        cluster = ",".join(f"{x.name}={x.peer_url}" for x in self.running() + [m])
        m.start(cluster, state="existing")
        self.members.append(m)
        wait_until(lambda: http("GET", m.client_url + "/health", timeout=1)[0] == 200,
                   timeout=20, what=f"new member {name} healthy")
        return m

    def remove_member(self, member):
        first = [m for m in self.running() if m is not member][0]
        status, _, body = http("GET", first.client_url + "/v2/members")
        ids = [x["id"] for x in json.loads(body)["members"] if x["name"] == member.name]
        status, _, body = http("DELETE", first.client_url + f"/v2/members/{ids[0]}")
        assert status == 204, (status, body)
        member.stop()
        self.members.remove(member)


class FakeMember:
    """A tiny HTTP server standing in for a member: GET /members lists `client_urls_fn()` (the
    proxy's membership refresh); every other request goes to answer(conn, head), which writes
    the response and returns False to close the connection."""

    def __init__(self, client_urls_fn):
        self.client_urls_fn = client_urls_fn
        self.hits = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.open = []
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.open.append(c)
            threading.Thread(target=self.handle, args=(c,), daemon=True).start()

    def handle(self, c):
        data = b""
        try:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = c.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, data = data.partition(b"\r\n\r\n")
                if head.startswith(b"GET /members"):
                    body = json.dumps([{"id": 1, "name": "fake", "peerURLs": [self.url],
                                        "clientURLs": self.client_urls_fn()}]).encode()
                    c.sendall(b"HTTP/1.1 200 OK\r\nX-Etcd-Cluster-Id: 7\r\nContent-Type: "
                              b"application/json\r\nContent-Length: " + str(len(body)).encode() +
                              b"\r\n\r\n" + body)
                    continue
                self.hits += 1
                if not self.answer(c, head):
                    return
        except OSError:
            return

    def answer(self, conn, head):
        raise NotImplementedError

    def close(self):
        self.sock.close()
        for c in self.open:
            c.close()


class Proxy:
    def __init__(self, tmp_path, name="proxy", port=None, extra=None, initial_cluster="",
                 readonly=False, binary=None, data_dir=None, scheme="http"):
        self.port = port or free_port()
        self.scheme = scheme
        self.data_dir = data_dir or str(tmp_path / f"{name}.data")
        self.binary = binary or ETCDPP_BIN
        args = [self.binary, "--proxy", "readonly" if readonly else "on",
                "--data-dir", self.data_dir,
                "--listen-client-urls", self.url]
        if binary is not None and "etcd" == os.path.basename(binary):
            args.append("--enable-v2=true")
        if initial_cluster:
            args += ["--initial-cluster", initial_cluster]
        args += list(extra or [])
        self.process = Process(args, str(tmp_path / f"{name}.log"))
        # etcd's own proxy exits with -SIGTERM status; etcdpp's must exit 0 on SIGTERM.
        self.expected_exit = 0 if binary is None else -signal.SIGTERM

    @property
    def url(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def wait_listening(self, timeout=15):
        def ready():
            assert self.process.alive(), self.process.output()
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        wait_until(ready, timeout=timeout, what=f"proxy on {self.port} listening")
        return self

    def wait_endpoints(self, n, timeout=15):
        def count():
            status, _, body = http("GET", self.url + "/v2/config/local/proxy", timeout=1)
            return status == 200 and len(json.loads(body)["endpoints"]) == n
        wait_until(count, timeout=timeout, what=f"{n} endpoint(s) on proxy {self.port}")
        return self

    def endpoints(self):
        return json.loads(http("GET", self.url + "/v2/config/local/proxy")[2])["endpoints"]

    def metric(self, line_prefix):
        body = http("GET", self.url + "/metrics")[2]
        total = 0.0
        for line in body.splitlines():
            if line.startswith(line_prefix):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def fd_count(self):
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def rss_kb(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        """Stops the proxy with SIGTERM; it must exit 0 without sanitizer reports."""
        self.process.stop()
        check_clean_exit(self.process, self.expected_exit)


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer")


def check_clean_exit(process, expected_exit=0):
    out = process.output()
    for marker in SANITIZER_MARKERS:
        assert marker not in out, f"sanitizer report in {process.log_path}:\n{out[-4000:]}"
    code = process.proc.returncode
    assert code in (expected_exit, None), f"{process.args[0]} exited with {code}:\n{out[-2000:]}"


@pytest.fixture
def started():
    """Collects processes/clusters a test starts and stops them all afterwards."""
    things = []

    def track(thing):
        things.append(thing)
        return thing

    yield track
    errors = []
    for thing in reversed(things):
        try:
            thing.stop()
        except AssertionError as e:  # keep stopping the rest, report at the end
            errors.append(str(e))
        except Exception:  # noqa: BLE001
            pass
    if errors:
        pytest.fail("\n".join(errors))


@pytest.fixture(scope="module")
def cluster3(tmp_path_factory):
    """A 3-member etcd 3.4 cluster shared by a module's non-destructive tests."""
    c = EtcdCluster(tmp_path_factory.mktemp("cluster3"), 3).start()
    yield c
    c.stop()


@pytest.fixture(scope="module")
def shared_proxy(cluster3, tmp_path_factory):
    p = Proxy(tmp_path_factory.mktemp("proxy"), initial_cluster=cluster3.initial_cluster,
              extra=["--proxy-refresh-interval", "1000"])
    p.wait_listening().wait_endpoints(3)
    yield p
    p.stop()


class EtcdppMember:
    """An etcdpp member (member mode) on 127.0.0.1: data in <tmp>/<name>.etcdpp."""

    def __init__(self, tmp_path, name="pp0", extra=None, data_dir=None, https_port=None):
        self.tmp = tmp_path
        # With https_port: an https client listener too, advertised instead of the plain one
        # (which stays, for the health checks of the tests).
        self.https_url = f"https://127.0.0.1:{https_port}" if https_port else None
        self.name = name
        self.client_port = free_port()
        self.peer_port = free_port()
        self.data_dir = data_dir or str(tmp_path / f"{name}.etcdpp")
        self.extra = list(extra or [])
        self.process = None
        self.log_path = str(tmp_path / f"{name}.log")
        self.initial_cluster = None  # default: just this member
        self.state = "new"
        self.discovery = None  # a discovery URL replaces --initial-cluster(-state)

    @property
    def client_url(self):
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self):
        return f"http://127.0.0.1:{self.peer_port}"

    def args(self):
        listen = f"{self.https_url},{self.client_url}" if self.https_url else self.client_url
        return [ETCDPP_BIN, "--name", self.name, "--data-dir", self.data_dir,
                "--listen-client-urls", listen,
                "--advertise-client-urls", self.https_url or self.client_url,
                "--listen-peer-urls", self.peer_url,
                "--initial-advertise-peer-urls", self.peer_url] + (
                    ["--discovery", self.discovery] if self.discovery else
                    ["--initial-cluster", self.initial_cluster or f"{self.name}={self.peer_url}",
                     "--initial-cluster-state", self.state]) + self.extra

    def start(self, wait=True):
        self.process = Process(self.args(), self.log_path)
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout=20):
        def healthy():
            assert self.process.alive(), self.process.output()[-3000:]
            return http("GET", self.client_url + "/health", timeout=1)[0] == 200
        wait_until(healthy, timeout=timeout, what=f"etcdpp member {self.name} healthy")
        return self

    def stop(self, expected_exit=0):
        """SIGTERM; the member must exit cleanly without sanitizer reports."""
        if self.process:
            self.process.stop()
            check_clean_exit(self.process, expected_exit)

    def stats_self(self):
        status, _, body = http("GET", self.client_url + "/v2/stats/self", timeout=2)
        return json.loads(body) if status == 200 else None

    def kill9(self):
        if self.process:
            self.process.kill9()


@pytest.fixture(scope="module")
def etcd1(tmp_path_factory):
    """A single-member etcd 3.4 (the oracle for member-mode behaviour)."""
    c = EtcdCluster(tmp_path_factory.mktemp("etcd1"), 1).start()
    yield c.members[0]
    c.stop()


@pytest.fixture(scope="module")
def etcdpp1(tmp_path_factory):
    """A single etcdpp member shared by a module's tests."""
    m = EtcdppMember(tmp_path_factory.mktemp("etcdpp1")).start()
    yield m
    m.stop()


class EtcdppCluster:
    """An etcdpp cluster on 127.0.0.1 (fast timeouts: heartbeat 50 ms, election 500 ms)."""

    TIMING = ["--heartbeat-interval", "50", "--election-timeout", "500"]

    def __init__(self, tmp_path, size, prefix="pp", extra=None):
        self.tmp = tmp_path
        self.extra = list(extra or [])
        self.members = [EtcdppMember(tmp_path, f"{prefix}{i}", extra=self.TIMING + self.extra)
                        for i in range(size)]
        cluster = self.initial_cluster
        for m in self.members:
            m.initial_cluster = cluster

    @property
    def initial_cluster(self):
        return ",".join(f"{m.name}={m.peer_url}" for m in self.members)

    def start(self):
        try:
            for m in self.members:
                m.start(wait=False)
            for m in self.members:
                m.wait_healthy()
        except BaseException:
            self.stop()  # never leave members running when start-up fails
            raise
        return self

    def stop(self):
        for m in self.members:
            if m.process and m.process.alive():
                m.process.stop()

    def running(self):
        return [m for m in self.members if m.process and m.process.alive()]

    def leader(self):
        for m in self.running():
            stats = m.stats_self()
            if stats and stats.get("state") == "StateLeader":
                return m
        return None

    def wait_leader(self, timeout=15):
        return wait_until(self.leader, timeout=timeout, what="a leader")

    def member_ids(self):
        status, _, body = http("GET", self.running()[0].client_url + "/v2/members")
        return {x["name"]: x["id"] for x in json.loads(body)["members"]}

    def add_member(self, name, extra=None):
        """Adds a member through the members API (retrying while the strict reconfiguration
        check refuses) and starts it with --initial-cluster-state existing."""
        m = EtcdppMember(self.tmp, name, extra=self.TIMING + self.extra + list(extra or []))
        post_member_add(self.running()[0].client_url, m.peer_url)
        m.initial_cluster = ",".join(f"{x.name}={x.peer_url}" for x in self.running() + [m])
        m.state = "existing"
        m.start()
        self.members.append(m)
        return m

    def remove_member(self, member):
        """Removes `member` through another member's members API; it must stop by itself."""
        other = [m for m in self.running() if m is not member][0]
        member_id = self.member_ids()[member.name]
        status, _, body = http("DELETE", other.client_url + f"/v2/members/{member_id}")
        assert status == 204, (status, body)
        wait_until(lambda: not member.process.alive(), timeout=15, what="removed member exits")
        self.members.remove(member)

    def keyspace(self, member, prefix="/"):
        status, _, body = http("GET", member.client_url + f"/v2/keys{prefix}?recursive=true&sorted=true",
                               timeout=5)
        if status == 404:
            return {}
        assert status == 200, body
        out = {}

        def walk(node):
            if node.get("dir"):
                for child in node.get("nodes", []):
                    walk(child)
            else:
                out[node["key"]] = node.get("value")
        walk(json.loads(body)["node"])
        return out

    def wait_converged(self, prefix="/", timeout=30):
        """Every running member holds the same keyspace under `prefix` (plain local reads)."""
        def same():
            spaces = [self.keyspace(m, prefix) for m in self.running()]
            return ("same", spaces[0]) if all(s == spaces[0] for s in spaces) else None
        return wait_until(same, timeout=timeout, interval=0.2, what="members converge")[1]
