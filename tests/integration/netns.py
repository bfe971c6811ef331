"""Runs a bash script in network, mount and PID namespaces of its own (unshare), with a name
server: dnsmasq on the namespace's 127.0.0.1:53, named by a resolv.conf bind-mounted on
/etc/resolv.conf, so that glibc's and Go's resolvers both ask it. When the script ends, the
kernel stops every process it started (the PID namespace ends with it). Needs root.

The script's output is split into cases: a line "@@@ <name>" starts one, and the lines up to
the next such marker are its text ("@@@ rc=<n>" lines belong to the text).
"""
import os
import shutil
import subprocess

import pytest

PRELUDE = r"""
set -u
ip link set lo up
mount --bind "$TMP/resolv.conf" /etc/resolv.conf
dnsmasq --no-daemon --no-resolv --no-hosts --port 53 --listen-address 127.0.0.1 \
  --bind-interfaces --local=/example.com/ $DNS_RECORDS > "$TMP/dns.log" 2>&1 &
for i in $(seq 50); do
  [ -n "$(getent hosts infra0.example.com)" ] && break
  sleep 0.1
done
wait_http() {  # wait_http <url> <text>: up to 10 s for the answer to contain <text>
  for i in $(seq 100); do
    curl -s --max-time 1 "$1" 2>/dev/null | grep -q "$2" && return 0
    sleep 0.1
  done
  return 1
}
"""


def require_namespaces():
    if os.geteuid() != 0:
        pytest.skip("needs root: network, mount and PID namespaces")
    for tool in ("unshare", "dnsmasq", "ip", "curl", "getent"):
        assert shutil.which(tool), f"{tool} is missing: make deps installs it"


def run_in_namespaces(script, tmp_path, dns_records, env=None, timeout=150):
    """dns_records: dnsmasq options (--srv-host=..., --host-record=...; a host record for
    infra0.example.com is expected: the prelude waits for it to resolve). Returns
    {case: text}."""
    (tmp_path / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    full_env = dict(os.environ, TMP=str(tmp_path), DNS_RECORDS=" ".join(dns_records),
                    **(env or {}))
    proc = subprocess.run(
        ["unshare", "--mount", "--net", "--pid", "--fork", "--mount-proc", "bash", "-c",
         PRELUDE + script],
        env=full_env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cases = {}
    name = None
    for line in proc.stdout.splitlines(keepends=True):
        if line.startswith("@@@ ") and not line.startswith("@@@ rc="):
            name = line[4:].strip()
            cases[name] = ""
            continue
        if name is not None:
            cases[name] += line
    return cases
