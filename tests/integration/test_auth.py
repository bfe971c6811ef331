"""v2 authentication (/v2/auth, and the access checks of /v2/keys and /v2/members) against the
real etcd 3.4: one long sequence of requests — users, roles, grants, enabling auth, keys read
and written as root, as a user with a role, as a guest, with wrong passwords — sent to a fresh
etcd member and a fresh etcdpp member. Every answer must match: status, Content-Type, Allow,
whether X-Etcd-Cluster-Id is there, and the body byte for byte (store indexes aside: etcd's
auth records consume store indexes, etcdpp's do not, see docs/auth.md).

Then what the sequence cannot show: the state survives a restart (WAL replay and snapshots)
and reaches every member of a cluster, including one that joins by snapshot; a proxy passes
credentials through. And etcdppctl's user, role and auth commands against etcdctl's.
"""
import base64
import http.client as httpclient
import json
import re
import time
import urllib.parse

import os
import shlex
import subprocess

import pytest

from conftest import (ETCDPPCTL_BIN, EtcdCluster, EtcdppCluster, EtcdppMember, Proxy, http,
                      wait_until)


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


ROOT = basic("root", "rootpw")
BOB = basic("bob", "bobpw")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def S(method, path, body=None, headers=None):
    return (method, path, body, headers)


STEPS = [
    # Auth disabled: everything is open; the root role is built in.
    S("GET", "/v2/auth/enable"),
    S("GET", "/v2/auth/users"),
    S("GET", "/v2/auth/roles"),
    S("GET", "/v2/auth/users/root"),
    S("GET", "/v2/auth/roles/root"),
    S("GET", "/v2/auth/roles/guest"),
    S("PUT", "/v2/auth/enable"),  # no root user yet
    S("DELETE", "/v2/auth/enable"),  # already disabled
    S("POST", "/v2/auth/enable"),
    S("POST", "/v2/auth/users"),
    S("PUT", "/v2/auth/roles"),
    S("POST", "/v2/auth/roles/x"),
    S("GET", "/v2/auth"),
    S("GET", "/v2/auth/"),
    S("GET", "/v2/auth/enable/"),
    S("GET", "/v2/auth/nothing"),
    S("GET", "/v2/auth/roles/a/b"),
    S("GET", "/v2/auth/users/a/b/"),
    S("GET", "/v2/auth/users/"),
    # Users.
    S("PUT", "/v2/auth/users/bob", '{"user":"bob"}'),  # no password
    S("PUT", "/v2/auth/users/bob", "not json"),
    S("PUT", "/v2/auth/users/bob", ""),
    S("PUT", "/v2/auth/users/bob", '{"user":5}'),
    S("PUT", "/v2/auth/users/bob", '{"user":"bob","roles":"x"}'),
    S("PUT", "/v2/auth/users/bob", "null"),
    S("PUT", "/v2/auth/users/bob", '{"user":"bobby","password":"x"}'),
    S("PUT", "/v2/auth/users/bob", '{"USER":"bob","Password":"bobpw"} trailing'),  # created
    S("PUT", "/v2/auth/users/bob", '{"user":"bob","password":"bobpw"}'),  # new hash: updated
    S("PUT", "/v2/auth/users/bob", '{"user":"bob"}'),  # nothing new, roles null -> []
    S("PUT", "/v2/auth/users/bob", '{"user":"bob"}'),  # now nothing changes at all
    S("PUT", "/v2/auth/users/carl", '{"user":"carl","password":"c","roles":["zz","aa"]}'),
    S("PUT", "/v2/auth/users/carl", '{"user":"carl","password":"c","roles":["x"]}'),  # exists
    S("GET", "/v2/auth/users/carl"),  # its roles do not exist
    S("PUT", "/v2/auth/users/dan", '{"user":"dan","password":"d","roles":["a"],"grant":["b"]}'),
    S("PUT", "/v2/auth/users/nobody", '{"user":"nobody","grant":["a"]}'),
    S("PUT", "/v2/auth/users/root", '{"user":"root","password":"rootpw","roles":["zz"]}'),
    S("GET", "/v2/auth/users/root"),
    S("GET", "/v2/auth/users"),
    S("DELETE", "/v2/auth/users/carl"),
    S("DELETE", "/v2/auth/users/carl"),
    S("DELETE", "/v2/auth/users/root"),
    S("PUT", "/v2/auth/users/root", '{"user":"root","password":"rootpw"}'),
    S("PUT", "/v2/auth/users/root", '{"user":"root","revoke":["root"]}'),  # root stays root
    S("GET", "/v2/auth/users/root"),
    # Roles.
    S("PUT", "/v2/auth/roles/root", '{"role":"root"}'),
    S("DELETE", "/v2/auth/roles/root"),
    S("PUT", "/v2/auth/roles/r1", "{"),
    S("PUT", "/v2/auth/roles/r1", '{"role":"r2"}'),
    S("PUT", "/v2/auth/roles/r1", '{"role":"r1","permissions":{"kv":{"read":["/a/*","/b"]}}}'),
    S("PUT", "/v2/auth/roles/r1", '{"role":"r1"}'),  # exists
    S("PUT", "/v2/auth/roles/r1", '{"role":"r1","grant":{"kv":{"write":["/w/*","/a/x"]}}}'),
    S("PUT", "/v2/auth/roles/r1", '{"role":"r1","grant":{"kv":{"write":["/a/x"]}}}'),  # dup
    S("PUT", "/v2/auth/roles/r1", '{"role":"r1","grant":{"kv":{"read":["/b"]}}}'),  # dup
    S("PUT", "/v2/auth/roles/r1", '{"role":"r1","revoke":{"kv":{"read":["/nope"]}}}'),
    S("PUT", "/v2/auth/roles/r1", '{"role":"r1","revoke":{"kv":{"read":["/nope"]}}}'),
    S("PUT", "/v2/auth/roles/r1",
      '{"role":"r1","permissions":{"kv":{"read":["/c"]}},"grant":{"kv":{"read":["/d"]}}}'),
    S("PUT", "/v2/auth/roles/r9", '{"role":"r9","grant":{"kv":{"read":["/d"]}}}'),  # missing
    S("PUT", "/v2/auth/roles/r2", '{"role":"r2","grant":{"kv":{"read":[]}}}'),  # empty: create
    S("GET", "/v2/auth/roles/r2"),
    S("PUT", "/v2/auth/roles/r2", '{"role":"r2","revoke":{"kv":{"write":["/x"]}}}'),
    S("GET", "/v2/auth/roles/r2"),
    S("PUT", "/v2/auth/roles/r3", '{"Role":"r3","Permissions":{"KV":{"Read":null,"write":["/z"]}}}'),
    S("DELETE", "/v2/auth/roles/r3"),
    S("DELETE", "/v2/auth/roles/r3"),
    S("GET", "/v2/auth/roles"),
    S("PUT", "/v2/auth/users/bob", '{"user":"bob","grant":["r1","r2"]}'),
    S("PUT", "/v2/auth/users/bob", '{"user":"bob","grant":["r1"]}'),  # dup
    S("PUT", "/v2/auth/users/bob", '{"user":"bob","revoke":["r9"]}'),  # not granted
    S("PUT", "/v2/auth/users/bob", '{"user":"bob","revoke":["r2"]}'),
    S("GET", "/v2/auth/users/bob"),
    S("GET", "/v2/auth/users"),
    # Keys before auth is enabled.
    S("PUT", "/v2/keys/open", "value=1"),
    S("PUT", "/v2/keys/a/x", "value=ax"),
    S("PUT", "/v2/keys/w/y", "value=wy"),
    # Enabling: a guest role with everything is made.
    S("PUT", "/v2/auth/enable"),
    S("PUT", "/v2/auth/enable"),  # already: needs root now
    S("PUT", "/v2/auth/enable", None, ROOT),
    S("GET", "/v2/auth/enable"),
    S("GET", "/v2/auth/roles/guest"),  # needs root
    S("GET", "/v2/auth/roles/guest", None, ROOT),
    S("GET", "/v2/auth/users", None, basic("root", "wrong")),
    S("GET", "/v2/auth/users", None, BOB),  # not root
    S("GET", "/v2/auth/users", None, {"Authorization": "Bearer x"}),
    S("GET", "/v2/auth/users", None, {"Authorization": "Basic !!!"}),
    S("GET", "/v2/auth/users", None, {"Authorization": "basic " + base64.b64encode(b"root:rootpw").decode()}),
    S("DELETE", "/v2/auth/users/root", None, ROOT),
    # Keys as guest (the default guest role may read and write every key but the root dir).
    S("GET", "/v2/keys/open"),
    S("GET", "/v2/keys"),
    S("GET", "/v2/keys/?sorted=true"),  # (etcd lists in hash-map order otherwise)
    S("PUT", "/v2/keys/g", "value=guest"),
    # Narrow the guest role: reads of /open only.
    S("PUT", "/v2/auth/roles/guest", '{"role":"guest","revoke":{"kv":{"read":["/*"],"write":["/*"]}}}',
      ROOT),
    S("PUT", "/v2/auth/roles/guest", '{"role":"guest","grant":{"kv":{"read":["/open"]}}}', ROOT),
    S("GET", "/v2/keys/open"),
    S("GET", "/v2/keys/open?recursive=true"),
    S("GET", "/v2/keys/g"),
    S("PUT", "/v2/keys/open", "value=2"),
    S("GET", "/v2/keys/g?recursive=notabool"),  # a bad request is refused before access
    # Keys as bob (role r1: read /a/* and /b, write /w/* and /a/x).
    S("GET", "/v2/keys/a/x", None, BOB),
    S("GET", "/v2/keys/a?recursive=true", None, BOB),
    S("GET", "/v2/keys/a/?recursive=true", None, BOB),
    S("GET", "/v2/keys/b", None, BOB),
    S("GET", "/v2/keys/open", None, BOB),
    S("PUT", "/v2/keys/a/x", "value=bob", BOB),
    S("PUT", "/v2/keys/a/y", "value=bob", BOB),
    S("PUT", "/v2/keys/w/z", "value=bob", BOB),
    S("DELETE", "/v2/keys/w?recursive=true", None, BOB),
    S("DELETE", "/v2/keys/w/?recursive=true", None, BOB),
    S("POST", "/v2/keys/w/q", "value=1", BOB),
    S("GET", "/v2/keys/a/x?wait=true&waitIndex=1", None, BOB),
    S("GET", "/v2/keys/a/x", None, basic("bob", "wrong")),
    S("GET", "/v2/keys/a/x", None, basic("ghost", "x")),
    S("GET", "/v2/keys/a/x", None, {"Authorization": "Basic"}),
    # Root may do everything.
    S("GET", "/v2/keys/?recursive=true&sorted=true", None, ROOT),
    S("PUT", "/v2/keys/r", "value=root", ROOT),
    S("DELETE", "/v2/keys/r", None, ROOT),
    # The members API: reads are open, changes need root.
    S("POST", "/v2/members", '{"peerURLs":["http://127.0.0.1:1"]}'),
    S("DELETE", "/v2/members/1234", None, BOB),
    S("PUT", "/v2/members/1234", "{}", ROOT),
    S("PATCH", "/v2/members"),
    # Disabling needs root too.
    S("DELETE", "/v2/auth/enable"),
    S("DELETE", "/v2/auth/enable", None, BOB),
    S("DELETE", "/v2/auth/enable", None, ROOT),
    S("GET", "/v2/keys/g"),
    S("DELETE", "/v2/auth/users/root"),
    S("GET", "/v2/auth/users"),
]


def normalise(status, headers, text):
    ctype = headers.get("content-type", "")
    if '"action"' in text or '"errorCode"' in text:
        text = re.sub(r'"(modifiedIndex|createdIndex|index)":\d+', r'"\1":N', text)
        text = re.sub(r'/(\d{20})"', '/<inorder>"', text)
    return {
        "status": status,
        "content-type": ctype,
        "allow": headers.get("allow"),
        "cluster-id": "x-etcd-cluster-id" in headers,
        "etcd-index": "x-etcd-index" in headers,
        "body": text,
    }


def run(url):
    out = []
    for method, path, body, headers in STEPS:
        h = dict(headers or {})
        if body is not None and path.startswith("/v2/keys"):
            h.update(FORM)
        out.append(normalise(*http(method, url + path, body, h)))
    return out


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    etcd = EtcdCluster(tmp_path_factory.mktemp("auth-etcd"), 1).start()
    try:
        want = run(etcd.members[0].client_url)
    finally:
        etcd.stop()
    pp = EtcdppMember(tmp_path_factory.mktemp("auth-pp"), extra=["--snapshot-count", "20"]).start()
    try:
        got = run(pp.client_url)
        # Restarted (snapshot + WAL): the same users, roles and state.
        before = [http("GET", pp.client_url + p, headers=ROOT)[2]
                  for p in ("/v2/auth/users", "/v2/auth/roles", "/v2/auth/enable")]
        pp.stop()
        pp.start()
        after = [http("GET", pp.client_url + p, headers=ROOT)[2]
                 for p in ("/v2/auth/users", "/v2/auth/roles", "/v2/auth/enable")]
    finally:
        pp.stop()
    return want, got, before, after


def test_enough_steps():
    assert len(STEPS) >= 100, len(STEPS)


@pytest.mark.parametrize("i", range(len(STEPS)))
def test_same_as_etcd(answers, i):
    want, got, _, _ = answers
    assert got[i] == want[i], f"step {i} {STEPS[i]}:\n etcd:   {want[i]}\n etcdpp: {got[i]}"


def test_state_survives_restart(answers):
    _, _, before, after = answers
    assert '"user":"bob"' in before[0] and '"role":"r1"' in before[1]
    assert after == before


# ---- the cluster ----------------------------------------------------------------------------

def test_auth_replicated_snapshotted_and_behind_a_proxy(tmp_path):
    c = EtcdppCluster(tmp_path, 3, extra=["--experimental-snapshot-catchup-entries", "20",
                                         "--snapshot-count", "30"]).start()
    proxy = None
    try:
        first = c.members[0].client_url
        assert http("PUT", first + "/v2/auth/users/root", '{"user":"root","password":"rootpw"}')[0] == 201
        assert http("PUT", first + "/v2/auth/roles/app",
                    '{"role":"app","permissions":{"kv":{"read":["/app/*"],"write":["/app/*"]}}}')[0] == 201
        assert http("PUT", first + "/v2/auth/users/bob",
                    '{"user":"bob","password":"bobpw","roles":["app"]}')[0] == 200
        # Enough writes that the log is compacted past the auth changes: a member that joins
        # now gets them in a snapshot.
        for i in range(80):
            assert http("PUT", first + f"/v2/keys/fill/{i}", "value=x", FORM)[0] in (200, 201)
        new = c.add_member("pp3")
        assert "installed a snapshot from the leader" in new.process.output()
        want = http("GET", first + "/v2/auth/users")[2]
        assert '"user":"bob"' in want
        for m in c.members:
            wait_until(lambda: http("GET", m.client_url + "/v2/auth/users")[2] == want,
                       timeout=10, what=f"users on {m.name}")
        assert http("PUT", first + "/v2/auth/enable")[0] == 200
        for m in c.members:
            wait_until(lambda: http("GET", m.client_url + "/v2/auth/enable")[2] == '{"enabled":true}\n',
                       timeout=10, what=f"auth enabled on {m.name}")
            assert http("PUT", m.client_url + "/v2/auth/roles/guest",
                        '{"role":"guest","revoke":{"kv":{"write":["/*"]}}}', ROOT)[0] in (200, 400)
        last = c.members[-1].client_url
        wait_until(lambda: http("PUT", last + "/v2/keys/app/a", "value=1", FORM)[0] == 401,
                   timeout=10, what="guest writes refused")
        assert http("PUT", last + "/v2/keys/app/a", "value=1", {**FORM, **BOB})[0] == 201
        assert http("PUT", last + "/v2/keys/other", "value=1", {**FORM, **BOB})[0] == 401
        assert http("PUT", last + "/v2/keys/other", "value=1", {**FORM, **ROOT})[0] == 201
        # A proxy forwards the credentials untouched.
        proxy = Proxy(tmp_path, initial_cluster=c.initial_cluster)
        proxy.wait_endpoints(len(c.members))
        assert http("PUT", proxy.url + "/v2/keys/app/b", "value=2", FORM)[0] == 401
        assert http("PUT", proxy.url + "/v2/keys/app/b", "value=2", {**FORM, **BOB})[0] == 201
        assert http("GET", proxy.url + "/v2/auth/users", None, basic("bob", "bobpw"))[0] == 401
        assert http("GET", proxy.url + "/v2/auth/users", None, ROOT)[0] == 200
        # Members keep it over a restart.
        c.members[1].stop()
        c.members[1].start()
        assert http("GET", c.members[1].client_url + "/v2/auth/users", None, ROOT)[2] == want
    finally:
        if proxy:
            proxy.stop()
        c.stop()


# ---- etcdppctl ------------------------------------------------------------------------------

CTL_COMMANDS = """\
user list
user add root:rootpw
user add bob:bobpw
user add bob:bobpw2
user add
user add a b
user get bob
user get nobody
user get root
user list extra
role add r1
role add r1
role list
role get r1
role get nope
role grant r1 --path /x/* --rw
role grant r1 --path /x/* --rw
role grant r1 --path /x/* --read
role revoke r1 --path /y --write
role grant r1 --path x//y --read
role grant r1
role grant r1 --path /a
role grant r1 --path /a --read --write
role add r2 --read
role get r1
user grant bob --roles r1
user grant bob --roles r1,r2
user grant bob --roles r2 --roles r3
user grant bob
user revoke bob --roles r9
user get bob
user revoke bob --roles r1,r2
user get bob
role remove r2
role remove r2
user remove nobody
auth enable
auth enable
auth enable extra
user list
-u root:rootpw user list
-u root:bad user list
-u bob:bobpw2 user list
-u root:rootpw role get guest
get /x
-u bob:bobpw2 set /x/a 1
-u bob:bobpw2 get /x/a
-u bob:bobpw2 set /y 1
set /y 1
member add m2 http://127.0.0.1:1
-u root:rootpw auth disable
auth disable
user remove bob
role remove r1
"""


def ctl(tool, url, args, stdin=None):
    r = subprocess.run([tool, "--endpoints", url] + args, capture_output=True, text=True,
                       timeout=30, env=dict(os.environ, ETCDCTL_API="2"),
                       input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL)
    return r.returncode, r.stdout.replace("etcdppctl", "etcdctl"), r.stderr


def test_etcdppctl_like_etcdctl(tmp_path):
    """The same commands: etcdctl against one etcd, etcdppctl against another (the client), and
    etcdctl against an etcdpp member (the server through etcdctl's eyes)."""
    for d in ("a", "b", "c"):
        os.makedirs(tmp_path / d)
    a = EtcdCluster(tmp_path / "a", 1).start()
    b = EtcdCluster(tmp_path / "b", 1).start()
    pp = EtcdppMember(tmp_path / "c").start()
    try:
        servers = [(a.members[0].client_url, a.members[0]), (b.members[0].client_url, b.members[0]),
                   (pp.client_url, pp)]

        def norm(result, member):
            out = result[1]
            for port in (member.client_port, member.peer_port):
                out = out.replace(str(port), "<port>")
            return result[0], re.sub(r"\b[0-9a-f]{16}\b", "<id>", out), \
                re.sub(r"\[\d+\]", "[N]", result[2])

        mismatches = []
        for line in CTL_COMMANDS.splitlines():
            args = shlex.split(line)
            want = norm(ctl("etcdctl", servers[0][0], args), servers[0][1])
            client = norm(ctl(ETCDPPCTL_BIN, servers[1][0], args), servers[1][1])
            server = norm(ctl("etcdctl", servers[2][0], args), servers[2][1])
            if client != want:
                mismatches.append(f"etcdppctl {line!r}:\n  etcdctl   {want}\n  etcdppctl {client}")
            if server != want:
                mismatches.append(f"etcdpp {line!r}:\n  etcd   {want}\n  etcdpp {server}")
        assert not mismatches, "\n".join(mismatches)

        # Passwords asked for (stdin is not a terminal here: read as a line). etcdctl also
        # prints stty's complaints on stderr; the output and the exit status must match.
        for args, stdin in ((["user", "add", "carol"], "carolpw\n"),
                            (["user", "passwd", "carol"], "newpw\n"),
                            (["user", "add", "dave"], ""),
                            (["-u", "root", "user", "list"], "rootpw\n"),
                            (["-u", "carol", "user", "list"], "newpw\n"),
                            (["-u", "carol", "set", "/c", "1"], "newpw\n"),
                            (["-u", "root", "auth", "disable"], "rootpw\n")):
            if args == ["-u", "root", "user", "list"]:
                for url, _ in servers[:2]:
                    assert ctl("etcdctl", url, ["user", "add", "root:rootpw"])[0] == 0
                    assert ctl("etcdctl", url, ["auth", "enable"])[0] == 0
            want = ctl("etcdctl", servers[0][0], args, stdin)
            got = ctl(ETCDPPCTL_BIN, servers[1][0], args, stdin)
            assert got[:2] == want[:2], (args, want, got)
    finally:
        a.stop()
        b.stop()
        pp.stop()


# ---- the user of a TLS client certificate (--client-cert-auth) --------------------------------

def test_client_certificate_names_the_user_like_etcd(tmp_path):
    """With --client-cert-auth, a request without an Authorization header is the user named by
    a common name of its verified chain, leaf first (here the client certificate's "client",
    then the CA's "ca"). Same answers from etcd 3.4 and etcdpp."""
    import ssl

    from conftest import ETCD_BIN, Process, free_port
    from tls_certs import Certs

    certs = Certs(str(tmp_path / "certs"))
    ctx = ssl.create_default_context(cafile=certs.ca)
    ctx.load_cert_chain(certs.client_cert, certs.client_key)
    tls = ["--cert-file", certs.server_cert, "--key-file", certs.server_key,
           "--trusted-ca-file", certs.ca, "--client-cert-auth"]

    def https(url, method, path, body=None, headers=None):
        u = urllib.parse.urlsplit(url)
        conn = httpclient.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=10)
        try:
            h = dict(headers or {})
            if body is not None and path.startswith("/v2/keys"):
                h.update(FORM)
            conn.request(method, path, body=body.encode() if body is not None else None,
                         headers=h)
            r = conn.getresponse()
            text = r.read().decode()
            return r.status, re.sub(r'"(modifiedIndex|createdIndex|index)":\d+', r'"\1":N', text)
        finally:
            conn.close()

    steps = [
        ("PUT", "/v2/auth/users/root", '{"user":"root","password":"rootpw"}', None),
        ("PUT", "/v2/auth/roles/cnrole", '{"role":"cnrole","permissions":{"kv":{"read":["/cn/*"]}}}', None),
        ("PUT", "/v2/auth/users/client", '{"user":"client","password":"x","roles":["cnrole"]}', None),
        ("PUT", "/v2/auth/enable", None, None),
        ("GET", "/v2/keys/cn/a", None, None),
        ("PUT", "/v2/keys/cn/a", "value=1", None),
        ("GET", "/v2/keys/other", None, None),
        ("GET", "/v2/auth/users", None, None),
        ("GET", "/v2/keys/other", None, basic("client", "wrong")),  # a header wins
        ("DELETE", "/v2/auth/users/client", None, ROOT),
        ("PUT", "/v2/auth/users/ca", '{"user":"ca","password":"x","roles":["root"]}', ROOT),
        ("GET", "/v2/auth/enable", None, None),
        ("PUT", "/v2/keys/cn/a", "value=1", None),
        ("POST", "/v2/members", '{"peerURLs":["http://127.0.0.1:1"]}', None),
        ("DELETE", "/v2/auth/enable", None, None),
    ]

    port, peer = free_port(), free_port()
    url = f"https://127.0.0.1:{port}"
    etcd = Process([ETCD_BIN, "--enable-v2=true", "--name", "c0",
                    "--data-dir", str(tmp_path / "c0.etcd"),
                    "--listen-client-urls", url, "--advertise-client-urls", url,
                    "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                    "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                    "--initial-cluster", f"c0=http://127.0.0.1:{peer}"] + tls,
                   str(tmp_path / "c0.log"))
    try:
        def up():
            assert etcd.alive(), etcd.output()[-2000:]
            try:
                return https(url, "GET", "/health")[0] == 200
            except OSError:
                return False
        wait_until(up, timeout=20, what="TLS etcd member")
        want = [https(url, m, p, b, h) for m, p, b, h in steps]
    finally:
        etcd.stop()
    pp = EtcdppMember(tmp_path, name="c1", https_port=free_port(), extra=tls).start()
    try:
        got = [https(pp.https_url, m, p, b, h) for m, p, b, h in steps]
    finally:
        pp.stop()
    for step, w, g in zip(steps, want, got):
        assert g == w, f"{step}:\n etcd:   {w}\n etcdpp: {g}"
    assert want[4][0] == 404 and want[5][0] == 401 and want[12][0] == 201  # the test's premise
