#!/usr/bin/python3
"""Proxy benchmark: the same workload direct to a member, through etcdpp's proxy and through
etcd 3.4's proxy, measured side by side in one run on 127.0.0.1.

Workloads (wrk): GET of one key and PUT of a small value at 50 connections; GET and PUT at one
connection for latency p50/p99. Then 1000 idle long-poll watchers woken by one PUT.
Per target: requests/s, latency, proxy CPU-seconds per 100k requests (utime+stime from
/proc/<pid>/stat), RSS, bytes per idle watcher, and ratios against direct and etcd's proxy.

Usage: bench/proxy_bench.py [--etcdpp build/src/cmd/etcdpp] [--duration 8] [--watchers 1000]
This prints figures; it never passes or fails on them.
"""
import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import cpu_seconds, free_port, rss_bytes, run_wrk, wait_http  # noqa: E402


def watchers_run(port, count, put_url):
    """Opens `count` idle long polls, returns (woken, seconds to wake all)."""
    socks = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"GET /v2/keys/benchwatch?wait=true HTTP/1.1\r\nHost: bench\r\n\r\n")
        socks.append(s)
    time.sleep(2.0)  # let every watch reach the member
    return socks


def wake(socks, put_url):
    t0 = time.monotonic()
    req = urllib.request.Request(put_url, data=b"value=wake", method="PUT")
    urllib.request.urlopen(req, timeout=10).read()
    woken = 0
    for s in socks:
        s.settimeout(10)
        data = b""
        try:
            while b"wake" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
        woken += b"wake" in data
    elapsed = time.monotonic() - t0
    for s in socks:
        s.close()
    return woken, elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--etcdpp", default="build/src/cmd/etcdpp")
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--watchers", type=int, default=1000)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    tmp = tempfile.mkdtemp(prefix="etcdpp-bench-")
    procs = []
    try:
        cport, pport = free_port(), free_port()
        member = subprocess.Popen(
            ["etcd", "--enable-v2=true", "--name", "b0", "--data-dir", f"{tmp}/b0",
             "--listen-client-urls", f"http://127.0.0.1:{cport}",
             "--advertise-client-urls", f"http://127.0.0.1:{cport}",
             "--listen-peer-urls", f"http://127.0.0.1:{pport}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{pport}",
             "--initial-cluster", f"b0=http://127.0.0.1:{pport}"],
            stdout=open(f"{tmp}/member.log", "w"), stderr=subprocess.STDOUT)
        procs.append(member)
        wait_http(f"http://127.0.0.1:{cport}/health")
        cluster = f"b0=http://127.0.0.1:{pport}"

        targets = {"direct": (member.pid, cport)}
        for name, binary, extra in [("etcdpp-proxy", args.etcdpp, []),
                                    ("etcd-proxy", "etcd", ["--enable-v2=true"])]:
            port = free_port()
            p = subprocess.Popen([binary, "--proxy", "on", "--data-dir", f"{tmp}/{name}",
                                  "--listen-client-urls", f"http://127.0.0.1:{port}",
                                  "--initial-cluster", cluster] + extra,
                                 stdout=open(f"{tmp}/{name}.log", "w"), stderr=subprocess.STDOUT)
            procs.append(p)
            targets[name] = (p.pid, port)
            wait_http(f"http://127.0.0.1:{port}/v2/keys/")

        put_lua = f"{tmp}/put.lua"
        with open(put_lua, "w") as f:
            f.write('wrk.method = "PUT"\nwrk.body = "value=benchmark-value"\n'
                    'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{cport}/v2/keys/bench", data=b"value=benchmark-value",
            method="PUT"), timeout=5).read()

        results = {name: {} for name in targets}
        workloads = [("get50", 50, None), ("put50", 50, put_lua), ("get1", 1, None),
                     ("put1", 1, put_lua)]
        for wl, conns, script in workloads:
            for name, (pid, port) in targets.items():
                url = f"http://127.0.0.1:{port}/v2/keys/bench"
                cpu0 = cpu_seconds(pid)
                r = run_wrk(url, conns, args.duration, script)
                r["cpu_per_100k"] = (cpu_seconds(pid) - cpu0) / max(r["requests"], 1) * 100_000
                results[name][wl] = r
                print(f"  {wl:6} {name:13} {r['rps']:9.0f} req/s  p50 {r['p50_ms']:.3f} ms  "
                      f"p99 {r['p99_ms']:.3f} ms  cpu/100k {r['cpu_per_100k']:.2f} s"
                      + (f"  non-2xx {r['non2xx']}" if r["non2xx"] else ""), flush=True)

        for name, (pid, port) in targets.items():
            rss0 = rss_bytes(pid)
            socks = watchers_run(port, args.watchers, None)
            rss1 = rss_bytes(pid)
            woken, secs = wake(socks, f"http://127.0.0.1:{cport}/v2/keys/benchwatch")
            results[name]["watch"] = {"bytes_per_watcher": (rss1 - rss0) / args.watchers,
                                      "woken": woken, "wake_s": secs, "rss": rss1}
            print(f"  watch  {name:13} {woken}/{args.watchers} woken in {secs:.2f} s, "
                  f"{(rss1 - rss0) / args.watchers / 1024:.1f} KiB per idle watcher", flush=True)
            time.sleep(1)

        print_table(results, args)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def print_table(res, args):
    d, ours, theirs = res["direct"], res["etcdpp-proxy"], res["etcd-proxy"]
    print()
    print(f"Proxy benchmark, 1 etcd 3.4 member, 127.0.0.1, {os.cpu_count()} cores, "
          f"wrk {args.duration}s per run")
    print()
    print("| metric | direct | etcdpp proxy | etcd 3.4 proxy | etcdpp/direct | etcd-proxy/direct |")
    print("|---|---|---|---|---|---|")
    for wl, label in [("get50", "GET req/s, 50 conns"), ("put50", "PUT req/s, 50 conns")]:
        print(f"| {label} | {d[wl]['rps']:.0f} | {ours[wl]['rps']:.0f} | {theirs[wl]['rps']:.0f} "
              f"| {ours[wl]['rps'] / d[wl]['rps']:.2f} | {theirs[wl]['rps'] / d[wl]['rps']:.2f} |")
    for wl, label in [("get1", "GET 1 conn"), ("put1", "PUT 1 conn")]:
        for p in ("p50", "p99"):
            k = f"{p}_ms"
            print(f"| {label} {p} ms | {d[wl][k]:.3f} | {ours[wl][k]:.3f} | {theirs[wl][k]:.3f} "
                  f"| +{ours[wl][k] - d[wl][k]:.3f} ms | +{theirs[wl][k] - d[wl][k]:.3f} ms |")
    print()
    print("| metric | etcdpp proxy | etcd 3.4 proxy | etcdpp/etcd |")
    print("|---|---|---|---|")
    for wl, label in [("get50", "CPU s per 100k GET"), ("put50", "CPU s per 100k PUT")]:
        print(f"| {label} | {ours[wl]['cpu_per_100k']:.2f} | {theirs[wl]['cpu_per_100k']:.2f} | "
              f"{ours[wl]['cpu_per_100k'] / theirs[wl]['cpu_per_100k']:.2f} |")
    ow, tw = ours["watch"], theirs["watch"]
    print(f"| bytes per idle watcher ({args.watchers}) | {ow['bytes_per_watcher']:.0f} | "
          f"{tw['bytes_per_watcher']:.0f} | {ow['bytes_per_watcher'] / tw['bytes_per_watcher']:.2f} |")
    print(f"| watchers woken by one PUT | {ow['woken']} in {ow['wake_s']:.2f} s | "
          f"{tw['woken']} in {tw['wake_s']:.2f} s | |")
    print(f"| RSS with watchers open (MiB) | {ow['rss'] / 2**20:.1f} | {tw['rss'] / 2**20:.1f} | |")
    print()
    print("Targets (design.md): etcdpp/direct >= 0.85 GET, >= 0.95 PUT; CPU <= 0.25x etcd's "
          "proxy; <= 8 KB per idle watcher.")


if __name__ == "__main__":
    sys.exit(main())
