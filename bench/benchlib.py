"""Helpers shared by the benchmarks: free ports, readiness, /proc figures, wrk runs."""
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from ports import free_port  # noqa: E402,F401 - re-exported to the benchmarks

CLK_TCK = os.sysconf("SC_CLK_TCK")

# wrk script: PUT /v2/keys/bench/k<n % 1000> with a 16-byte value (form body).
PUT_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("PUT", "/v2/keys/bench/k" .. (counter % 1000), {["Content-Type"] =
      "application/x-www-form-urlencoded"}, "value=0123456789abcdef")
end
"""
PAGE = os.sysconf("SC_PAGE_SIZE")


def wait_http(url, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except Exception:  # noqa: BLE001
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE


def run_wrk(url, connections, duration, script=None, cpus=None):
    """`cpus`: run wrk pinned to these CPUs (taskset list, e.g. "0")."""
    args = (["taskset", "-c", cpus] if cpus else []) + ["wrk", "-t", "1" if connections == 1 else "2", "-c", str(connections),
            "-d", f"{duration}s", "--latency"]
    if script:
        args += ["-s", script]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=duration + 60)
    text = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "requests": total, "p50_ms": pct(50), "p99_ms": pct(99),
            "non2xx": int(errors.group(1)) if errors else 0}


