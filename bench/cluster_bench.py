#!/usr/bin/python3
"""Cluster benchmark: a 3-member etcdpp cluster and a 3-member etcd 3.4 cluster (--enable-v2),
one after the other in one run on 127.0.0.1, default timeouts (heartbeat 100 ms, election
1000 ms), data on the same disk, fsync before acknowledging.

Measured per cluster, against the leader: v2 PUT throughput at 50 connections and at 1
connection with its latency p50/p99 (wrk), quorum GET (?quorum=true) throughput at 50
connections, and the time from kill -9 of the leader until a surviving member reports itself
leader (polled every 10 ms; --kills rounds, the killed member restarted between rounds).
Ratios are etcdpp / etcd (for the recovery time, lower is better).

All six members and wrk share the machine's cores, as a cluster on one host would.

Usage: bench/cluster_bench.py [--etcdpp build/src/cmd/etcdpp] [--duration 8] [--kills 5]
This prints figures; it never passes or fails on them.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import PUT_SCRIPT, free_port, run_wrk, wait_http  # noqa: E402



class Member:
    def __init__(self, system, binary, name, tmp):
        self.system = system
        self.binary = binary
        self.name = name
        self.tmp = tmp
        self.client = free_port()
        self.peer = free_port()
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.client}"

    def start(self, initial_cluster):
        args = [self.binary, "--name", self.name, "--data-dir", f"{self.tmp}/{self.name}",
                "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
                "--listen-peer-urls", f"http://127.0.0.1:{self.peer}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer}",
                "--initial-cluster", initial_cluster]
        if self.system == "etcd":
            args.append("--enable-v2=true")
        self.proc = subprocess.Popen(args, stdout=open(f"{self.tmp}/{self.name}.log", "a"),
                                     stderr=subprocess.STDOUT)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def state(self):
        try:
            with urllib.request.urlopen(self.url + "/v2/stats/self", timeout=0.5) as r:
                return json.loads(r.read())["state"]
        except Exception:  # noqa: BLE001 - down or busy
            return None


class Cluster:
    def __init__(self, system, binary, tmp):
        self.members = [Member(system, binary, f"{system}{i}", tmp) for i in range(3)]
        self.initial = ",".join(f"{m.name}=http://127.0.0.1:{m.peer}" for m in self.members)

    def start(self):
        for m in self.members:
            m.start(self.initial)
        for m in self.members:
            wait_http(m.url + "/health", timeout=60)
        return self

    def leader(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.members:
                if m.proc.poll() is None and m.state() == "StateLeader":
                    return m
            time.sleep(0.05)
        raise SystemExit("no leader")

    def stop(self):
        for m in self.members:
            m.stop()


def recovery_seconds(cluster, kills):
    times = []
    for _ in range(kills):
        old = cluster.leader()
        time.sleep(1.0)  # a settled cluster: followers heard from the leader a moment ago
        old.stop(signal.SIGKILL)
        t0 = time.monotonic()
        others = [m for m in cluster.members if m is not old]
        elected = None
        while time.monotonic() - t0 < 30:
            if any(m.state() == "StateLeader" for m in others):
                elected = time.monotonic() - t0
                break
            time.sleep(0.01)
        times.append(elected if elected is not None else float("inf"))
        old.start(cluster.initial)
        wait_http(old.url + "/health", timeout=60)
    return times


def measure(system, binary, tmp, args, put_script):
    cluster = Cluster(system, binary, tmp).start()
    try:
        leader = cluster.leader()
        r = {}
        r["put50"] = run_wrk(leader.url + "/", 50, args.duration, put_script)
        r["put1"] = run_wrk(leader.url + "/", 1, args.duration, put_script)
        r["qget50"] = run_wrk(leader.url + "/v2/keys/bench/k1?quorum=true", 50, args.duration)
        r["recovery"] = recovery_seconds(cluster, args.kills)
        return r
    finally:
        cluster.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--etcdpp", default="build/src/cmd/etcdpp")
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--kills", type=int, default=5)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="etcdpp-cluster-bench-", dir=os.environ.get("TMPDIR", "/tmp"))
    put_script = os.path.join(tmp, "put.lua")
    with open(put_script, "w") as f:
        f.write(PUT_SCRIPT)
    results = {}
    try:
        for system, binary in (("etcdpp", os.path.abspath(args.etcdpp)), ("etcd", "etcd")):
            os.makedirs(f"{tmp}/{system}")
            results[system] = measure(system, binary, f"{tmp}/{system}", args, put_script)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    a, b = results["etcdpp"], results["etcd"]
    print(f"3-member clusters on 127.0.0.1, {os.cpu_count()} cores, wrk {args.duration} s, "
          f"{args.kills} leader kills each")
    print(f"{'':34}{'etcdpp':>12}{'etcd':>12}{'ratio':>8}")

    def row(label, x, y, fmt="{:.0f}"):
        print(f"{label:34}{fmt.format(x):>12}{fmt.format(y):>12}{x / y if y else 0:>8.2f}")

    row("PUT req/s, 50 conns", a["put50"]["rps"], b["put50"]["rps"])
    row("PUT p50 ms, 50 conns", a["put50"]["p50_ms"], b["put50"]["p50_ms"], "{:.2f}")
    row("PUT p99 ms, 50 conns", a["put50"]["p99_ms"], b["put50"]["p99_ms"], "{:.2f}")
    row("PUT req/s, 1 conn", a["put1"]["rps"], b["put1"]["rps"])
    row("PUT p50 ms, 1 conn", a["put1"]["p50_ms"], b["put1"]["p50_ms"], "{:.2f}")
    row("PUT p99 ms, 1 conn", a["put1"]["p99_ms"], b["put1"]["p99_ms"], "{:.2f}")
    row("quorum GET req/s, 50 conns", a["qget50"]["rps"], b["qget50"]["rps"])
    ra, rb = a["recovery"], b["recovery"]
    row("new leader after kill -9, mean s", statistics.mean(ra), statistics.mean(rb), "{:.2f}")
    row("new leader after kill -9, max s", max(ra), max(rb), "{:.2f}")
    print("recovery times etcdpp:", " ".join(f"{t:.2f}" for t in ra))
    print("recovery times etcd:  ", " ".join(f"{t:.2f}" for t in rb))
    for name, r in results.items():
        for k in ("put50", "put1", "qget50"):
            if r[k]["non2xx"]:
                print(f"warning: {name} {k}: {r[k]['non2xx']} non-2xx answers")


if __name__ == "__main__":
    main()
