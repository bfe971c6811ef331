"""Raft clustering, process level: etcdpp clusters of 3 and 5 members on 127.0.0.1.

Elections, replication, followers forwarding writes, kill -9 of the leader under write load
(no acknowledged write lost, every member converges), runtime membership (add and remove under
load, joining by snapshot), refusal of peers from other clusters, graceful leader hand-over,
and etcd's and etcdpp's proxies in front while members die.
"""
import json
import os
import random
import subprocess
import threading
import time

from conftest import (ETCDPP_BIN, EtcdppCluster, EtcdppMember, Proxy, Process, free_port,
                      http, wait_until, check_clean_exit)

ETCD_BIN = "/usr/bin/etcd"


def put(url, key, value, timeout=5):
    return http("PUT", f"{url}/v2/keys{key}", f"value={value}", timeout=timeout)


class Writers:
    """Threads writing unique keys to the running members; records what was acknowledged."""

    def __init__(self, cluster, threads=4, prefix="/load"):
        self.cluster = cluster
        self.prefix = prefix
        self.acked = {}
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(threads)]
        self.errors = 0

    def run(self, n):
        i = 0
        rng = random.Random(n)
        deadline = time.monotonic() + 120  # bounded even if stop() is never called
        while not self.stop_flag.is_set() and time.monotonic() < deadline:
            members = self.cluster.running()
            if not members:
                time.sleep(0.05)
                continue
            m = rng.choice(members)
            key = f"{self.prefix}/w{n}-{i}"
            try:
                status, _, _ = put(m.client_url, key, f"v{i}", timeout=3)
            except Exception:  # noqa: BLE001 - connection refused while a member is down
                status = 0
            if status in (200, 201):
                with self.lock:
                    self.acked[key] = f"v{i}"
            else:
                self.errors += 1
                time.sleep(0.02)
            i += 1

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            if t.ident is not None:  # started
                t.join(timeout=30)


def test_three_members_elect_replicate_and_forward(tmp_path):
    c = EtcdppCluster(tmp_path, 3).start()
    try:
        leader = c.wait_leader()
        followers = [m for m in c.members if m is not leader]
        states = sorted(m.stats_self()["state"] for m in c.members)
        assert states == ["StateFollower", "StateFollower", "StateLeader"]
        # A follower forwards the write to the leader and answers once it is applied.
        status, headers, body = put(followers[0].client_url, "/a", "1")
        assert status == 201, body
        index = int(headers["x-etcd-index"])
        for m in c.members:
            # Plain reads are local: wait for each member to apply it.
            wait_until(lambda m=m: http("GET", m.client_url + "/v2/keys/a")[0] == 200)
            status, headers, body = http("GET", m.client_url + "/v2/keys/a?quorum=true")
            assert status == 200 and json.loads(body)["node"]["value"] == "1"
            assert int(headers["x-etcd-index"]) >= index
            assert headers["x-etcd-cluster-id"] == headers["x-etcd-cluster-id"].lower()
        # Stats: the leader reports its followers; followers refuse as etcd does.
        status, _, body = http("GET", leader.client_url + "/v2/stats/leader")
        assert status == 200
        stats = json.loads(body)
        ids = c.member_ids()
        assert set(stats["followers"]) == {ids[m.name] for m in followers}
        status, _, body = http("GET", followers[0].client_url + "/v2/stats/leader")
        assert (status, body) == (403, '{"message":"not current leader"}')
        status, _, body = http("GET", followers[1].client_url + "/v2/members/leader")
        assert status == 200 and json.loads(body)["name"] == leader.name
        # Every member lists the same members, with the names and client URLs they published.
        lists = [json.loads(http("GET", m.client_url + "/v2/members")[2]) for m in c.members]
        assert all(x == lists[0] for x in lists)
        assert sorted(x["name"] for x in lists[0]["members"]) == ["pp0", "pp1", "pp2"]
    finally:
        c.stop()


def test_member_ids_match_etcd_for_the_same_flags(tmp_path):
    os.makedirs(tmp_path / "pp")
    c = EtcdppCluster(tmp_path / "pp", 3).start()
    try:
        ours = c.member_ids()
        status, headers, _ = http("GET", c.members[0].client_url + "/v2/members")
        cluster_id = headers["x-etcd-cluster-id"]
    finally:
        c.stop()
    # The same names, peer URLs and token on real etcd give the same ids.
    procs = []
    try:
        for m in c.members:
            client = free_port()
            procs.append(Process([ETCD_BIN, "--enable-v2=true", "--name", m.name,
                                  "--data-dir", str(tmp_path / f"{m.name}.etcd"),
                                  "--listen-client-urls", f"http://127.0.0.1:{client}",
                                  "--advertise-client-urls", f"http://127.0.0.1:{client}",
                                  "--listen-peer-urls", m.peer_url,
                                  "--initial-advertise-peer-urls", m.peer_url,
                                  "--initial-cluster", c.initial_cluster],
                                 str(tmp_path / f"{m.name}-etcd.log")))
            m.etcd_client = f"http://127.0.0.1:{client}"
        status, headers, body = wait_until(
            lambda: (lambda r: r if r[0] == 200 else None)(
                http("GET", c.members[0].etcd_client + "/v2/members", timeout=2)),
            timeout=20, what="etcd cluster up")
        theirs = {x["name"]: x["id"] for x in json.loads(body)["members"]}
        assert theirs == ours
        assert headers["x-etcd-cluster-id"] == cluster_id
    finally:
        for p in procs:
            p.stop()


def test_kill_leader_under_write_load_loses_no_acknowledged_write(tmp_path):
    c = EtcdppCluster(tmp_path, 3).start()
    writers = Writers(c)
    try:
        writers.start()
        time.sleep(1.5)
        leader = c.wait_leader()
        term_before = leader.stats_self()
        leader.kill9()
        # Election timeout 500 ms here: a new leader is due within a few of them; the bound is
        # generous so that a loaded machine does not fail the test (timings go to bench/).
        new_leader = wait_until(lambda: (lambda l: l if l and l is not leader else None)(c.leader()),
                                timeout=15, interval=0.02, what="a new leader")
        assert new_leader is not leader and term_before
        time.sleep(1.5)
        before_restart = len(writers.acked)
        leader.start()
        time.sleep(1.0)
        writers.stop()
        assert before_restart > 50, writers.acked
        space = c.wait_converged("/load")
        with writers.lock:
            acked = dict(writers.acked)
        missing = {k: v for k, v in acked.items() if space.get(k) != v}
        assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {list(missing)[:5]}"
    finally:
        writers.stop()
        c.stop()


def test_five_members_survive_two_failures(tmp_path):
    c = EtcdppCluster(tmp_path, 5).start()
    try:
        leader = c.wait_leader()
        others = [m for m in c.members if m is not leader]
        leader.kill9()
        others[0].kill9()
        survivor = others[1]
        status, _, body = wait_until(
            lambda: (lambda r: r if r[0] in (200, 201) else None)(put(survivor.client_url, "/x", "5")),
            timeout=15, interval=0.2, what="a write with two members down")
        status, _, body = http("GET", others[2].client_url + "/v2/keys/x?quorum=true")
        assert status == 200 and json.loads(body)["node"]["value"] == "5"
        # A third failure loses the quorum: writes time out instead of being acknowledged.
        others[3].kill9()
        status, _, body = put(survivor.client_url, "/y", "6", timeout=15)
        assert status == 500, (status, body)
        assert json.loads(body)["errorCode"] == 300
        leader.start(wait=False)
        status, _, body = wait_until(
            lambda: (lambda r: r if r[0] in (200, 201) else None)(put(survivor.client_url, "/z", "7")),
            timeout=20, interval=0.2, what="writes again once a quorum is back")
    finally:
        c.stop()


def test_add_and_remove_members_under_load(tmp_path):
    c = EtcdppCluster(tmp_path, 3, extra=["--experimental-snapshot-catchup-entries", "50"]).start()
    writers = Writers(c, threads=3)
    try:
        writers.start()
        time.sleep(1.0)
        # etcdctl prints what the new member needs, exactly as against etcd.
        env = dict(os.environ, ETCDCTL_API="2")
        new = EtcdppMember(c.tmp, "pp3", extra=EtcdppCluster.TIMING + c.extra)
        r = subprocess.run(["etcdctl", "--endpoints", c.members[0].client_url, "member", "add",
                            "pp3", new.peer_url], capture_output=True, text=True, timeout=30,
                           env=env)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.strip().splitlines()
        assert lines[0].startswith("Added member named pp3 with ID ")
        assert lines[-3] == 'ETCD_NAME="pp3"'
        assert lines[-1] == 'ETCD_INITIAL_CLUSTER_STATE="existing"'
        initial = lines[-2].split('"')[1]
        assert f"pp3={new.peer_url}" in initial.split(",")
        # Start it with those variables, as the documentation says.
        new.initial_cluster = initial
        new.state = "existing"
        new.start()
        c.members.append(new)
        # It caught up by snapshot (the others keep only 50 entries for followers).
        time.sleep(1.0)
        assert "installed a snapshot from the leader" in new.process.output()
        # Remove one of the original members while the load goes on: it stops by itself.
        victim = c.members[1]
        c.remove_member(victim)
        assert victim.process.proc.returncode == 1
        assert "permanently removed from the cluster" in victim.process.output()
        time.sleep(1.0)
        writers.stop()
        assert sorted(c.member_ids()) == sorted(m.name for m in c.members)
        space = c.wait_converged("/load")
        with writers.lock:
            acked = dict(writers.acked)
        assert all(space.get(k) == v for k, v in acked.items())
        # The removed member cannot come back with its old data.
        victim.start(wait=False)
        wait_until(lambda: not victim.process.alive(), timeout=15, what="removed member refused")
        last = victim.process.output().strip().splitlines()[-1]
        assert "removed from the cluster" in last, last
    finally:
        writers.stop()
        c.stop()


def test_member_not_added_first_fails_fast_with_the_missing_step(tmp_path):
    c = EtcdppCluster(tmp_path, 1).start()
    try:
        stray = EtcdppMember(tmp_path, "stray", extra=EtcdppCluster.TIMING)
        stray.initial_cluster = f"{c.members[0].name}={c.members[0].peer_url},stray={stray.peer_url}"
        stray.state = "existing"
        stray.start(wait=False)
        wait_until(lambda: not stray.process.alive(), timeout=15, what="stray member exits")
        assert stray.process.proc.returncode == 1
        out = stray.process.output()
        assert "are not in the member list" in out and "add it first" in out, out[-2000:]
    finally:
        c.stop()


def test_raft_messages_from_another_cluster_are_refused(tmp_path):
    c = EtcdppCluster(tmp_path, 1).start()
    try:
        m = c.members[0]
        status, _, body = http("POST", m.peer_url + "/raft", b"",
                               headers={"X-Etcd-Cluster-ID": "1234", "X-Server-From": "5",
                                        "Content-Type": "application/protobuf"})
        assert (status, body) == (412, "cluster ID mismatch\n")
        cid = http("GET", m.client_url + "/v2/members")[1]["x-etcd-cluster-id"]
        status, _, body = http("POST", m.peer_url + "/raft", b"\xff\xff",
                               headers={"X-Etcd-Cluster-ID": cid, "X-Server-From": "5",
                                        "Content-Type": "application/protobuf"})
        assert status == 400
        status, _, _ = http("GET", m.peer_url + "/raft")
        assert status == 405
        assert m.process.alive()
    finally:
        c.stop()


def test_graceful_stop_of_the_leader_hands_over(tmp_path):
    # Default timeouts (election 1 s) so that a hand-over is clearly faster than an election.
    c = EtcdppCluster(tmp_path, 3)
    for m in c.members:
        m.extra = []
    c.start()
    try:
        leader = c.wait_leader()
        leader.process.stop()
        check_clean_exit(leader.process, 0)
        assert "transferring leadership" in leader.process.output()
        # The new leader was elected by the transfer, not after an election timeout.
        new = wait_until(c.leader, timeout=5, interval=0.02, what="new leader")
        status, _, _ = put(new.client_url, "/after", "1")
        assert status == 201
    finally:
        c.stop()


def test_restart_ignores_initial_cluster_flags(tmp_path):
    c = EtcdppCluster(tmp_path, 3).start()
    try:
        put(c.members[0].client_url, "/keep", "1")
        m = c.members[2]
        m.stop()
        # The data dir exists: a different --initial-cluster is ignored, as in etcd.
        m.initial_cluster = "nonsense=http://127.0.0.1:1"
        m.start()
        wait_until(lambda: http("GET", m.client_url + "/v2/keys/keep")[0] == 200, timeout=10)
    finally:
        c.stop()


def test_proxies_in_front_keep_working_while_members_die(tmp_path):
    c = EtcdppCluster(tmp_path, 3).start()
    ours = etcd_proxy = None
    try:
        os.makedirs(tmp_path / "pp-proxy")
        ours = Proxy(tmp_path / "pp-proxy", name="ppproxy", initial_cluster=c.initial_cluster,
                     extra=["--proxy-refresh-interval", "1000", "--proxy-failure-wait", "500"])
        os.makedirs(tmp_path / "etcd-proxy")
        etcd_proxy_port = free_port()
        etcd_proxy = Process([ETCD_BIN, "--proxy", "on", "--enable-v2=true",
                              "--listen-client-urls", f"http://127.0.0.1:{etcd_proxy_port}",
                              "--initial-cluster", c.initial_cluster,
                              "--data-dir", str(tmp_path / "etcd-proxy" / "data"),
                              "--proxy-refresh-interval", "1000", "--proxy-failure-wait", "500"],
                             str(tmp_path / "etcd-proxy.log"))
        ours.wait_listening().wait_endpoints(3)
        urls = [ours.url, f"http://127.0.0.1:{etcd_proxy_port}"]
        wait_until(lambda: http("GET", urls[1] + "/v2/keys/", timeout=2)[0] == 200, timeout=20,
                   what="etcd's proxy up")
        for i, url in enumerate(urls):
            status, _, body = put(url, f"/via{i}", "x")
            assert status == 201, body
        c.wait_leader().kill9()
        # Both proxies fail over: writes and reads succeed within a bounded number of tries.
        for i, url in enumerate(urls):
            def write_ok(url=url, i=i):
                return put(url, f"/after{i}", "y", timeout=3)[0] in (200, 201)
            wait_until(write_ok, timeout=20, interval=0.2, what=f"write through proxy {i}")
            status, _, body = http("GET", url + f"/v2/keys/after{i}?quorum=true")
            assert status == 200, body
    finally:
        if etcd_proxy:
            etcd_proxy.stop()
        if ours:
            ours.stop()
        c.stop()


def test_force_new_cluster_restores_from_one_member(tmp_path, started):
    """etcd's disaster recovery: the other members are lost; one member's data dir restarted
    with --force-new-cluster becomes a single-member cluster with all committed data (same
    cluster id), takes writes, grows again with member add, and restarts normally."""
    c = started(EtcdppCluster(tmp_path, 3).start())
    leader = c.wait_leader()
    for i in range(20):
        assert http("PUT", leader.client_url + f"/v2/keys/k{i}", f"value=v{i}")[0] == 201
    c.wait_converged()
    cluster_id = http("GET", leader.client_url + "/v2/keys/k0")[1]["x-etcd-cluster-id"]
    survivor = c.members[0]
    for m in c.members:
        m.kill9()  # the whole cluster is down; only survivor's data dir is used again
    survivor.extra.append("--force-new-cluster")
    survivor.start()
    out = survivor.process.output()
    assert "forcing restart of member" in out and "removed 2 other member(s)" in out, out[-2000:]
    status, headers, body = http("GET", survivor.client_url + "/v2/members")
    assert [m["name"] for m in json.loads(body)["members"]] == [survivor.name]
    assert http("GET", survivor.client_url + "/v2/keys/k19")[2].find('"value":"v19"') > 0
    status, headers, _ = http("PUT", survivor.client_url + "/v2/keys/after", "value=1")
    assert status == 201 and headers["x-etcd-cluster-id"] == cluster_id
    # Grows again the usual way.
    c.members = [survivor]
    survivor.extra.remove("--force-new-cluster")
    joined = c.add_member("pp9")
    c.wait_converged()
    assert http("GET", joined.client_url + "/v2/keys/after?quorum=true")[0] == 200
    # A normal restart keeps the new membership (the flag only acts once it is given).
    survivor.stop()
    survivor.start(wait=False)
    c.wait_leader()
    status, _, body = http("GET", joined.client_url + "/v2/members")
    assert sorted(m["name"] for m in json.loads(body)["members"]) == [survivor.name, "pp9"]
