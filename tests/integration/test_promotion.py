"""Promoting a proxy to a member, as etcd's documentation describes it, with both etcdctl and
etcdppctl: a member infra0 and a proxy proxy0 in front of it; `member add`; stop the proxy;
remove <data-dir>/proxy; start a member with the printed ETCD_* variables -> a two-member
cluster. Skipping a step fails fast and says which."""
import os
import shutil
import subprocess

import pytest

from conftest import (ETCDPP_BIN, ETCDPPCTL_BIN, EtcdppMember, Process, Proxy, free_port, http,
                      wait_until)


@pytest.mark.parametrize("ctl", ["etcdctl", "etcdppctl"])
def test_documented_promotion_of_a_proxy(tmp_path, ctl):
    tool = ETCDPPCTL_BIN if ctl == "etcdppctl" else "etcdctl"
    infra0 = EtcdppMember(tmp_path, "infra0").start()
    proxy = None
    promoted = None
    try:
        proxy = Proxy(tmp_path, name="proxy0",
                      initial_cluster=f"infra0={infra0.peer_url}")
        proxy.wait_listening().wait_endpoints(1)
        status, _, _ = http("PUT", proxy.url + "/v2/keys/before", "value=1")
        assert status == 201
        peer_port, client_port = free_port(), free_port()
        peer_url = f"http://127.0.0.1:{peer_port}"
        client_url = f"http://127.0.0.1:{client_port}"

        # Step 1: member add (through the proxy, as the documentation does).
        env = dict(os.environ, ETCDCTL_API="2")
        r = subprocess.run([tool, "--endpoints", proxy.url, "--no-sync", "member", "add",
                            "proxy0", peer_url], capture_output=True, text=True, timeout=30,
                           env=env)
        assert r.returncode == 0, r.stderr
        variables = dict(line.split("=", 1) for line in r.stdout.splitlines()
                         if line.startswith("ETCD_"))
        variables = {k: v.strip('"') for k, v in variables.items()}
        assert variables["ETCD_NAME"] == "proxy0"
        assert variables["ETCD_INITIAL_CLUSTER_STATE"] == "existing"

        # Step 2: stop the proxy.
        proxy.stop()
        member_env = dict(os.environ, **variables)
        args = [ETCDPP_BIN, "--listen-client-urls", client_url,
                "--advertise-client-urls", client_url, "--listen-peer-urls", peer_url,
                "--initial-advertise-peer-urls", peer_url, "--data-dir", proxy.data_dir]

        # Skipping step 3 (the proxy's data is still there) fails fast and says so.
        early = subprocess.run(args, capture_output=True, text=True, timeout=30, env=member_env)
        assert early.returncode == 1
        assert "still holds this machine's proxy state" in early.stderr + early.stdout
        assert os.path.join(proxy.data_dir, "proxy") in early.stderr + early.stdout

        # Step 3: remove the proxy's data. Step 4: start as a member with the variables.
        shutil.rmtree(os.path.join(proxy.data_dir, "proxy"))
        promoted = Process(args, str(tmp_path / "promoted.log"), env=member_env)
        wait_until(lambda: http("GET", client_url + "/health", timeout=1)[0] == 200,
                   timeout=30, what="the promoted member is healthy")
        # A two-member cluster, both voting: writes need both, and both see everything.
        status, _, body = http("GET", infra0.client_url + "/v2/members")
        names = sorted(m["name"] for m in __import__("json").loads(body)["members"])
        assert names == ["infra0", "proxy0"]
        status, _, _ = http("PUT", client_url + "/v2/keys/after", "value=2")
        assert status == 201
        for url in (client_url, infra0.client_url):
            wait_until(lambda url=url: http("GET", url + "/v2/keys/before")[0] == 200)
            assert http("GET", url + "/v2/keys/after?quorum=true")[0] == 200
        r = subprocess.run([tool, "--endpoints", infra0.client_url, "cluster-health"],
                           capture_output=True, text=True, timeout=30, env=env)
        assert r.returncode == 0 and "cluster is healthy" in r.stdout, r.stdout + r.stderr
    finally:
        if promoted:
            promoted.stop()
        if proxy:
            proxy.stop()
        infra0.stop()
