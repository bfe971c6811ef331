#!/usr/bin/python3
"""Proxy benchmark: the same workload direct to a member, through etcdpp's proxy and through
etcd 3.4's proxy (and nginx, as a reference, when installed), measured side by side in one run
on 127.0.0.1.

Workloads (wrk): GET of one key and PUT of a small value at 50 connections; GET and PUT at one
connection for latency p50/p99. etcdpp's proxy runs twice: as shipped (identical GETs arriving
together share one member request: read coalescing) and with --proxy-coalesce-reads=false (every
request forwarded, as etcd's and nginx's proxies do). Then 1000 idle long-poll watchers woken by one PUT.
Per target: requests/s, latency, proxy CPU-seconds per 100k requests (utime+stime from
/proc/<pid>/stat), RSS, bytes per idle watcher, and ratios against direct and etcd's proxy.

Two placements of the processes on the CPUs (the 50-connection runs are made in both):
- shared: nothing pinned; wrk, the member and the proxy compete for every core.
- split (2+ cores): the member alone on CPU 1, wrk and the proxy on CPU 0 — the deployment the
  proxy is made for (a local proxy on the client's machine, the members on their own), with
  one core standing for each machine.
nginx (1 worker, keep-alive upstream, no buffering) is the reference for what a lean proxy
costs on this machine; it is skipped when `nginx` is not installed (apt-get install
nginx-light).

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


NGINX_CONF = """worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/nginx-body;
  proxy_temp_path {tmp}/nginx-proxy;
  upstream etcd {{ server 127.0.0.1:{cport}; keepalive 128; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://etcd;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 600s;
    }}
  }}
}}
"""


def start_nginx(tmp, cport, port):
    """nginx as a reference proxy; returns (master Popen, worker pid) or None."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                       else None)
    if not binary:
        print("  nginx not installed: its reference column is skipped", flush=True)
        return None
    conf = f"{tmp}/nginx.conf"
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=tmp, cport=cport, port=port))
    master = subprocess.Popen([binary, "-c", conf], stdout=open(f"{tmp}/nginx.log", "w"),
                              stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{master.pid}/task/{master.pid}/children") as f:
                kids = f.read().split()
            if kids:
                return master, int(kids[0])
        except OSError:
            pass
        time.sleep(0.05)
    master.terminate()
    return None


def pin(pid, cpus):
    """Moves every thread of `pid` to `cpus` (a taskset list)."""
    subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(pid)], check=True,
                   stdout=subprocess.DEVNULL)


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
                                    ("etcdpp-solo", args.etcdpp, ["--proxy-coalesce-reads=false"]),
                                    ("etcd-proxy", "etcd", ["--enable-v2=true"])]:
            port = free_port()
            p = subprocess.Popen([binary, "--proxy", "on", "--data-dir", f"{tmp}/{name}",
                                  "--listen-client-urls", f"http://127.0.0.1:{port}",
                                  "--initial-cluster", cluster] + extra,
                                 stdout=open(f"{tmp}/{name}.log", "w"), stderr=subprocess.STDOUT)
            procs.append(p)
            targets[name] = (p.pid, port)
            wait_http(f"http://127.0.0.1:{port}/v2/keys/")
        nport = free_port()
        nginx = start_nginx(tmp, cport, nport)
        if nginx:
            procs.append(nginx[0])
            targets["nginx"] = (nginx[1], nport)
            wait_http(f"http://127.0.0.1:{nport}/v2/keys/")

        put_lua = f"{tmp}/put.lua"
        with open(put_lua, "w") as f:
            f.write('wrk.method = "PUT"\nwrk.body = "value=benchmark-value"\n'
                    'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{cport}/v2/keys/bench", data=b"value=benchmark-value",
            method="PUT"), timeout=5).read()

        results = {name: {} for name in targets}
        workloads = [("get50", 50, None, None), ("put50", 50, put_lua, None),
                     ("get1", 1, None, None), ("put1", 1, put_lua, None)]
        split = (os.cpu_count() or 1) >= 2
        if split:
            workloads += [("get50split", 50, None, "0"), ("put50split", 50, put_lua, "0")]
        for wl, conns, script, wrk_cpus in workloads:
            if wl == "get50split":
                pin(member.pid, "1")
                for name, (pid, _) in targets.items():
                    if name != "direct":
                        pin(pid, "0")
            for name, (pid, port) in targets.items():
                url = f"http://127.0.0.1:{port}/v2/keys/bench"
                cpu0 = cpu_seconds(pid)
                r = run_wrk(url, conns, args.duration, script, cpus=wrk_cpus)
                r["cpu_per_100k"] = (cpu_seconds(pid) - cpu0) / max(r["requests"], 1) * 100_000
                results[name][wl] = r
                print(f"  {wl:6} {name:13} {r['rps']:9.0f} req/s  p50 {r['p50_ms']:.3f} ms  "
                      f"p99 {r['p99_ms']:.3f} ms  cpu/100k {r['cpu_per_100k']:.2f} s"
                      + (f"  non-2xx {r['non2xx']}" if r["non2xx"] else ""), flush=True)

        for name, (pid, port) in targets.items():
            if name == "etcdpp-solo":
                continue  # the same watcher path as etcdpp-proxy
            rss0 = rss_bytes(pid)
            socks = watchers_run(port, args.watchers, None)
            rss1 = rss_bytes(pid)
            woken, secs = wake(socks, f"http://127.0.0.1:{cport}/v2/keys/benchwatch")
            results[name]["watch"] = {"bytes_per_watcher": (rss1 - rss0) / args.watchers,
                                      "woken": woken, "wake_s": secs, "rss": rss1}
            print(f"  watch  {name:13} {woken}/{args.watchers} woken in {secs:.2f} s, "
                  f"{(rss1 - rss0) / args.watchers / 1024:.1f} KiB per idle watcher", flush=True)
            time.sleep(1)

        print_table(results, args, split)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def print_table(res, args, split):
    d, ours, theirs = res["direct"], res["etcdpp-proxy"], res["etcd-proxy"]
    solo = res["etcdpp-solo"]
    ngx = res.get("nginx")
    print()
    print(f"Proxy benchmark, 1 etcd 3.4 member, 127.0.0.1, {os.cpu_count()} cores, "
          f"wrk {args.duration}s per run")
    print()
    cols = ["direct", "etcdpp proxy", "etcdpp, no coalescing", "etcd 3.4 proxy"] + (
        ["nginx"] if ngx else [])
    ratio_cols = ["etcdpp/direct", "no-coalescing/direct", "etcd-proxy/direct"] + (
        ["nginx/direct"] if ngx else [])
    print("| metric | " + " | ".join(cols + ratio_cols) + " |")
    print("|---" * (1 + len(cols) + len(ratio_cols)) + "|")
    proxies = [ours, solo, theirs] + ([ngx] if ngx else [])
    rows = [("get50", "GET req/s, 50 conns, shared"), ("put50", "PUT req/s, 50 conns, shared")]
    if split:
        rows += [("get50split", "GET req/s, 50 conns, split"),
                 ("put50split", "PUT req/s, 50 conns, split")]
    for wl, label in rows:
        values = [f"{t[wl]['rps']:.0f}" for t in [d] + proxies]
        ratios = [f"{t[wl]['rps'] / d[wl]['rps']:.2f}" for t in proxies]
        print(f"| {label} | " + " | ".join(values + ratios) + " |")
    for wl, label in [("get1", "GET 1 conn"), ("put1", "PUT 1 conn")]:
        for p in ("p50", "p99"):
            k = f"{p}_ms"
            values = [f"{t[wl][k]:.3f}" for t in [d] + proxies]
            added = [f"{t[wl][k] - d[wl][k]:+.3f} ms" for t in proxies]
            print(f"| {label} {p} ms | " + " | ".join(values + added) + " |")
    print()
    print("| metric | etcdpp proxy | etcd 3.4 proxy | etcdpp/etcd | no coalescing | "
          "no-coalescing/etcd |" + (" nginx | nginx/etcd |" if ngx else ""))
    print("|---|---|---|---|---|---|" + ("---|---|" if ngx else ""))
    cpu_rows = [("get50", "CPU s per 100k GET, shared"), ("put50", "CPU s per 100k PUT, shared")]
    if split:
        cpu_rows += [("get50split", "CPU s per 100k GET, split"),
                     ("put50split", "CPU s per 100k PUT, split")]
    for wl, label in cpu_rows:
        line = (f"| {label} | {ours[wl]['cpu_per_100k']:.2f} | {theirs[wl]['cpu_per_100k']:.2f} | "
                f"{ours[wl]['cpu_per_100k'] / theirs[wl]['cpu_per_100k']:.2f} | "
                f"{solo[wl]['cpu_per_100k']:.2f} | "
                f"{solo[wl]['cpu_per_100k'] / theirs[wl]['cpu_per_100k']:.2f} |")
        if ngx:
            line += (f" {ngx[wl]['cpu_per_100k']:.2f} | "
                     f"{ngx[wl]['cpu_per_100k'] / theirs[wl]['cpu_per_100k']:.2f} |")
        print(line)
    ow, tw = ours["watch"], theirs["watch"]
    nw = ngx["watch"] if ngx else None
    tail = (f" {nw['bytes_per_watcher']:.0f} | |" if nw else "")
    print(f"| bytes per idle watcher ({args.watchers}) | {ow['bytes_per_watcher']:.0f} | "
          f"{tw['bytes_per_watcher']:.0f} | {ow['bytes_per_watcher'] / tw['bytes_per_watcher']:.2f} |"
          " | |" + tail)
    tail = (f" {nw['woken']} in {nw['wake_s']:.2f} s | |" if nw else "")
    print(f"| watchers woken by one PUT | {ow['woken']} in {ow['wake_s']:.2f} s | "
          f"{tw['woken']} in {tw['wake_s']:.2f} s | | | |" + tail)
    tail = (f" {nw['rss'] / 2**20:.1f} | |" if nw else "")
    print(f"| RSS with watchers open (MiB) | {ow['rss'] / 2**20:.1f} | {tw['rss'] / 2**20:.1f} | | | |"
          + tail)
    print()
    print("Targets (design.md): etcdpp/direct >= 0.85 GET, >= 0.95 PUT; CPU <= 0.25x etcd's "
          "proxy; <= 8 KB per idle watcher.")


if __name__ == "__main__":
    sys.exit(main())
