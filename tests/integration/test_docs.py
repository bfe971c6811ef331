"""Every ```sh example in docs/ runs as written.

Each doc file's examples run in order as one bash script (set -e) inside a network and PID
namespace of its own: the fixed ports the docs use (2379, 4001, …) are free there whatever else
runs on the machine, and when the script ends the kernel stops every process it started (the
namespace's init exits) — exactly those, no others. After each example the test runs its own
checks (bash, in the same script). A doc example without checks here fails the test, so a new
example cannot go untested.

What the script adds around the examples: `etcdpp`, `etcdppctl` from this build on PATH;
`curl`, `etcdctl` and `etcdppctl` retried for a while when they fail (a person runs the next
command after the servers are up; the script runs it at once); curl gets --max-time.
"""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ETCDPP_BIN, ETCDPPCTL_BIN

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs")

PRELUDE = r"""
set -euo pipefail
ip link set lo up
retry() {
  local out=""
  for _ in $(seq 80); do
    if out=$("$@" 2>&1); then printf '%s\n' "$out"; return 0; fi
    sleep 0.25
  done
  printf 'still failing after 20 s: %s\n%s\n' "$*" "$out" >&2
  return 1
}
curl() { retry command curl -sS --max-time 10 --fail-with-body "$@"; }
etcdppctl() { retry command etcdppctl "$@"; }
etcdctl() { retry command etcdctl "$@"; }
# What the checks use: fails unless the text ($1) contains each further argument.
has() { local text=$1; shift; for want in "$@"; do
  [[ $text == *"$want"* ]] || { printf 'missing %q in:\n%s\n' "$want" "$text" >&2; return 1; }
done; }
# Waits (bounded) until a command succeeds, without printing its output.
eventually() { retry "$@" >/dev/null; }
"""

# Checks after each example, per doc file, in the order of the examples.
CHECKS = {
    "proxy.md": [
        r"""
        has "$(curl http://127.0.0.1:2479/v2/keys/greeting)" '"value":"hello"'
        has "$(curl http://127.0.0.1:2579/v2/keys/greeting)" '"value":"hello"'
        code=$(command curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
               -X PUT http://127.0.0.1:2479/v2/keys/greeting -d value=x)
        [ "$code" = 501 ]
        """,
    ],
    "discovery.md": [
        r"""
        has "$(curl 'http://127.0.0.1:4001/new?size=1')" 'http://127.0.0.1:4001/v2/keys/_etcd/registry/'
        """,
        r"""
        has "$(curl http://127.0.0.1:4001/v2/keys/_etcd/registry/mytoken/_config/size)" '"value":"3"'
        """,
        r"""
        has "$(etcdppctl --endpoints http://127.0.0.1:12379 member list)" name=infra0 name=infra1 name=infra2
        eventually bash -c 'command etcdppctl --endpoints http://127.0.0.1:10379 cluster-health | grep -q "cluster is healthy"'
        """,
        r"""
        eventually bash -c '[ "$(ls -d node*.etcd/proxy | wc -l)" = 5 ] && [ "$(ls -d node*.etcd/member | wc -l)" = 5 ]'
        for i in 0 1 2 3 4 5 6 7 8 9; do
          curl -X PUT http://127.0.0.1:2${i}379/v2/keys/from/$i -d value=$i >/dev/null
        done
        has "$(curl 'http://127.0.0.1:20379/v2/keys/from?recursive=true&quorum=true')" '"value":"9"' '"value":"0"'
        """,
        r"""
        has "$(curl http://127.0.0.1:2379/v2/keys/from/3)" '"value":"3"'
        has "$(cat proxy.etcd/proxy/cluster)" PeerURLs
        """,
    ],
    "promotion.md": [
        r"""
        has "$(curl http://127.0.0.1:22379/v2/members)" infra0
        """,
        r"""
        has "$(etcdppctl --endpoints http://127.0.0.1:12379 member list)" peerURLs=http://127.0.0.1:22380
        """,
        r"""
        if kill -0 "$PROXY0_PID" 2>/dev/null; then echo "the proxy still runs" >&2; exit 1; fi
        [ ! -e proxy0.etcd/proxy ]
        """,
        r"""
        eventually bash -c 'command etcdppctl --endpoints http://127.0.0.1:12379 cluster-health | grep -q "cluster is healthy"'
        has "$(etcdppctl --endpoints http://127.0.0.1:12379 member list)" name=infra0 name=proxy0
        [ -d proxy0.etcd/member ]
        """,
    ],
    "clustering.md": [
        r"""
        has "$(ETCDCTL_API=2 etcdctl --endpoints http://127.0.0.1:22379 cluster-health)" 'cluster is healthy'
        """,
        r"""
        has "$ADDED" 'ETCD_NAME="m4"' 'ETCD_INITIAL_CLUSTER_STATE="existing"'
        eventually bash -c 'ETCDCTL_API=2 command etcdctl --endpoints http://127.0.0.1:12379 member list | grep -q name=m4'
        has "$(ETCDCTL_API=2 etcdctl --endpoints http://127.0.0.1:42379 cluster-health)" \
            'cluster is healthy' 'got healthy result from http://127.0.0.1:42379'
        """,
        r"""
        eventually bash -c '! ETCDCTL_API=2 command etcdctl --endpoints http://127.0.0.1:12379 member list | grep -q name=m4'
        eventually bash -c '! command curl -s --max-time 1 http://127.0.0.1:42379/health'
        """,
        r"""
        out=$(ETCDCTL_API=2 etcdctl --endpoints http://127.0.0.1:12379 member list)
        has "$out" name=m1
        [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]
        has "$(curl -X PUT http://127.0.0.1:12379/v2/keys/after-recovery -d value=1)" '"action":"set"'
        """,
        r"""
        has "$(curl http://127.0.0.1:52379/v2/keys/after-recovery)" '"value":"1"'
        [ -d m1.backup/member ] && [ ! -e m1.backup/member.partial ]
        """,
    ],
    "member.md": [
        r"""
        has "$(curl http://localhost:2379/v2/members)" 8e9e05c52164694d
        has "$(curl http://127.0.0.1:3379/v2/members)" '"name":"m1"'
        """,
    ],
    "auth.md": [
        r"""
        has "$(curl -u app:apppw http://127.0.0.1:2379/v2/keys/app/greeting)" '"value":"hello"'
        code=$(command curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
               -X PUT http://127.0.0.1:2379/v2/keys/app/x -d value=1)
        [ "$code" = 401 ]
        code=$(command curl -s -o /dev/null -w '%{http_code}' --max-time 5 -u app:apppw \
               -X PUT http://127.0.0.1:2379/v2/keys/other -d value=1)
        [ "$code" = 401 ]
        has "$(etcdppctl --username root:rootpw user list)" app root
        """,
    ],
    "etcdppctl.md": [
        r"""
        has "$(etcdppctl get /greeting)" hello
        eventually bash -c 'command etcdppctl set /config/x 1 >/dev/null; grep -q "set /config/x" exec-watch.log'
        has "$(etcdppctl member list)" name=default
        """,
    ],
}


# Docs whose sh blocks are not examples to run here, and why.
NOT_RUN = {
    "benchmarks.md": "its commands are the benchmarks themselves (make bench*: minutes of load)",
}


def sh_blocks(text):
    """The ```sh code blocks of a markdown text (indented blocks in lists included)."""
    blocks = []
    for m in re.finditer(r"^([ \t]*)```sh\n(.*?)^\1```", text, re.S | re.M):
        indent = m.group(1)
        lines = [l[len(indent):] if l.startswith(indent) else l
                 for l in m.group(2).splitlines()]
        blocks.append("\n".join(lines))
    return blocks


def test_every_doc_with_examples_has_checks():
    with_examples = sorted(f for f in os.listdir(DOCS)
                           if f.endswith(".md") and sh_blocks(open(os.path.join(DOCS, f)).read()))
    assert with_examples == sorted(list(CHECKS) + list(NOT_RUN)), \
        "add checks for the examples of a new doc here"


@pytest.mark.skipif(shutil.which("unshare") is None or shutil.which("ip") is None,
                    reason="needs unshare (util-linux) and ip (iproute2)")
@pytest.mark.parametrize("doc", sorted(CHECKS))
def test_doc_examples_run(doc, tmp_path):
    blocks = sh_blocks(open(os.path.join(DOCS, doc)).read())
    checks = CHECKS[doc]
    assert len(blocks) == len(checks), f"{doc}: {len(blocks)} examples, {len(checks)} checks"
    script = PRELUDE
    for i, (block, check) in enumerate(zip(blocks, checks)):
        script += f"\necho '### example {i + 1}' >&2\n{block}\n"
        script += f"echo '### checks {i + 1}' >&2\n{check}\n"
    script += "echo '### all examples passed' >&2\n"
    (tmp_path / "examples.sh").write_text(script)
    bins = {os.path.dirname(os.path.abspath(ETCDPP_BIN)),
            os.path.dirname(os.path.abspath(ETCDPPCTL_BIN))}
    env = {**os.environ, "PATH": ":".join(sorted(bins)) + ":" + os.environ["PATH"]}
    env.pop("ETCDCTL_API", None)
    log = tmp_path / "examples.log"
    with open(log, "wb") as out:
        # --mount-proc: the namespace's own /proc (LeakSanitizer reads /proc/<pid>/task);
        # --kill-child: if this test is interrupted, the namespace goes with it.
        r = subprocess.run(["unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child",
                            "bash", str(tmp_path / "examples.sh")],
                           cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=300)
    text = log.read_text(errors="replace")
    assert r.returncode == 0 and "### all examples passed" in text, \
        f"{doc}: examples failed (exit {r.returncode}); script {tmp_path}/examples.sh\n" + text[-6000:]
