#!/usr/bin/python3
"""Member benchmark: one etcdpp member and one etcd 3.4 member (--enable-v2), side by side in
one run on 127.0.0.1, both with their data on the same disk and fsync before acknowledging.

Measured per server: v2 PUT and GET throughput at 50 connections (wrk), PUT and GET latency
p50/p99 at one connection, CPU-seconds per 100k requests, RSS after loading 100k small keys
(at once, and settled 3 s later: a snapshot falls inside the load and may still be in flight
at the last write; the growth per key is taken from the settled figure), and the start-up time
with those 100k keys (process start until the first successful GET). Ratios are etcdpp / etcd.

Throughput is measured twice: with wrk and the server sharing every core (the load generator
then takes CPU from the server), and pinned — the server on CPU 1, wrk on CPU 0 — so that each
server has exactly one core to itself and the ratio shows what the server does with it. These
50-connection runs are repeated in rounds (the servers take turns, in alternating order, each
round on a freshly started server); each figure is the median over the rounds, and the ratio
of each round is printed after it, so the spread of the machine is visible.

Usage: bench/member_bench.py [--etcdpp build/src/cmd/etcdpp] [--duration 8] [--rounds 3]
                             [--keys 100000]
This prints figures; it never passes or fails on them.
"""
import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import PUT_SCRIPT, cpu_seconds, free_port, rss_bytes, run_wrk, wait_http  # noqa: E402,E501


class Server:
    def __init__(self, name, args, client_port, log):
        self.name = name
        self.args = args
        self.port = client_port
        self.log = log
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, cpus=None):
        t0 = time.monotonic()
        prefix = ["taskset", "-c", cpus] if cpus else []
        self.proc = subprocess.Popen(prefix + self.args, stdout=open(self.log, "a"),
                                     stderr=subprocess.STDOUT)
        wait_http(self.url + "/v2/keys/", timeout=120)
        return time.monotonic() - t0

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def make_servers(tmp, etcdpp):
    servers = []
    for name, binary in (("etcdpp", etcdpp), ("etcd", "etcd")):
        cport, pport = free_port(), free_port()
        args = [binary, "--name", "b0", "--data-dir", f"{tmp}/{name}",
                "--listen-client-urls", f"http://127.0.0.1:{cport}",
                "--advertise-client-urls", f"http://127.0.0.1:{cport}",
                "--listen-peer-urls", f"http://127.0.0.1:{pport}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{pport}",
                "--initial-cluster", f"b0=http://127.0.0.1:{pport}"]
        if name == "etcd":
            args.append("--enable-v2=true")
        servers.append(Server(name, args, cport, f"{tmp}/{name}.log"))
    return servers


def load_keys(server, keys):
    """PUTs `keys` distinct small keys over 16 keep-alive connections."""
    threads = 16
    port = server.port

    def worker(t):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for n in range(t, keys, threads):
            conn.request("PUT", f"/v2/keys/load/t{t}/k{n}", body="value=0123456789abcdef",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            r = conn.getresponse()
            r.read()
            if r.status != 201:
                raise SystemExit(f"load: PUT answered {r.status}")
        conn.close()

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


SETTLE_S = 3  # pause before the settled RSS reading

# Throughput runs: (label, uses the PUT script, path).
THROUGHPUT = (("put50", True, "/"), ("get50", False, "/v2/keys/bench/get"))


def seed_get_key(server):
    subprocess.run(["curl", "-s", "--max-time", "5", "-XPUT", server.url + "/v2/keys/bench/get",
                    "-d", "value=0123456789abcdef"], capture_output=True, check=True)


def throughput_round(s, put_script, duration, pinned):
    """One round of the 50-connection runs on a freshly started server: shared cores (with
    the server's CPU-seconds), then pinned when the machine allows it."""
    r = {}
    s.start()
    seed_get_key(s)
    for label, is_put, path in THROUGHPUT:
        cpu0 = cpu_seconds(s.proc.pid)
        w = run_wrk(s.url + path, 50, duration, put_script if is_put else None)
        w["cpu_per_100k"] = (cpu_seconds(s.proc.pid) - cpu0) / max(w["requests"], 1) * 100_000
        r[label] = w
    s.stop()
    if pinned:
        s.start(cpus="1")
        for label, is_put, path in THROUGHPUT:
            r[label + "_pinned"] = run_wrk(s.url + path, 50, duration,
                                           put_script if is_put else None, cpus="0")
        s.stop()
    return r


def single_run(s, put_script, duration, keys):
    """Latency at one connection, memory with `keys` keys, start-up with them: once."""
    r = {}
    s.start()
    seed_get_key(s)
    r["put1"] = run_wrk(s.url + "/", 1, duration, put_script)
    r["get1"] = run_wrk(s.url + "/v2/keys/bench/get", 1, duration)
    rss_before = rss_bytes(s.proc.pid)
    load_keys(s, keys)
    # Right after the last write a snapshot may still be in flight (one falls inside the load
    # at a point that depends on the earlier runs): that transient is shown apart from the
    # settled figure, read after the same pause for both servers.
    r["rss_mb_at_once"] = rss_bytes(s.proc.pid) / 1e6
    time.sleep(SETTLE_S)
    r["rss_mb"] = rss_bytes(s.proc.pid) / 1e6
    r["bytes_per_key"] = (rss_bytes(s.proc.pid) - rss_before) / keys
    s.stop()
    r["startup_s"] = s.start()
    r["rss_after_restart_mb"] = rss_bytes(s.proc.pid) / 1e6
    s.stop()
    return r


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--etcdpp", default="build/src/cmd/etcdpp")
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keys", type=int, default=100_000)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="etcdpp-member-bench-", dir=os.environ.get("BENCH_DIR"))
    put_script = os.path.join(tmp, "put.lua")
    with open(put_script, "w") as f:
        f.write(PUT_SCRIPT)
    servers = make_servers(tmp, args.etcdpp)
    pinned = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    rounds = {s.name: [] for s in servers}
    results = {}
    try:
        # The servers take turns, in alternating order, so that a slow spell of the machine
        # falls on both; each figure is the median of the rounds.
        for i in range(args.rounds):
            for s in servers if i % 2 == 0 else list(reversed(servers)):
                rounds[s.name].append(throughput_round(s, put_script, args.duration, pinned))
        for s in servers:
            results[s.name] = single_run(s, put_script, args.duration, args.keys)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    pp, ed = results["etcdpp"], results["etcd"]
    pr, er = rounds["etcdpp"], rounds["etcd"]
    print(f"member benchmark: {args.duration}s per wrk run, {args.rounds} rounds of the "
          f"50-connection runs (median; per-round ratios after it), {args.keys} keys, "
          f"127.0.0.1, {os.cpu_count()} cores")
    print(f"{'':34}{'etcdpp':>12}{'etcd 3.4':>12}{'ratio':>8}")

    def row(label, a, b, fmt="{:.0f}", per_round=None):
        ratio = a / b if b else float("nan")
        line = f"{label:34}{fmt.format(a):>12}{fmt.format(b):>12}{ratio:>8.2f}"
        if per_round:
            line += "   (" + ", ".join(f"{x:.2f}" for x in per_round) + ")"
        print(line)

    def round_row(label, key, field="rps", fmt="{:.0f}"):
        a = [r[key][field] for r in pr]
        b = [r[key][field] for r in er]
        row(label, median(a), median(b), fmt, [x / y if y else float("nan") for x, y in zip(a, b)])

    round_row("PUT req/s, 50 connections", "put50")
    round_row("GET req/s, 50 connections", "get50")
    if pinned:
        round_row("PUT req/s, 50 conns, pinned", "put50_pinned")
        round_row("GET req/s, 50 conns, pinned", "get50_pinned")
    row("PUT p50 ms, 1 connection", pp["put1"]["p50_ms"], ed["put1"]["p50_ms"], "{:.3f}")
    row("PUT p99 ms, 1 connection", pp["put1"]["p99_ms"], ed["put1"]["p99_ms"], "{:.3f}")
    row("GET p50 ms, 1 connection", pp["get1"]["p50_ms"], ed["get1"]["p50_ms"], "{:.3f}")
    row("GET p99 ms, 1 connection", pp["get1"]["p99_ms"], ed["get1"]["p99_ms"], "{:.3f}")
    round_row("CPU s / 100k PUT (50 conns)", "put50", "cpu_per_100k", "{:.2f}")
    round_row("CPU s / 100k GET (50 conns)", "get50", "cpu_per_100k", "{:.2f}")
    row(f"RSS MB with {args.keys} keys, at once", pp["rss_mb_at_once"], ed["rss_mb_at_once"],
        "{:.1f}")
    row(f"RSS MB with {args.keys} keys, {SETTLE_S}s later", pp["rss_mb"], ed["rss_mb"], "{:.1f}")
    row("RSS growth bytes per key", pp["bytes_per_key"], ed["bytes_per_key"])
    row(f"start-up s with {args.keys} keys", pp["startup_s"], ed["startup_s"], "{:.2f}")
    row("RSS MB after restart", pp["rss_after_restart_mb"], ed["rss_after_restart_mb"], "{:.1f}")
    errors = {}
    for name in rounds:
        runs = [(k, v) for r in rounds[name] for k, v in r.items()] + list(results[name].items())
        bad = {k: v["non2xx"] for k, v in runs if isinstance(v, dict) and v.get("non2xx")}
        if bad:
            errors[name] = bad
    if errors:
        print("non-2xx responses:", errors)


if __name__ == "__main__":
    main()
