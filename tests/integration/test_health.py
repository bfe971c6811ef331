"""Endpoint health: a member that answers 5xx or hangs counts as failed for GET/HEAD, which
are retried on the next endpoint; writes are not. Also: start-up from ETCD_* variables."""
import json
import os
import time

import pytest

from conftest import EtcdCluster, FakeMember, Proxy, free_port, http, wait_until


class FakeServer(FakeMember):
    """A member that answers every request with 500 (mode "500") or never ("hang")."""

    def __init__(self, mode, client_urls_fn):
        self.mode = mode
        super().__init__(client_urls_fn)

    def answer(self, conn, head):
        if self.mode == "500":
            body = b'{"message":"broken"}'
            conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: " +
                         str(len(body)).encode() + b"\r\n\r\n" + body)
            return True
        time.sleep(30)  # "hang": the connection stays open, unanswered (closed by close())
        return False


@pytest.fixture
def member(tmp_path, started):
    return started(EtcdCluster(tmp_path, 1).start()).members[0]


@pytest.mark.parametrize("mode", ["500", "hang"])
def test_bad_endpoint_is_skipped_for_reads(started, tmp_path, member, mode):
    bad = FakeServer(mode, lambda: [bad.url, member.client_url])
    try:
        proxy = started(Proxy(tmp_path, initial_cluster=f"fake={bad.url}",
                              extra=["--proxy-read-timeout", "500",
                                     "--proxy-failure-wait", "60000"]))
        proxy.wait_listening().wait_endpoints(2)
        http("PUT", member.client_url + "/v2/keys/h", "value=ok")
        for _ in range(6):
            status, _, body = http("GET", proxy.url + "/v2/keys/h", timeout=5)
            assert status == 200, body
            assert json.loads(body)["node"]["value"] == "ok"
        assert proxy.endpoints() == [member.client_url]
        kind = "status_5xx" if mode == "500" else "timeout"
        assert proxy.metric(f'etcdpp_proxy_upstream_errors_total{{endpoint="{bad.url}",'
                            f'kind="{kind}"}}') >= 1
        # The bad endpoint is probed and stays out.
        assert bad.url not in proxy.endpoints()
    finally:
        bad.close()


def test_writes_to_a_5xx_member_are_not_retried(started, tmp_path, member):
    bad = FakeServer("500", lambda: [bad.url])
    try:
        proxy = started(Proxy(tmp_path, initial_cluster=f"fake={bad.url}"))
        proxy.wait_listening().wait_endpoints(1)
        status, _, body = http("PUT", proxy.url + "/v2/keys/w", "value=1")
        assert status == 500 and body == '{"message":"broken"}'
        assert bad.hits == 1
    finally:
        bad.close()


def test_last_endpoint_5xx_is_relayed(started, tmp_path, member):
    """With no other endpoint to try, the member's own answer is relayed, not a 502."""
    bad = FakeServer("500", lambda: [bad.url])
    try:
        proxy = started(Proxy(tmp_path, initial_cluster=f"fake={bad.url}"))
        proxy.wait_listening().wait_endpoints(1)
        status, _, body = http("GET", proxy.url + "/v2/keys/w")
        assert status == 500 and body == '{"message":"broken"}'
    finally:
        bad.close()


def test_start_from_environment_only(started, tmp_path, member):
    port = free_port()
    env = dict(os.environ, ETCD_PROXY="readonly", ETCD_DATA_DIR=str(tmp_path / "envproxy"),
               ETCD_LISTEN_CLIENT_URLS=f"http://127.0.0.1:{port}",
               ETCD_INITIAL_CLUSTER=f"m0={member.peer_url}")
    from conftest import ETCDPP_BIN, Process
    p = started(Process([ETCDPP_BIN], str(tmp_path / "env.log"), env=env))
    wait_until(lambda: http("GET", f"http://127.0.0.1:{port}/v2/keys/", timeout=1)[0] == 200,
               timeout=10, what="env-configured proxy serving")
    assert http("PUT", f"http://127.0.0.1:{port}/v2/keys/x", "value=1")[0] == 501
    assert "recognized and used environment variable ETCD_PROXY=readonly" in p.output()


def test_bad_flags_exit_2(tmp_path):
    import subprocess
    from conftest import ETCDPP_BIN
    for args, message in [(["--bogus"], "flag provided but not defined: -bogus"),
                          (["--proxy", "maybe"], 'invalid value "maybe" for flag -proxy'),
                          (["--proxy", "on", "--proxy", "on"], "more than once"),
                          (["--proxy", "on", "--discovery-srv", "example.com",
                            "--initial-cluster", "m0=http://127.0.0.1:1"],
                           'Choose one of "initial-cluster", "discovery" or "discovery-srv"'),
                          (["--proxy", "on", "--discovery", "ftp://127.0.0.1:1/t"],
                           "a discovery URL is http:// or https://"),
                          (["--proxy", "on", "--discovery", "https://127.0.0.1:1/t",
                            "--discovery-proxy", "127.0.0.1:3128"], "HTTP CONNECT tunnel"),
                          (["--enable-pprof"], "flag -enable-pprof is not supported"),
                          (["--ca-file", "/c.pem"], "etcd 3.4 removed it: use --trusted-ca-file")]:
        r = subprocess.run([ETCDPP_BIN] + args, capture_output=True, text=True, timeout=10,
                           cwd=tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert message in r.stderr, (args, r.stderr)
    r = subprocess.run([ETCDPP_BIN, "--version"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and r.stdout.startswith("etcdpp Version:")


def test_logger_zap_writes_json_lines(started, tmp_path, member):
    proxy = started(Proxy(tmp_path, name="jsonlog", initial_cluster=f"m0={member.peer_url}",
                          extra=["--logger", "zap"]))
    proxy.wait_listening().wait_endpoints(1)
    lines = [l for l in proxy.process.output().splitlines() if l.strip()]
    assert len(lines) >= 3
    for line in lines:
        entry = json.loads(line)
        assert entry["level"] in ("info", "warning", "error", "debug")
        assert entry["msg"] and entry["ts"]
    assert any('started listening on client requests on "http://' in json.loads(l)["msg"]
               for l in lines)


def test_config_file_like_etcd(started, tmp_path):
    """--config-file: the same YAML starts an etcd 3.4 member and an etcdpp member; a config
    file replaces the command line and the ETCD_* variables; a proxy from a config file."""
    from conftest import ETCD_BIN, ETCDPP_BIN, Process

    def member_yaml(name, cport, pport, data_dir):
        return (f"name: {name}\n"
                f"data-dir: {data_dir}\n"
                f"listen-client-urls: http://127.0.0.1:{cport}\n"
                f"advertise-client-urls: http://127.0.0.1:{cport}\n"
                f"listen-peer-urls: http://127.0.0.1:{pport}\n"
                f"initial-advertise-peer-urls: http://127.0.0.1:{pport}\n"
                f"initial-cluster: {name}=http://127.0.0.1:{pport}\n"
                "initial-cluster-token: cfg-token\n"
                "enable-v2: true\n"
                "heartbeat-interval: 100\n"
                "log-outputs: [stderr]\n")

    ids = {}
    for binary in (ETCD_BIN, ETCDPP_BIN):
        cport, pport = free_port(), free_port()
        kind = os.path.basename(binary)
        cfg = tmp_path / f"{kind}.yml"
        cfg.write_text(member_yaml("cfg1", cport, pport, tmp_path / f"{kind}.data"))
        env = dict(os.environ, ETCD_NAME="from-env")
        p = started(Process([binary, "--config-file", str(cfg), "--name", "from-flag"],
                            str(tmp_path / f"{kind}.log"), env=env))
        members = wait_until(lambda: json.loads(http(
            "GET", f"http://127.0.0.1:{cport}/v2/members", timeout=1)[2])["members"],
            timeout=20, what=f"{kind} from a config file")
        assert [m["name"] for m in members] == ["cfg1"], members
        ids[kind] = (members[0]["id"], pport)
        assert "Loading server configuration from" in p.output()
    proxy_cfg = tmp_path / "proxy.yml"
    port = free_port()
    proxy_cfg.write_text(f"proxy: readonly\ndata-dir: {tmp_path / 'proxy.data'}\n"
                         f"listen-client-urls: http://127.0.0.1:{port}\n"
                         f"initial-cluster: cfg1=http://127.0.0.1:{ids['etcdpp'][1]}\n"
                         "no-such-key: 1\n")
    p = started(Process([ETCDPP_BIN, "--config-file", str(proxy_cfg)],
                        str(tmp_path / "proxy.log")))
    wait_until(lambda: http("GET", f"http://127.0.0.1:{port}/v2/keys/", timeout=1)[0] == 200,
               timeout=15, what="proxy from a config file")
    assert http("PUT", f"http://127.0.0.1:{port}/v2/keys/x", "value=1")[0] == 501
    assert 'ignoring unknown key "no-such-key"' in p.output()


def test_member_metrics_listener(started, tmp_path):
    """--listen-metrics-urls: /metrics and /health on their own listener, 404 for the rest,
    as etcd's."""
    from conftest import EtcdppMember
    port = free_port()
    m = started(EtcdppMember(tmp_path, "mx", extra=[
        "--listen-metrics-urls", f"http://127.0.0.1:{port}"]).start())
    status, headers, body = http("GET", f"http://127.0.0.1:{port}/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    status, headers, body = http("GET", f"http://127.0.0.1:{port}/health")
    assert (status, body) == (200, '{"health":"true"}')
    assert "access-control-allow-origin" not in headers  # no CORS there, as etcd
    assert http("GET", f"http://127.0.0.1:{port}/v2/keys/")[0] == 404
    assert http("GET", m.client_url + "/v2/keys/")[0] == 200


def start_etcd_and_etcdpp(started, tmp_path, extra):
    """An etcd 3.4 member and an etcdpp member with the same extra flags, both serving.
    Returns (etcd client URL, etcdpp member)."""
    from conftest import ETCD_BIN, EtcdppMember, Process
    cport, pport = free_port(), free_port()
    started(Process([ETCD_BIN, "--enable-v2=true", "--data-dir", str(tmp_path / "e"),
                     "--listen-client-urls", f"http://127.0.0.1:{cport}",
                     "--advertise-client-urls", f"http://127.0.0.1:{cport}",
                     "--listen-peer-urls", f"http://127.0.0.1:{pport}",
                     "--initial-advertise-peer-urls", f"http://127.0.0.1:{pport}",
                     "--initial-cluster", f"default=http://127.0.0.1:{pport}"] + extra,
                    str(tmp_path / "e.log")))
    m = started(EtcdppMember(tmp_path, "pp", extra=extra).start())
    etcd_url = f"http://127.0.0.1:{cport}"
    wait_until(lambda: http("GET", etcd_url + "/version", timeout=1)[0] == 200, timeout=20,
               what="etcd up")
    return etcd_url, m


def test_cors_origins_like_etcd(started, tmp_path):
    """--cors with a list of origins: CORS headers only for a listed Origin, which they
    echo; none otherwise (etcd 3.4's behaviour, compared side by side)."""
    import subprocess
    from conftest import ETCDPP_BIN
    origins = "http://a.example:80,http://b.example:8080"
    etcd_url, m = start_etcd_and_etcdpp(started, tmp_path, ["--cors", origins])

    def cors_headers(url, method, origin):
        hdrs = {"Origin": origin} if origin else {}
        status, headers, _ = http(method, url, headers=hdrs)
        return status, {k: v for k, v in headers.items() if k.startswith("access-control")}

    for path in ("/v2/keys/", "/version", "/v2/members"):
        for method in ("GET", "OPTIONS"):
            for origin in ("", "http://a.example:80", "http://a.example", "http://c.example:80"):
                want = cors_headers(etcd_url + path, method, origin)
                got = cors_headers(m.client_url + path, method, origin)
                assert got == want, (path, method, origin, got, want)
    r = subprocess.run([ETCDPP_BIN, "--proxy", "on", "--cors", "http://a.example:80"],
                       capture_output=True, text=True, timeout=10, cwd=tmp_path)
    assert r.returncode == 2 and "members only" in r.stderr, r.stderr
    bad = subprocess.run([ETCDPP_BIN, "--cors", "http://a.example"], capture_output=True,
                         text=True, timeout=10, cwd=tmp_path)
    assert bad.returncode == 2 and 'does not have the form "host:port"' in bad.stderr


def test_host_whitelist_like_etcd(started, tmp_path):
    """--host-whitelist (DNS rebinding protection): a Host not listed gets etcd's 421 with its
    text; listed names (any port) pass. Compared with etcd 3.4 side by side."""
    etcd_url, m = start_etcd_and_etcdpp(started, tmp_path,
                                        ["--host-whitelist", "example.com,127.0.0.1"])
    for host in ("example.com", "example.com:1234", "127.0.0.1", "evil.com", "evil.com:80",
                 "EXAMPLE.com"):
        for path in ("/v2/keys/", "/version", "/health"):
            want = http("GET", etcd_url + path, headers={"Host": host})
            got = http("GET", m.client_url + path, headers={"Host": host})
            assert got[0] == want[0], (host, path, got, want)
            if want[0] == 421:
                assert got[2] == want[2] and got[1]["content-type"] == want[1]["content-type"]
    # The peer listener is not concerned (members reach each other by any name).
    assert http("GET", m.peer_url + "/members", headers={"Host": "evil.com"})[0] == 200


def test_log_outputs_stdout_and_files(started, tmp_path, member):
    """--log-outputs: stdout and files (appended, owner-only), several at once; a file in a
    missing directory is an error, not a directory created behind the user's back."""
    import stat
    import subprocess
    from conftest import ETCDPP_BIN
    log_file = tmp_path / "proxy.log.txt"
    proxy = started(Proxy(tmp_path, name="logs", initial_cluster=f"m0={member.peer_url}",
                          extra=["--log-outputs", f"{log_file},stdout"]))
    proxy.wait_listening().wait_endpoints(1)
    text = log_file.read_text()
    assert "v2 proxy started listening on client requests" in text
    assert stat.S_IMODE(os.stat(log_file).st_mode) == 0o600
    assert "v2 proxy started listening on client requests" in proxy.process.output()
    r = subprocess.run([ETCDPP_BIN, "--proxy", "on", "--log-outputs",
                        str(tmp_path / "no" / "such" / "dir.log")],
                       capture_output=True, text=True, timeout=10, cwd=tmp_path)
    assert r.returncode == 1 and "no directory" in r.stderr, r.stderr
    assert not (tmp_path / "no").exists()
