#!/usr/bin/env python3
"""Authenticated reads with v2 auth enabled: one etcd 3.4 member and one etcdpp member, each
with a root user and auth enabled, and wrk sending GETs of one key with the root user's basic
credentials (the way a v2 client with --username sends every request). One run, side by side.

etcd checks the bcrypt hash on every request (about 50 ms of CPU by design); etcdpp checks a
password once and remembers that it matched (docs/auth.md). The same run also measures both
without credentials and auth disabled, for scale, and the root client's reads while other
clients send wrong passwords (each a bcrypt check, which etcdpp runs off its event loop).

Usage: bench/auth_bench.py [--etcdpp build/src/cmd/etcdpp] [--seconds 5] [--connections 10]
"""
import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from ports import free_port  # noqa: E402

ROOT = "Basic " + base64.b64encode(b"root:rootpw").decode()


def request(method, url, body=None, auth=False):
    req = urllib.request.Request(url, data=body.encode() if body else None, method=method)
    if auth:
        req.add_header("Authorization", ROOT)
    if body and "/v2/keys" in url:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def start(binary, tmp, name):
    client, peer = free_port(), free_port()
    url = f"http://127.0.0.1:{client}"
    args = [binary, "--name", name, "--data-dir", f"{tmp}/{name}",
            "--listen-client-urls", url, "--advertise-client-urls", url,
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", f"{name}=http://127.0.0.1:{peer}"]
    if "etcdpp" not in os.path.basename(binary):
        args.append("--enable-v2=true")
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if request("GET", url + "/health") == 200:
                return p, url
        except OSError:
            pass
        time.sleep(0.1)
    p.kill()
    raise RuntimeError(f"{name} did not start")


def wrk(url, seconds, connections, auth):
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if auth:
        args += ["-H", f"Authorization: {ROOT}"]
    out = subprocess.run(args + [url + "/v2/keys/bench"], capture_output=True, text=True,
                         timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} failed requests:\n{out}")
    return rps


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def flood(url, seconds):
    """4 connections of wrong passwords, each request a different one, for `seconds`."""
    import http.client
    import threading
    import urllib.parse
    u = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + seconds

    def one(k):
        n = 0
        while time.monotonic() < deadline:
            n += 1
            auth = base64.b64encode(f"root:wrong-{k}-{n}".encode()).decode()
            try:
                c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
                c.request("GET", "/v2/keys/bench", headers={"Authorization": "Basic " + auth})
                c.getresponse().read()
                c.close()
            except OSError:
                time.sleep(0.05)
    threads = [threading.Thread(target=one, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--flood":
        flood(sys.argv[2], int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--etcdpp", default="build/src/cmd/etcdpp")
    ap.add_argument("--etcd", default=shutil.which("etcd") or "/usr/bin/etcd")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=10)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="auth-bench-")
    results = {}
    procs = []
    try:
        for name, binary in (("etcd", a.etcd), ("etcdpp", os.path.abspath(a.etcdpp))):
            p, url = start(binary, tmp, name)
            procs.append(p)
            assert request("PUT", url + "/v2/keys/bench", "value=x") in (200, 201)
            open_rps = wrk(url, a.seconds, a.connections, False)
            assert request("PUT", url + "/v2/auth/users/root",
                           json.dumps({"user": "root", "password": "rootpw"})) in (200, 201)
            assert request("PUT", url + "/v2/auth/enable") == 200
            before = cpu_seconds(p.pid)
            auth_rps = wrk(url, a.seconds, a.connections, True)
            cpu = cpu_seconds(p.pid) - before
            requests = auth_rps * a.seconds
            # Root's reads while 4 other connections send wrong passwords.
            flooding = subprocess.Popen([sys.executable, __file__, "--flood", url,
                                         "--seconds", str(a.seconds + 2)])
            time.sleep(1)
            under_flood = wrk(url, a.seconds, a.connections, True)
            flooding.wait(timeout=a.seconds + 60)
            results[name] = (open_rps, auth_rps, cpu / requests * 1e3 if requests else 0,
                             under_flood)
            p.terminate()
            p.wait(timeout=10)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"GET of one key, {a.connections} connections, {a.seconds} s each (wrk)")
    print(f"{'':8} {'auth off req/s':>15} {'root creds req/s':>17} {'CPU ms/req (auth)':>18}"
          f" {'root req/s, wrong-password flood':>33}")
    for name, (open_rps, auth_rps, cpu_ms, flooded) in results.items():
        print(f"{name:8} {open_rps:15.0f} {auth_rps:17.1f} {cpu_ms:18.3f} {flooded:33.1f}")
    e, p = results["etcd"], results["etcdpp"]
    print(f"etcdpp/etcd with credentials: {p[1] / e[1]:.0f}x the requests/s, "
          f"{e[2] / p[2] if p[2] else float('inf'):.0f}x less CPU per request")


if __name__ == "__main__":
    main()
