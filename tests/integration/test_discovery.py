"""Discovery: bootstrapping clusters from a discovery URL, falling back to proxies, proxies
waiting for a token, etcdpp's own discovery service (GET /new) — against etcdpp and against
the real etcd 3.4 on both sides. The examples of docs/discovery.md are the first tests here.
"""
import hashlib
import json
import os
import re
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ETCD_BIN, EtcdppMember, Process, Proxy, free_port, http, wait_until

TIMING = ["--heartbeat-interval", "50", "--election-timeout", "500"]


def new_token(service, size):
    status, headers, body = http("GET", f"{service.client_url}/new?size={size}")
    assert status == 200, body
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert re.fullmatch(service.client_url.replace(".", r"\.") +
                        r"/v2/keys/_etcd/registry/[0-9a-f]{32}", body), body
    return body


def discovery_member(tmp_path, name, url, extra=None):
    m = EtcdppMember(tmp_path, name, extra=TIMING + list(extra or []))
    m.discovery = url
    return m


def registrations(url):
    status, _, body = http("GET", url)
    assert status == 200, body
    return sorted((n["key"].rsplit("/", 1)[1], n["value"])
                  for n in json.loads(body)["node"].get("nodes", []))


def member_names(client_url):
    status, _, body = http("GET", client_url + "/v2/members")
    assert status == 200, body
    return sorted(m["name"] for m in json.loads(body)["members"])


def etcd_member_id(peer_urls, token):
    digest = hashlib.sha1(("".join(sorted(peer_urls)) + token).encode()).digest()
    return digest[:8].hex().lstrip("0")


def wait_exit(process, timeout=20):
    wait_until(lambda: not process.alive(), timeout=timeout, what=f"{process.args[0]} exit")
    process.stop()
    return process.proc.returncode


@pytest.fixture
def service(tmp_path, started):
    """A single etcdpp member acting as the discovery service."""
    return started(EtcdppMember(tmp_path, "disc", extra=TIMING).start())


def test_docs_example_three_members_from_etcdpp_service(tmp_path, service, started):
    url = new_token(service, 3)
    status, _, body = http("GET", url + "/_config/size")
    assert status == 200 and json.loads(body)["node"]["value"] == "3"
    members = [started(discovery_member(tmp_path, f"infra{i}", url)) for i in range(3)]
    for m in members:
        m.start(wait=False)
    for m in members:
        m.wait_healthy()
    assert member_names(members[0].client_url) == ["infra0", "infra1", "infra2"]
    # The registrations are etcd's: <member-id-hex> = name=peer-url, with etcd's ids (the
    # discovery URL stands in for the cluster token).
    expected = sorted((etcd_member_id([m.peer_url], url), f"{m.name}={m.peer_url}")
                      for m in members)
    assert registrations(url) == expected
    status, _, _ = http("PUT", members[0].client_url + "/v2/keys/hello", "value=world")
    assert status == 201
    wait_until(lambda: json.loads(http("GET", members[2].client_url + "/v2/keys/hello")[2])
               ["node"]["value"] == "world", what="replicated write")
    # A restart does not ask the discovery service again (the token is complete by now).
    members[1].stop()
    before = len(members[1].process.output())
    members[1].start()
    assert "registered with discovery service" not in members[1].process.output()[before:]


def test_docs_example_size5_ten_processes(tmp_path, service, started):
    """The documented example: a size=5 token and ten processes → five members and five
    read-write proxies, each proxy forwarding to the cluster."""
    url = new_token(service, 5)
    procs = [started(discovery_member(tmp_path, f"node{i}", url)) for i in range(10)]
    for p in procs:
        p.start(wait=False)
    for p in procs:
        p.wait_healthy(timeout=40)  # a proxy answers /health once it has endpoints
    kinds = {p.name: sorted(os.listdir(p.data_dir)) for p in procs}
    members = [p for p in procs if kinds[p.name] == ["member"]]
    proxies = [p for p in procs if kinds[p.name] == ["proxy"]]
    assert len(members) == 5 and len(proxies) == 5, kinds
    assert member_names(members[0].client_url) == sorted(m.name for m in members)
    # Processes that checked the token before it was complete registered too; the cluster is
    # the first five registrations by creation index, whatever order each process saw.
    nodes = json.loads(http("GET", url)[2])["node"]["nodes"]
    first5 = sorted(nodes, key=lambda n: n["createdIndex"])[:5]
    assert sorted(n["value"].split("=")[0] for n in first5) == sorted(m.name for m in members)
    for p in proxies:
        assert "discovery cluster full, falling back to proxy" in p.process.output()
        with open(os.path.join(p.data_dir, "proxy", "cluster")) as f:
            assert sorted(json.load(f)["PeerURLs"]) == sorted(m.peer_url for m in members)
    for i, p in enumerate(proxies):
        status, _, body = http("PUT", p.client_url + f"/v2/keys/via/{i}", f"value=p{i}")
        assert status == 201, body
    for p in proxies:
        status, _, body = http("GET", p.client_url + "/v2/keys/via?quorum=true&sorted=true")
        assert status == 200, body
        values = [n["value"] for n in json.loads(body)["node"]["nodes"]]
        assert values == [f"p{i}" for i in range(5)]
    # A fallback proxy restarts as the proxy with the same command line (etcd 3.4 cannot:
    # it left a member directory behind).
    proxies[0].stop()
    proxies[0].start()
    assert sorted(os.listdir(proxies[0].data_dir)) == ["proxy"]
    assert http("GET", proxies[0].client_url + "/v2/keys/via/0")[0] == 200


def test_proxy_waits_until_the_token_is_complete(tmp_path, service, started):
    url = new_token(service, 2)
    proxy = started(Proxy(tmp_path, extra=["--discovery", url]))
    wait_until(lambda: "waiting for 2 more" in proxy.process.output(), what="proxy waiting")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=0.5).close()
    assert not os.path.exists(os.path.join(proxy.data_dir, "proxy"))
    members = [started(discovery_member(tmp_path, f"m{i}", url)) for i in range(2)]
    for m in members:
        m.start(wait=False)
    proxy.wait_listening(timeout=30).wait_endpoints(2, timeout=30)
    status, _, body = http("PUT", proxy.url + "/v2/keys/k", "value=v")
    assert status == 201, body
    assert http("GET", members[1].client_url + "/v2/keys/k?quorum=true")[0] == 200
    with open(os.path.join(proxy.data_dir, "proxy", "cluster")) as f:
        assert sorted(json.load(f)["PeerURLs"]) == sorted(m.peer_url for m in members)


def test_real_etcd_members_bootstrap_from_etcdpp_service(tmp_path, service, started):
    url = new_token(service, 2)
    etcds = []
    for i in range(2):
        cport, pport = free_port(), free_port()
        args = [ETCD_BIN, "--enable-v2=true", "--name", f"e{i}",
                "--data-dir", str(tmp_path / f"e{i}"), "--discovery", url,
                "--listen-client-urls", f"http://127.0.0.1:{cport}",
                "--advertise-client-urls", f"http://127.0.0.1:{cport}",
                "--listen-peer-urls", f"http://127.0.0.1:{pport}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{pport}"] + TIMING
        etcds.append((started(Process(args, str(tmp_path / f"e{i}.log"))), cport))
    # etcdpp's proxy in front, from the same token.
    proxy = started(Proxy(tmp_path, extra=["--discovery", url]))
    proxy.wait_listening(timeout=40).wait_endpoints(2, timeout=30)
    health = subprocess.run(["etcdctl", "--endpoints", f"http://127.0.0.1:{etcds[0][1]}",
                             "cluster-health"], env={**os.environ, "ETCDCTL_API": "2"},
                            capture_output=True, text=True, timeout=20)
    assert "cluster is healthy" in health.stdout, health.stdout + health.stderr
    status, _, body = http("PUT", proxy.url + "/v2/keys/from-proxy", "value=1")
    assert status == 201, body
    status, _, body = http("GET", f"http://127.0.0.1:{etcds[1][1]}/v2/keys/from-proxy?quorum=true")
    assert status == 200, body


def test_etcdpp_members_bootstrap_from_real_etcd(tmp_path, started):
    cport, pport = free_port(), free_port()
    etcd = started(Process([ETCD_BIN, "--enable-v2=true", "--name", "disc",
                            "--data-dir", str(tmp_path / "disc"),
                            "--listen-client-urls", f"http://127.0.0.1:{cport}",
                            "--advertise-client-urls", f"http://127.0.0.1:{cport}",
                            "--listen-peer-urls", f"http://127.0.0.1:{pport}",
                            "--initial-advertise-peer-urls", f"http://127.0.0.1:{pport}",
                            "--initial-cluster", f"disc=http://127.0.0.1:{pport}"],
                           str(tmp_path / "disc.log")))
    base = f"http://127.0.0.1:{cport}/v2/keys/_etcd/registry"
    wait_until(lambda: http("PUT", base + "/tok/_config/size", "value=3", timeout=1)[0] == 201,
               timeout=20, what="token created on etcd")
    url = base + "/tok"
    members = [started(discovery_member(tmp_path, f"pp{i}", url)) for i in range(4)]
    for m in members[:3]:
        m.start(wait=False)
    for m in members[:3]:
        m.wait_healthy()
    assert member_names(members[0].client_url) == ["pp0", "pp1", "pp2"]
    # The fourth falls back to a proxy in front of the three.
    members[3].start()
    assert sorted(os.listdir(members[3].data_dir)) == ["proxy"]
    assert http("PUT", members[3].client_url + "/v2/keys/x", "value=1")[0] == 201
    assert etcd.alive()


def test_fallback_exit_and_the_older_flag_name(tmp_path, service, started):
    url = new_token(service, 1)
    started(discovery_member(tmp_path, "only", url).start())
    for flag in ("--discovery-fallback", "--proxy-fallback"):
        late = discovery_member(tmp_path, f"late{flag[2:7]}", url, extra=[flag, "exit"])
        late.start(wait=False)
        assert wait_exit(late.process) == 1
        out = late.process.output()
        assert "discovery: cluster is full" in out, out
        assert not os.path.exists(os.path.join(late.data_dir, "member"))
        assert not os.path.exists(os.path.join(late.data_dir, "proxy"))
    assert len(registrations(url)) == 1


def test_discovery_errors_are_clear(tmp_path, service, started):
    base = service.client_url + "/v2/keys/_etcd/registry"

    def fails_with(url, name, *texts):
        m = discovery_member(tmp_path, name, url)
        m.start(wait=False)
        assert wait_exit(m.process) == 1
        out = m.process.output()
        for text in texts:
            assert text in out, out
        return m

    fails_with(base + "/no-such-token", "a", "discovery: size key not found",
               "does not exist")
    assert http("PUT", base + "/badsize/_config/size", "value=three")[0] == 201
    fails_with(base + "/badsize", "b", "discovery: size key is bad")
    fails_with(service.client_url + "/metrics", "c", "discovery: bad discovery endpoint")
    joining = discovery_member(tmp_path, "j", new_token(service, 3),
                               extra=["--initial-cluster-state", "existing"])
    joining.start(wait=False)
    assert wait_exit(joining.process) == 1
    assert "discovery URL should not be set when joining existing initial cluster" in \
        joining.process.output()
    # Two members registering the same name.
    url = new_token(service, 2)
    assert http("PUT", url + "/feedface", "value=dup=http://127.0.0.1:9")[0] == 201
    fails_with(url, "dup", "discovery: found duplicate name", "own --name")
    # A member that registered, lost its data dir, and starts again with the same token.
    url = new_token(service, 2)
    first = discovery_member(tmp_path, "again", url)
    first.start(wait=False)
    wait_until(lambda: "waiting for 1 more" in first.process.output(), what="registered")
    first.kill9()
    second = discovery_member(tmp_path, "again", url)
    second.client_port, second.peer_port = first.client_port, first.peer_port
    second.start(wait=False)
    assert wait_exit(second.process) == 1
    out = second.process.output()
    assert "discovery: found duplicate id" in out and "new discovery token" in out, out


def test_a_late_discovery_service_is_retried(tmp_path, started):
    port = free_port()
    url = f"http://127.0.0.1:{port}/v2/keys/_etcd/registry/late"
    m = started(discovery_member(tmp_path, "patient", url))
    m.start(wait=False)
    wait_until(lambda: "retrying in 2000 ms" in m.process.output(), what="first retry")
    svc = EtcdppMember(tmp_path, "latesvc", extra=TIMING)
    svc.client_port = port
    started(svc.start())
    assert http("PUT", url + "/_config/size", "value=1")[0] == 201
    m.wait_healthy(timeout=30)
    assert member_names(m.client_url) == ["patient"]


class ForwardProxy(ThreadingHTTPServer):
    """A minimal HTTP forward proxy that counts the requests it relays."""

    def __init__(self):
        self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def do_any(handler):
                self.seen.append(handler.command + " " + handler.path)
                length = int(handler.headers.get("Content-Length") or 0)
                body = handler.rfile.read(length) if length else None
                req = urllib.request.Request(handler.path, data=body, method=handler.command)
                if body is not None:
                    req.add_header("Content-Type", handler.headers["Content-Type"])
                try:
                    with urllib.request.urlopen(req, timeout=70) as r:
                        status, headers, data = r.status, r.headers, r.read()
                except urllib.error.HTTPError as e:
                    status, headers, data = e.code, e.headers, e.read()
                handler.send_response(status)
                for k in ("Content-Type", "X-Etcd-Index"):
                    if headers.get(k):
                        handler.send_header(k, headers[k])
                handler.send_header("Content-Length", str(len(data)))
                handler.end_headers()
                handler.wfile.write(data)

            do_GET = do_PUT = do_any

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.daemon_threads = True
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.shutdown()
        self.server_close()


def test_discovery_proxy_carries_the_traffic(tmp_path, service, started):
    fwd = started(ForwardProxy())
    url = new_token(service, 1)
    m = started(discovery_member(tmp_path, "via", url, extra=[
        "--discovery-proxy", f"127.0.0.1:{fwd.server_address[1]}"]))
    m.start()
    token_path = url.split(service.client_url, 1)[1]
    assert any(s.startswith("PUT " + url) for s in fwd.seen), fwd.seen
    assert all(token_path in s for s in fwd.seen), fwd.seen


def test_new_endpoint(tmp_path, service, started):
    status, _, body = http("GET", service.client_url + "/new")
    assert status == 200
    assert json.loads(http("GET", body + "/_config/size")[2])["node"]["value"] == "3"
    for bad in ("0", "-1", "x", "100000"):
        status, _, body = http("GET", service.client_url + "/new?size=" + bad)
        assert status == 400 and "size must be an integer" in body, (bad, body)
    status, headers, _ = http("POST", service.client_url + "/new", "")
    assert status == 405 and headers["allow"] == "GET"
    # Through an etcdpp proxy the URL names the proxy, which forwards the discovery traffic.
    proxy = started(Proxy(tmp_path, initial_cluster=f"disc={service.peer_url}"))
    proxy.wait_listening().wait_endpoints(1)
    status, _, body = http("GET", proxy.url + "/new?size=1")
    assert status == 200 and body.startswith(proxy.url + "/v2/keys/_etcd/registry/"), body
    m = started(discovery_member(tmp_path, "behind", body))
    m.start()
    assert member_names(m.client_url) == ["behind"]


def test_etcd_proxy_in_front_of_etcdpp_members_from_one_token(tmp_path, service, started):
    """etcd 3.4's own proxy reads the registrations etcdpp members wrote (same protocol, same
    value format) and forwards to them."""
    url = new_token(service, 2)
    port = free_port()
    etcd_proxy = started(Process([ETCD_BIN, "--proxy", "on", "--enable-v2=true",
                                  "--data-dir", str(tmp_path / "etcd-proxy"),
                                  "--listen-client-urls", f"http://127.0.0.1:{port}",
                                  "--discovery", url], str(tmp_path / "etcd-proxy.log")))
    members = [started(discovery_member(tmp_path, f"pp{i}", url)) for i in range(2)]
    for m in members:
        m.start(wait=False)
    proxy_url = f"http://127.0.0.1:{port}"
    wait_until(lambda: http("PUT", proxy_url + "/v2/keys/via-etcd-proxy", "value=1",
                            timeout=2)[0] == 201, timeout=40, what="etcd's proxy forwarding")
    status, _, body = http("GET", members[1].client_url + "/v2/keys/via-etcd-proxy?quorum=true")
    assert status == 200 and json.loads(body)["node"]["value"] == "1"
    assert etcd_proxy.alive()


def test_https_discovery_url(tmp_path, started):
    """An https:// discovery URL: the service's certificate is verified against the system's
    roots, as etcd does ($SSL_CERT_FILE names the test CA here); a service whose certificate
    is not trusted is retried with the TLS error in the log, never used."""
    from tls_certs import Certs

    certs = Certs(str(tmp_path / "certs"))
    service = started(EtcdppMember(tmp_path, "disc", https_port=free_port(),
                                   extra=TIMING + ["--cert-file", certs.server_cert,
                                                   "--key-file", certs.server_key]).start())
    import ssl
    ctx = ssl.create_default_context(cafile=certs.ca)
    with urllib.request.urlopen(service.https_url + "/new?size=2", context=ctx, timeout=10) as r:
        url = r.read().decode()
    assert url.startswith(service.https_url + "/v2/keys/_etcd/registry/"), url
    env_backup = os.environ.get("SSL_CERT_FILE")
    # An untrusted service first (no SSL_CERT_FILE: the test CA is no system root). (A member
    # waiting for discovery dies by SIGTERM, as etcd's does: stopped here, not by `started`.)
    untrusted = discovery_member(tmp_path, "lost", url)
    os.environ.pop("SSL_CERT_FILE", None)
    untrusted.start(wait=False)
    try:
        try:
            wait_until(lambda: "x509: certificate signed by unknown authority"
                       in untrusted.process.output(), timeout=20, what="the TLS error logged")
        finally:
            untrusted.process.stop()
        os.environ["SSL_CERT_FILE"] = certs.ca
        members = [started(discovery_member(tmp_path, f"s{i}", url)) for i in range(2)]
        for m in members:
            m.start(wait=False)
        for m in members:
            m.wait_healthy()
    finally:
        if env_backup is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = env_backup
    assert member_names(members[0].client_url) == ["s0", "s1"]
    assert len(json.loads(urllib.request.urlopen(
        urllib.request.Request(url), context=ctx, timeout=10).read())["node"]["nodes"]) == 2
