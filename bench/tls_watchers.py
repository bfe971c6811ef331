#!/usr/bin/env python3
"""Memory per idle watcher through a proxy in front of an https-only etcd 3.4 member: RSS
growth of the proxy with N idle `?wait=true` long polls, for etcdpp's proxy and etcd's, with
the client side plain and with the client side TLS too. One run, side by side.

Usage: bench/tls_watchers.py [--etcdpp build/src/cmd/etcdpp] [--watchers 1000]
"""
import argparse
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from ports import free_port  # noqa: E402
from tls_certs import Certs  # noqa: E402


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def wait_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def measure(binary, scheme, certs, peer_url, watchers, tmp):
    port = free_port()
    args = binary + ["--proxy", "on", "--data-dir", f"{tmp}/p{port}",
                     "--listen-client-urls", f"{scheme}://127.0.0.1:{port}",
                     "--initial-cluster", f"t={peer_url}",
                     "--cert-file", certs.server_cert, "--key-file", certs.server_key,
                     "--trusted-ca-file", certs.ca, "--peer-cert-file", certs.server_cert,
                     "--peer-key-file", certs.server_key, "--peer-trusted-ca-file", certs.ca]
    proxy = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        time.sleep(1)
        ctx = ssl.create_default_context(cafile=certs.ca)
        ctx.load_cert_chain(certs.client_cert, certs.client_key)

        def open_watch():
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            if scheme == "https":
                s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
            s.sendall(b"GET /v2/keys/bench-w?wait=true HTTP/1.1\r\nHost: x\r\n\r\n")
            return s
        warm = [open_watch() for _ in range(20)]  # pools and first allocations
        time.sleep(1)
        before = rss_bytes(proxy.pid)
        conns = [open_watch() for _ in range(watchers)]
        time.sleep(3)
        after = rss_bytes(proxy.pid)
        for s in conns + warm:
            s.close()
        return (after - before) / watchers
    finally:
        proxy.terminate()
        proxy.wait(timeout=20)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--etcdpp", default=os.path.join(HERE, "..", "build", "src", "cmd", "etcdpp"))
    ap.add_argument("--watchers", type=int, default=1000)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="etcdpp-tls-bench-")
    etcd = None
    try:
        certs = Certs(f"{tmp}/certs")
        cp, pp = free_port(), free_port()
        cu, pu = f"https://127.0.0.1:{cp}", f"https://127.0.0.1:{pp}"
        etcd = subprocess.Popen(
            ["etcd", "--enable-v2=true", "--name", "t", "--data-dir", f"{tmp}/e",
             "--listen-client-urls", cu, "--advertise-client-urls", cu, "--listen-peer-urls", pu,
             "--initial-advertise-peer-urls", pu, "--initial-cluster", f"t={pu}",
             "--cert-file", certs.server_cert, "--key-file", certs.server_key,
             "--trusted-ca-file", certs.ca, "--peer-cert-file", certs.server_cert,
             "--peer-key-file", certs.server_key, "--peer-trusted-ca-file", certs.ca],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(cp)
        time.sleep(1)
        print(f"bytes of RSS per idle watcher ({a.watchers}), proxy in front of an https-only "
              "etcd 3.4 member")
        print(f"{'client side':<12} {'etcdpp':>10} {'etcd proxy':>11} {'ratio':>6}")
        for scheme in ("http", "https"):
            ours = measure([os.path.abspath(a.etcdpp)], scheme, certs, pu, a.watchers, tmp)
            theirs = measure(["etcd", "--enable-v2=true"], scheme, certs, pu, a.watchers, tmp)
            print(f"{scheme:<12} {ours:>10.0f} {theirs:>11.0f} {ours / theirs:>6.2f}")
    finally:
        if etcd:
            etcd.terminate()
            etcd.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
