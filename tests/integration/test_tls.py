"""TLS: etcdpp's proxy in front of an etcd 3.4 cluster that speaks only https (client and peer
URLs, client certificates required), the proxy's own https listener, an etcdpp member serving
https clients, etcdppctl's --ca-file/--cert-file/--key-file side by side with etcdctl, and the
start-up errors. Certificates come from the openssl command (tls_certs.py)."""
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import (ETCD_BIN, ETCDPP_BIN, ETCDPPCTL_BIN, EtcdppMember, Process, Proxy,
                      check_clean_exit, free_port, http, raw_until_close, wait_until)
from tls_certs import Certs


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return Certs(str(tmp_path_factory.mktemp("certs")))


def tls_context(certs, ca=None, client=True):
    ctx = ssl.create_default_context(cafile=ca or certs.ca)
    if client:
        ctx.load_cert_chain(certs.client_cert, certs.client_key)
    return ctx


def https(method, url, ctx, body=None, timeout=5):
    """(status, headers, body) of one request over TLS; never raises for an HTTP status."""
    data = body.encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


class TlsEtcd:
    """One etcd 3.4 member that speaks only https, client and peer, and requires client
    certificates on both."""

    def __init__(self, tmp_path, certs, name="t0"):
        self.client_port, self.peer_port = free_port(), free_port()
        self.client_url = f"https://127.0.0.1:{self.client_port}"
        self.peer_url = f"https://127.0.0.1:{self.peer_port}"
        c = certs
        args = [ETCD_BIN, "--enable-v2=true", "--name", name,
                "--data-dir", str(tmp_path / f"{name}.etcd"),
                "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
                "--listen-peer-urls", self.peer_url,
                "--initial-advertise-peer-urls", self.peer_url,
                "--initial-cluster", f"{name}={self.peer_url}",
                "--cert-file", c.server_cert, "--key-file", c.server_key,
                "--trusted-ca-file", c.ca, "--client-cert-auth",
                "--peer-cert-file", c.server_cert, "--peer-key-file", c.server_key,
                "--peer-trusted-ca-file", c.ca, "--peer-client-cert-auth",
                "--heartbeat-interval", "50", "--election-timeout", "500"]
        self.process = Process(args, str(tmp_path / f"{name}.log"))
        ctx = tls_context(certs)

        def healthy():
            assert self.process.alive(), self.process.output()[-2000:]
            try:
                return https("GET", self.client_url + "/health", ctx, timeout=1)[0] == 200
            except OSError:
                return False
        wait_until(healthy, timeout=20, what="TLS etcd member healthy")

    def stop(self):
        self.process.stop()


@pytest.fixture(scope="module")
def tls_etcd(tmp_path_factory, certs):
    member = TlsEtcd(tmp_path_factory.mktemp("tls-etcd"), certs)
    yield member
    member.stop()


def client_flags(certs):
    return ["--cert-file", certs.server_cert, "--key-file", certs.server_key,
            "--trusted-ca-file", certs.ca]


def peer_flags(certs):
    return ["--peer-cert-file", certs.server_cert, "--peer-key-file", certs.server_key,
            "--peer-trusted-ca-file", certs.ca]


def test_proxy_forwards_to_an_https_only_cluster(tmp_path, started, certs, tls_etcd):
    proxy = started(Proxy(tmp_path, initial_cluster=f"t0={tls_etcd.peer_url}",
                          extra=client_flags(certs) + peer_flags(certs)))
    proxy.wait_listening().wait_endpoints(1)
    assert proxy.endpoints() == [tls_etcd.client_url]
    direct = tls_context(certs)
    status, headers, body = http("PUT", proxy.url + "/v2/keys/tls/a", "value=through")
    assert status == 201, body
    index = json.loads(body)["node"]["modifiedIndex"]
    # The member has it, and the proxy's read gives the member's own answer.
    s_direct, _, b_direct = https("GET", tls_etcd.client_url + "/v2/keys/tls/a", direct)
    s_proxy, h_proxy, b_proxy = http("GET", proxy.url + "/v2/keys/tls/a")
    assert (s_proxy, b_proxy) == (s_direct, b_direct) == (200, b_proxy)
    assert json.loads(b_proxy)["node"]["value"] == "through"
    assert h_proxy["x-etcd-index"]
    # A watch through the proxy wakes on a write made directly on the member.
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as s:
        s.sendall(f"GET /v2/keys/tls/a?wait=true&waitIndex={index + 1} HTTP/1.1\r\n"
                  f"Host: x\r\n\r\n".encode())
        status, _, _ = https("PUT", tls_etcd.client_url + "/v2/keys/tls/a", direct, "value=woken")
        assert status == 200
        data = b""
        while b"woken" not in data:
            chunk = s.recv(65536)
            assert chunk, data
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK")


def test_proxy_uses_the_peer_certificate_when_it_has_no_client_one(tmp_path, started, certs,
                                                                   tls_etcd):
    # As etcd's proxy: without --cert-file/--key-file, the --peer-* files serve both sides.
    proxy = started(Proxy(tmp_path, initial_cluster=f"t0={tls_etcd.peer_url}",
                          extra=peer_flags(certs)))
    proxy.wait_listening().wait_endpoints(1)
    status, _, body = http("GET", proxy.url + "/version")
    assert status == 200 and "etcdserver" in body


def test_proxy_refuses_members_its_ca_does_not_vouch_for(tmp_path, started, certs, tls_etcd):
    flags = ["--peer-cert-file", certs.server_cert, "--peer-key-file", certs.server_key,
             "--peer-trusted-ca-file", certs.other_ca]
    proxy = started(Proxy(tmp_path, initial_cluster=f"t0={tls_etcd.peer_url}", extra=flags))
    proxy.wait_listening()
    assert proxy.endpoints() == []
    status, _, body = http("GET", proxy.url + "/v2/keys/tls")
    assert status == 503, body
    assert "x509: certificate signed by unknown authority" in proxy.process.output()


def start_https_proxy(tmp_path, started, certs, tls_etcd):
    """An etcdpp proxy on an https listener in front of the TLS member, forwarding."""
    proxy = started(Proxy(tmp_path, scheme="https", initial_cluster=f"t0={tls_etcd.peer_url}",
                          extra=client_flags(certs) + peer_flags(certs)))
    proxy.wait_listening()
    ctx = tls_context(certs)
    wait_until(lambda: https("GET", proxy.url + "/v2/keys/", ctx)[0] == 200, timeout=15,
               what="https proxy forwarding")
    return proxy


def test_proxy_https_listener(tmp_path, started, certs, tls_etcd):
    proxy = start_https_proxy(tmp_path, started, certs, tls_etcd)
    url, port = proxy.url, proxy.port
    ok = tls_context(certs)
    status, _, body = https("PUT", url + "/v2/keys/tls/listener", ok, "value=1")
    assert status in (200, 201), body
    # A trusted CA file requires client certificates (as etcd 3.4): none, no answer.
    with pytest.raises((ssl.SSLError, ConnectionError, urllib.error.URLError)):
        https("GET", url + "/v2/keys/", tls_context(certs, client=False), timeout=3)
    # A client that does not trust the proxy's certificate gets no answer either.
    with pytest.raises(urllib.error.URLError):
        https("GET", url + "/v2/keys/", tls_context(certs, ca=certs.other_ca), timeout=3)
    # Plain HTTP on the TLS port: closed without an answer (as etcd: its TLS listener
    # handshakes before the HTTP server sees the connection).
    assert raw_until_close(port, b"GET /v2/keys/ HTTP/1.1\r\nHost: x\r\n\r\n") == b""
    # The proxy serves on after all that.
    assert https("GET", url + "/v2/keys/tls/listener", ok)[0] == 200
    assert "rejected connection from" in proxy.process.output()


def open_watchers(url, ctx):
    body = https("GET", url + "/metrics", ctx)[2]
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
               if line.startswith("etcdpp_proxy_open_watchers"))


@pytest.mark.parametrize("close_notify", [False, True])
def test_tls_watcher_that_hangs_up_is_released(tmp_path, started, certs, tls_etcd, close_notify):
    proxy = start_https_proxy(tmp_path, started, certs, tls_etcd)
    url = proxy.url
    ctx = tls_context(certs)
    raw = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    conn = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    conn.sendall(b"GET /v2/keys/tls/hang?wait=true HTTP/1.1\r\nHost: x\r\n\r\n")
    wait_until(lambda: open_watchers(url, ctx) == 1, timeout=10, what="one watcher open")
    # The client goes: with a close_notify alert first (the bytes the proxy cannot read
    # without decrypting), or with just its TCP end.
    if close_notify:
        conn.settimeout(0.5)
        try:
            conn.unwrap()  # sends close_notify, then waits for one the proxy does not send
        except (ssl.SSLError, OSError):
            pass
    conn.close()
    wait_until(lambda: open_watchers(url, ctx) == 0, timeout=10,
               what="the watcher released after the client left")


def test_plain_http_on_the_tls_port_as_etcds_proxy(tmp_path, started, certs, tls_etcd):
    answers = []
    for binary in (ETCDPP_BIN, ETCD_BIN):
        port = free_port()
        name = "etcdpp" if binary == ETCDPP_BIN else "etcd"
        p = started(Proxy(tmp_path, name=f"{name}-proxy", port=port, scheme="https",
                          binary=None if binary == ETCDPP_BIN else binary,
                          initial_cluster=f"t0={tls_etcd.peer_url}",
                          extra=client_flags(certs) + peer_flags(certs)))
        p.wait_listening()
        answers.append(raw_until_close(
            port, b"PUT /v2/keys/x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"))
    assert answers[0] == answers[1]


@pytest.fixture
def https_member(tmp_path, started, certs):
    m = EtcdppMember(tmp_path, name="tlsm", https_port=free_port(),
                     extra=["--cert-file", certs.server_cert, "--key-file", certs.server_key])
    return started(m.start())


def test_member_serves_https_clients(https_member, certs, tmp_path):
    ctx = tls_context(certs, client=False)
    url = https_member.https_url
    status, headers, body = https("PUT", url + "/v2/keys/s/k", ctx, "value=v1")
    assert status == 201, body
    assert headers["x-etcd-cluster-id"]
    # The same keyspace on the plain listener.
    assert json.loads(http("GET", https_member.client_url + "/v2/keys/s/k")[2])["node"][
        "value"] == "v1"
    # The member publishes its https URL, and etcdctl 3.4 reaches it with --ca-file.
    env = dict(os.environ, ETCDCTL_API="2")
    ctl = ["etcdctl", "--endpoints", url, "--ca-file", certs.ca]
    out = subprocess.run(ctl + ["get", "/s/k"], env=env, capture_output=True, text=True,
                         timeout=20)
    assert (out.returncode, out.stdout) == (0, "v1\n"), out.stderr
    out = subprocess.run(ctl + ["cluster-health"], env=env, capture_output=True, text=True,
                         timeout=20)
    assert out.returncode == 0, out.stderr
    assert f"got healthy result from {url}" in out.stdout
    # A watch over TLS wakes on a write.
    watch = subprocess.Popen(ctl + ["watch", "/s/k"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        def woken():
            https("PUT", url + "/v2/keys/s/k", ctx, "value=woken")
            return watch.poll() is not None
        wait_until(woken, timeout=15, interval=0.5, what="etcdctl watch over TLS woken")
        assert watch.stdout.read() == "woken\n"
    finally:
        if watch.poll() is None:
            watch.kill()
        watch.wait(timeout=10)


def test_etcd_proxy_and_etcdpp_proxy_in_front_of_an_https_member(https_member, certs, tmp_path,
                                                                 started):
    for binary in (None, ETCD_BIN):
        name = "pp" if binary is None else "etcdp"
        p = started(Proxy(tmp_path, name=f"{name}-front", binary=binary,
                          initial_cluster=f"tlsm={https_member.peer_url}",
                          extra=client_flags(certs)))
        p.wait_listening()
        wait_until(lambda: http("GET", p.url + "/v2/keys/")[0] == 200, timeout=15,
                   what=f"{name} proxy forwarding to the https member")
        status, _, body = http("PUT", p.url + f"/v2/keys/front/{name}", "value=x")
        assert status == 201, body
        assert https("GET", https_member.https_url + f"/v2/keys/front/{name}",
                     tls_context(certs, client=False))[0] == 200


CTL_CASES = {
    "good": lambda c: ["--ca-file", c.ca, "--cert-file", c.client_cert, "--key-file",
                       c.client_key, "get", "/ctl/k"],
    "unknown_authority": lambda c: ["--ca-file", c.other_ca, "--cert-file", c.client_cert,
                                    "--key-file", c.client_key, "get", "/ctl/k"],
    "no_client_certificate": lambda c: ["--ca-file", c.ca, "get", "/ctl/k"],
    "missing_ca_file": lambda c: ["--ca-file", "/nonexistent/ca.pem", "get", "/ctl/k"],
    "health": lambda c: ["--ca-file", c.ca, "--cert-file", c.client_cert, "--key-file",
                         c.client_key, "cluster-health"],
    "health_unknown_authority": lambda c: ["--ca-file", c.other_ca, "cluster-health"],
    "set_from_env": None,  # the files from $ETCDCTL_CA_FILE etc.
}


@pytest.mark.parametrize("case", sorted(CTL_CASES))
def test_etcdppctl_tls_matches_etcdctl(case, certs, tls_etcd):
    env = dict(os.environ, ETCDCTL_API="2")
    if CTL_CASES[case] is None:
        env.update(ETCDCTL_CA_FILE=certs.ca, ETCDCTL_CERT_FILE=certs.client_cert,
                   ETCDCTL_KEY_FILE=certs.client_key)
        args = ["set", "/ctl/k", "from-env"]
    else:
        args = CTL_CASES[case](certs)
    env_setup = dict(os.environ, ETCDCTL_API="2")
    subprocess.run(["etcdctl", "--endpoints", tls_etcd.client_url] + CTL_CASES["good"](certs)[:6]
                   + ["set", "/ctl/k", "v"], env=env_setup, capture_output=True, timeout=20,
                   check=True)
    results = []
    for tool in ("etcdctl", ETCDPPCTL_BIN):
        out = subprocess.run([tool, "--endpoints", tls_etcd.client_url] + args, env=env,
                             capture_output=True, text=True, timeout=20)
        results.append((out.returncode, out.stdout, out.stderr))
    assert results[0] == results[1]


def run_etcdpp(args, tmp_path, timeout=20):
    return subprocess.run([ETCDPP_BIN] + args, capture_output=True, text=True, timeout=timeout,
                          cwd=str(tmp_path))


def test_member_https_without_certificate_is_refused(tmp_path):
    url = f"https://127.0.0.1:{free_port()}"
    out = run_etcdpp(["--listen-client-urls", url, "--advertise-client-urls", url], tmp_path)
    assert out.returncode == 1
    assert (f"TLS key/cert (--cert-file, --key-file) must be provided for client url {url} "
            "with HTTPS scheme") in out.stderr


def test_member_https_peer_url_without_certificate_is_refused(tmp_path):
    peer = f"https://127.0.0.1:{free_port()}"
    out = run_etcdpp(["--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                      "--initial-cluster", f"default={peer}"], tmp_path)
    assert out.returncode == 1
    assert (f"TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url "
            f"{peer} with HTTPS scheme") in out.stderr


def test_unusable_certificate_files_stop_the_start(tmp_path, certs):
    url = f"https://127.0.0.1:{free_port()}"
    out = run_etcdpp(["--listen-client-urls", url, "--advertise-client-urls", url,
                      "--cert-file", str(tmp_path / "missing.pem"), "--key-file",
                      certs.server_key], tmp_path)
    assert out.returncode == 1
    assert f"open {tmp_path / 'missing.pem'}: no such file or directory" in out.stderr
    # A key that is not the certificate's.
    out = run_etcdpp(["--listen-client-urls", url, "--advertise-client-urls", url,
                      "--cert-file", certs.server_cert, "--key-file", certs.other_key], tmp_path)
    assert out.returncode == 1
    assert "cannot use key file" in out.stderr
    # The proxy: an https listener needs a certificate.
    out = run_etcdpp(["--proxy", "on", "--data-dir", str(tmp_path / "p"),
                      "--listen-client-urls", url,
                      "--initial-cluster", f"x=http://127.0.0.1:{free_port()}"], tmp_path)
    assert out.returncode == 1
    assert (f"cannot listen on TLS for 127.0.0.1:{url.rsplit(':', 1)[1]}: KeyFile and CertFile "
            "are not presented") in out.stderr


class TlsEtcdppMember:
    """An etcdpp member whose client and peer URLs are https, requiring client certificates
    on both (the peer ones signed by `peer_ca`)."""

    def __init__(self, tmp_path, certs, name, peer_cert=None, peer_key=None, extra=None):
        self.name = name
        self.client_url = f"https://127.0.0.1:{free_port()}"
        self.peer_url = f"https://127.0.0.1:{free_port()}"
        self.data_dir = str(tmp_path / f"{name}.etcdpp")
        self.log = str(tmp_path / f"{name}.log")
        self.certs = certs
        self.peer_cert = peer_cert or certs.server_cert
        self.peer_key = peer_key or certs.server_key
        self.extra = list(extra or [])
        self.process = None

    def start(self, initial_cluster, state="new"):
        c = self.certs
        self.process = Process(
            [ETCDPP_BIN, "--name", self.name, "--data-dir", self.data_dir,
             "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
             "--listen-peer-urls", self.peer_url, "--initial-advertise-peer-urls", self.peer_url,
             "--initial-cluster", initial_cluster, "--initial-cluster-state", state,
             "--cert-file", c.server_cert, "--key-file", c.server_key, "--trusted-ca-file", c.ca,
             "--peer-cert-file", self.peer_cert, "--peer-key-file", self.peer_key,
             "--peer-trusted-ca-file", c.ca, "--peer-client-cert-auth",
             "--heartbeat-interval", "50", "--election-timeout", "500"] + self.extra, self.log)
        return self

    def healthy(self):
        assert self.process.alive(), self.process.output()[-3000:]
        try:
            # (With the server certificate as the client one: it passes every client rule
            # the tests set: allowed host name, CRL.)
            ctx = client_context(self.certs, self.certs.server_cert, self.certs.server_key)
            status, _, body = https("GET", self.client_url + "/health", ctx, timeout=2)
        except (OSError, urllib.error.URLError):
            return False
        return status == 200 and json.loads(body).get("health") == "true"

    def stop(self):
        """SIGTERM; the member must exit cleanly without sanitizer reports."""
        if self.process:
            self.process.stop()
            check_clean_exit(self.process)


def etcdppctl(certs, endpoint, *args):
    return subprocess.run([ETCDPPCTL_BIN, "--endpoints", endpoint, "--ca-file", certs.ca,
                           "--cert-file", certs.client_cert, "--key-file", certs.client_key]
                          + list(args), capture_output=True, text=True, timeout=30)


def test_etcdpp_members_speak_tls_to_each_other(tmp_path, started, certs):
    members = [started(TlsEtcdppMember(tmp_path, certs, f"s{i}")) for i in range(3)]
    cluster = ",".join(f"{m.name}={m.peer_url}" for m in members)
    for m in members:
        m.start(cluster)
    for m in members:
        wait_until(m.healthy, timeout=20, what=f"{m.name} healthy over TLS")
    ctx = tls_context(certs)
    status, _, body = https("PUT", members[0].client_url + "/v2/keys/raft/k", ctx, "value=v1")
    assert status == 201, body
    wait_until(lambda: https("GET", members[2].client_url + "/v2/keys/raft/k", ctx)[0] == 200,
               timeout=10, what="the write replicated over TLS")
    out = etcdppctl(certs, members[1].client_url, "cluster-health")
    assert out.returncode == 0 and out.stdout.endswith("cluster is healthy\n"), out
    # A member added at runtime joins over TLS (its --initial-cluster-state existing start
    # asks the peers for the members, then Raft catches it up).
    new = started(TlsEtcdppMember(tmp_path, certs, "s3"))
    out = etcdppctl(certs, members[0].client_url, "member", "add", "s3", new.peer_url)
    assert out.returncode == 0, out.stderr
    new.start(cluster + f",s3={new.peer_url}", state="existing")
    wait_until(new.healthy, timeout=30, what="the added member healthy")
    wait_until(lambda: json.loads(https("GET", new.client_url + "/v2/keys/raft/k", ctx)[2])
               .get("node", {}).get("value") == "v1", timeout=15, what="the new member caught up")
    # etcdpp's proxy in front of the TLS cluster.
    proxy = started(Proxy(tmp_path, initial_cluster=cluster,
                          extra=client_flags(certs) + peer_flags(certs)))
    proxy.wait_listening().wait_endpoints(4)
    status, _, body = http("PUT", proxy.url + "/v2/keys/raft/through", "value=proxy")
    assert status == 201, body
    assert https("GET", members[1].client_url + "/v2/keys/raft/through?quorum=true", ctx)[0] == 200


def test_peer_with_an_untrusted_certificate_is_refused(tmp_path, started, certs):
    a = started(TlsEtcdppMember(tmp_path, certs, "u0"))
    b = started(TlsEtcdppMember(tmp_path, certs, "u1", peer_cert=certs.other_cert,
                                peer_key=certs.other_key))
    cluster = f"u0={a.peer_url},u1={b.peer_url}"
    a.start(cluster)
    b.start(cluster)
    # u0 requires peer certificates of its CA: u1's are refused, so no quorum forms.
    wait_until(lambda: "rejected connection from" in a.process.output(), timeout=15,
               what="u0 refusing u1's certificate")
    # Several election timeouts (500 ms) later, still no leader on either side.
    time.sleep(2)
    assert not a.healthy() and not b.healthy()


def insecure_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def auto_tls_args(name, data_dir, client_url, peer_url, cluster):
    return ["--name", name, "--data-dir", data_dir,
            "--listen-client-urls", client_url, "--advertise-client-urls", client_url,
            "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
            "--initial-cluster", cluster, "--auto-tls", "--peer-auto-tls",
            "--heartbeat-interval", "50", "--election-timeout", "500"]


def test_auto_tls_proxy_in_front_of_an_auto_tls_etcd(tmp_path, started):
    # etcd 3.4 with self-signed certificates on both sides; etcdpp's proxy and etcd's, both with
    # --auto-tls --peer-auto-tls and https listeners, in front of it.
    client, peer = f"https://127.0.0.1:{free_port()}", f"https://127.0.0.1:{free_port()}"
    etcd = started(Process([ETCD_BIN, "--enable-v2=true"] + auto_tls_args(
        "a0", str(tmp_path / "a0.etcd"), client, peer, f"a0={peer}"), str(tmp_path / "a0.log")))
    ctx = insecure_context()
    wait_until(lambda: https("GET", client + "/health", ctx, timeout=1)[0] == 200, timeout=20,
               what="auto-TLS etcd healthy")
    proxies = []
    for binary in (None, ETCD_BIN):
        name = "pp" if binary is None else "etcdp"
        p = started(Proxy(tmp_path, name=name, binary=binary, scheme="https",
                          initial_cluster=f"a0={peer}", extra=["--auto-tls", "--peer-auto-tls"]))
        p.wait_listening()
        wait_until(lambda: https("GET", p.url + "/v2/keys/", ctx)[0] == 200, timeout=15,
                   what=f"{name} forwarding")
        proxies.append(p)
    status, _, body = https("PUT", proxies[0].url + "/v2/keys/auto", ctx, "value=self-signed")
    assert status == 201, body
    assert json.loads(https("GET", proxies[1].url + "/v2/keys/auto", ctx)[2])["node"][
        "value"] == "self-signed"
    # Where etcd's proxy keeps them: <data-dir>/proxy/clientCerts and <data-dir>/fixtures/peer,
    # owner-only.
    for d in (os.path.join(proxies[0].data_dir, "proxy", "clientCerts"),
              os.path.join(proxies[0].data_dir, "fixtures", "peer")):
        for f in ("cert.pem", "key.pem"):
            assert os.stat(os.path.join(d, f)).st_mode & 0o777 == 0o600
    text = subprocess.run(["openssl", "x509", "-noout", "-text", "-in",
                           os.path.join(proxies[0].data_dir, "proxy", "clientCerts", "cert.pem")],
                          capture_output=True, text=True, timeout=10, check=True).stdout
    assert "O = etcd" in text and "IP Address:127.0.0.1" in text and "TLS Web Server" in text
    assert etcd.alive()


def test_auto_tls_members_form_a_cluster_and_keep_their_certificates(tmp_path, started):
    urls = [(f"https://127.0.0.1:{free_port()}", f"https://127.0.0.1:{free_port()}")
            for _ in range(2)]
    cluster = ",".join(f"b{i}={peer}" for i, (_, peer) in enumerate(urls))
    ctx = insecure_context()

    def start(i):
        client, peer = urls[i]
        return started(Process([ETCDPP_BIN] + auto_tls_args(
            f"b{i}", str(tmp_path / f"b{i}.etcdpp"), client, peer, cluster),
            str(tmp_path / f"b{i}.log")))

    def healthy(i):
        try:
            status, _, body = https("GET", urls[i][0] + "/health", ctx, timeout=1)
        except (OSError, urllib.error.URLError):
            return False
        return status == 200 and json.loads(body)["health"] == "true"
    members = [start(0), start(1)]
    for i in range(2):
        wait_until(lambda: healthy(i), timeout=20, what=f"b{i} healthy")
    cert = tmp_path / "b0.etcdpp" / "fixtures" / "peer" / "cert.pem"
    first = cert.read_bytes()
    status, _, body = https("PUT", urls[0][0] + "/v2/keys/k", ctx, "value=v")
    assert status == 201, body
    members[0].stop()
    check_clean_exit(members[0])
    start(0)
    wait_until(lambda: healthy(0), timeout=20, what="b0 healthy again")
    assert cert.read_bytes() == first  # reused, not made again
    assert json.loads(https("GET", urls[0][0] + "/v2/keys/k?quorum=true", ctx)[2])["node"][
        "value"] == "v"


def tls_member(tmp_path, started, certs, extra):
    """A single etcdpp member with https client and peer URLs and `extra` flags."""
    m = started(TlsEtcdppMember(tmp_path, certs, "solo", extra=extra))
    m.start(f"solo={m.peer_url}")
    wait_until(m.healthy, timeout=20, what="member healthy")
    return m


def client_context(certs, cert, key, **kw):
    ctx = ssl.create_default_context(cafile=certs.ca)
    ctx.load_cert_chain(cert, key)
    for name, value in kw.items():
        setattr(ctx, name, value)
    return ctx


def test_cipher_suites_limit_tls12(tmp_path, started, certs):
    m = tls_member(tmp_path, started, certs,
                   ["--cipher-suites", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"])
    ctx = client_context(certs, certs.client_cert, certs.client_key,
                         maximum_version=ssl.TLSVersion.TLSv1_2)
    ctx.set_ciphers("ECDHE-ECDSA-AES256-GCM-SHA384")
    with pytest.raises(OSError):
        https("GET", m.client_url + "/version", ctx, timeout=3)
    ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
    assert https("GET", m.client_url + "/version", ctx)[0] == 200
    out = run_etcdpp(["--listen-client-urls", m.client_url, "--advertise-client-urls",
                      m.client_url, "--cert-file", certs.server_cert, "--key-file",
                      certs.server_key, "--cipher-suites", "TLS_NOT_A_SUITE"], tmp_path)
    assert out.returncode == 1
    assert 'unexpected TLS cipher suite "TLS_NOT_A_SUITE"' in out.stderr


@pytest.mark.parametrize("rule", ["peer_cert_allowed_cn", "client_cert_allowed_hostname",
                                  "client_crl_file"])
def test_client_certificate_rules(tmp_path, started, certs, rule):
    # The server certificate (CommonName "server", SANs localhost and 127.0.0.1, not revoked)
    # passes each rule; the client one (CommonName "client", no SANs, revoked in the CRL) not.
    if rule == "peer_cert_allowed_cn":
        flags, listener, path = ["--peer-cert-allowed-cn", "server"], "peer_url", "/members"
    elif rule == "client_cert_allowed_hostname":
        flags, listener, path = (["--client-cert-allowed-hostname", "localhost"], "client_url",
                                 "/version")
    else:
        flags, listener, path = (["--client-crl-file", certs.crl_revoking(certs.client_cert)],
                                 "client_url", "/version")
    m = tls_member(tmp_path, started, certs, flags)
    url = getattr(m, listener) + path
    assert https("GET", url, client_context(certs, certs.server_cert, certs.server_key))[0] == 200
    with pytest.raises(OSError):
        https("GET", url, client_context(certs, certs.client_cert, certs.client_key), timeout=3)


@pytest.mark.parametrize("skip", [False, True])
def test_peer_certificate_must_name_the_peers_address(tmp_path, started, certs, skip):
    # etcd 3.4's checkSAN: a peer's client certificate that names addresses must name the one
    # it connects from (a DNS name counts when it resolves to it), unless
    # --experimental-peer-skip-client-san-verification. Client listeners do not check.
    wrong_ip = certs.server_for("wrong-ip", "IP:127.0.0.2")
    dns_only = certs.server_for("dns-only", "DNS:localhost")
    m = tls_member(tmp_path, started, certs,
                   ["--experimental-peer-skip-client-san-verification"] if skip else [])
    peer, client = m.peer_url + "/members", m.client_url + "/version"
    assert https("GET", peer, client_context(certs, *dns_only))[0] == 200
    assert https("GET", client, client_context(certs, *wrong_ip))[0] == 200
    if skip:
        assert https("GET", peer, client_context(certs, *wrong_ip))[0] == 200
    else:
        with pytest.raises(OSError):
            https("GET", peer, client_context(certs, *wrong_ip), timeout=3)
        wait_until(lambda: "x509: certificate is valid for 127.0.0.2, not 127.0.0.1" in
                   m.process.output(), timeout=5, what="the refusal logged")
