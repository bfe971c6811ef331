"""--discovery-srv: members and proxies bootstrapped from DNS SRV records, served by dnsmasq in
namespaces the test creates (netns.py). Needs root.

etcd 3.4.23 cannot be the oracle here: it only uses _etcd-server-ssl records (https) and fails
when there are none (a bug fixed in later etcd; etcdpp does what etcd's documentation says).
"""
import json
import os

import pytest

from conftest import ETCDPP_BIN
from netns import require_namespaces, run_in_namespaces
from tls_certs import Certs

RECORDS = [
    "--srv-host=_etcd-server._tcp.example.com,infra0.example.com,12380",
    "--srv-host=_etcd-server._tcp.example.com,infra1.example.com,22380",
    "--srv-host=_etcd-server._tcp.example.com,infra2.example.com,32380",
    "--srv-host=_etcd-server-ssl._tcp.tls.example.com,infra0.example.com,42380",
    "--srv-host=_etcd-server-ssl._tcp.tls.example.com,infra1.example.com,43380",
    "--srv-host=_etcd-server-ssl._tcp.mismatch.example.com,infra0.example.com,44380",
    "--srv-host=_etcd-server-blue._tcp.blue.example.com,infra0.example.com,52380",
    "--host-record=infra0.example.com,127.0.0.1",
    "--host-record=infra1.example.com,127.0.0.1",
    "--host-record=infra2.example.com,127.0.0.1",
]

SCRIPT = r"""
# infra0 and infra2 advertise the names the records give, infra1 an IP address of its name.
for i in 0 1 2; do
  p=$((i + 1))
  adv=http://infra$i.example.com:${p}2380
  [ $i = 1 ] && adv=http://127.0.0.1:${p}2380
  "$ETCDPP" --name infra$i --data-dir "$TMP/infra$i" --discovery-srv example.com \
    --initial-cluster-token srv-test --initial-advertise-peer-urls $adv \
    --listen-peer-urls http://127.0.0.1:${p}2380 --listen-client-urls http://127.0.0.1:${p}2379 \
    --advertise-client-urls http://infra$i.example.com:${p}2379 > "$TMP/infra$i.log" 2>&1 &
done
for port in 12379 22379 32379; do wait_http http://127.0.0.1:$port/health true; done
for i in $(seq 100); do
  [ "$(curl -s --max-time 1 http://127.0.0.1:12379/v2/members | grep -o '"clientURLs":."http' | wc -l)" = 3 ] && break
  sleep 0.1
done
for port in 12379 22379 32379; do
  echo "@@@ members $port"
  curl -s --max-time 2 -D - http://127.0.0.1:$port/v2/members | tr -d '\r' | grep -E '^X-Etcd-Cluster-Id|^\{'
done
echo "@@@ bootstrap log"
grep -h "got bootstrap from DNS" "$TMP/infra0.log"

"$ETCDPP" --proxy on --data-dir "$TMP/proxy" --discovery-srv example.com \
  --listen-client-urls http://127.0.0.1:2379 > "$TMP/proxy.log" 2>&1 &
wait_http http://127.0.0.1:2379/v2/machines infra
echo "@@@ write through the proxy"
curl -s --max-time 5 -XPUT http://127.0.0.1:2379/v2/keys/srv -d value=found
echo
echo "@@@ read from another member"
wait_http http://127.0.0.1:32379/v2/keys/srv found
curl -s --max-time 2 http://127.0.0.1:32379/v2/keys/srv

member() {  # member <name> <domain> <port> [flags...]: a member that should not start
  local name=$1 domain=$2 port=$3; shift 3
  timeout 20 "$ETCDPP" --name $name --data-dir "$TMP/$name" --discovery-srv $domain \
    --initial-advertise-peer-urls http://127.0.0.1:$port --listen-peer-urls http://127.0.0.1:$port \
    --listen-client-urls http://127.0.0.1:$((port-1)) \
    --advertise-client-urls http://127.0.0.1:$((port-1)) "$@" > "$TMP/$name.log" 2>&1
  echo "@@@ rc=$?"
  grep -E " E \| " "$TMP/$name.log"
}
echo "@@@ stranger"
member stranger example.com 62380
echo "@@@ no records"
member lonely nothere.example.com 62390
# Two members from the _etcd-server-ssl records: TLS between them, peer certificates required.
for i in 0 1; do
  port=$((42380 + 1000 * i))
  "$ETCDPP" --name tls$i --data-dir "$TMP/tls$i" --discovery-srv tls.example.com \
    --initial-advertise-peer-urls https://infra$i.example.com:$port \
    --listen-peer-urls https://127.0.0.1:$port --listen-client-urls http://127.0.0.1:$((port - 1)) \
    --advertise-client-urls http://127.0.0.1:$((port - 1)) --peer-cert-file "$PEER_CERT" \
    --peer-key-file "$PEER_KEY" --peer-trusted-ca-file "$CA" --peer-client-cert-auth \
    > "$TMP/tls$i.log" 2>&1 &
done
for port in 42379 43379; do wait_http http://127.0.0.1:$port/health true; done
"$ETCDPP" --proxy on --data-dir "$TMP/tls-proxy" --discovery-srv tls.example.com \
  --listen-client-urls http://127.0.0.1:2479 --peer-cert-file "$PEER_CERT" \
  --peer-key-file "$PEER_KEY" --peer-trusted-ca-file "$CA" > "$TMP/tls-proxy.log" 2>&1 &
wait_http http://127.0.0.1:2479/v2/machines 127.0.0.1
echo "@@@ https records"
curl -s --max-time 5 -XPUT http://127.0.0.1:2479/v2/keys/tls -d value=secure
echo
wait_http http://127.0.0.1:43379/v2/keys/tls secure
curl -s --max-time 2 http://127.0.0.1:42379/v2/members
echo "@@@ scheme mismatch"
member mismatch mismatch.example.com 44380
echo "@@@ srv name"
"$ETCDPP" --name blue0 --data-dir "$TMP/blue0" --discovery-srv blue.example.com \
  --discovery-srv-name blue --initial-advertise-peer-urls http://infra0.example.com:52380 \
  --listen-peer-urls http://127.0.0.1:52380 --listen-client-urls http://127.0.0.1:52379 \
  --advertise-client-urls http://127.0.0.1:52379 > "$TMP/blue0.log" 2>&1 &
wait_http http://127.0.0.1:52379/health true
curl -s --max-time 2 http://127.0.0.1:52379/v2/members
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    require_namespaces()
    certs = Certs(str(tmp_path_factory.mktemp("certs")))
    peer_cert, peer_key = certs.server_for(
        "peers", "DNS:infra0.example.com,DNS:infra1.example.com,IP:127.0.0.1")
    return run_in_namespaces(SCRIPT, tmp_path_factory.mktemp("srv"), RECORDS,
                             env={"ETCDPP": os.path.abspath(ETCDPP_BIN), "CA": certs.ca,
                                  "PEER_CERT": peer_cert, "PEER_KEY": peer_key})


def members_of(text):
    lines = text.splitlines()
    cluster_id = next(line.split(": ")[1] for line in lines if line.startswith("X-Etcd-Cluster-Id"))
    body = json.loads(next(line for line in lines if line.startswith("{")))
    return cluster_id, sorted((m["id"], m["name"], tuple(m["peerURLs"]), tuple(m["clientURLs"]))
                              for m in body["members"])


def test_members_from_records_form_one_cluster(out):
    views = [members_of(out[f"members {port}"]) for port in (12379, 22379, 32379)]
    # The same cluster id and members (ids, names, URLs) seen from every member: each derived
    # the ids from the records' spelling of the URLs, the one advertising an IP included.
    assert views[0] == views[1] == views[2]
    _, members = views[0]
    assert sorted((name, peers, clients) for _, name, peers, clients in members) == [
        ("infra0", ("http://infra0.example.com:12380",), ("http://infra0.example.com:12379",)),
        ("infra1", ("http://infra1.example.com:22380",), ("http://infra1.example.com:22379",)),
        ("infra2", ("http://infra2.example.com:32380",), ("http://infra2.example.com:32379",)),
    ]


def test_bootstrap_is_logged_as_etcd_logs_it(out):
    lines = out["bootstrap log"]
    for entry in ("infra0=http://infra0.example.com:12380", "=http://infra1.example.com:22380",
                  "=http://infra2.example.com:32380"):
        assert "got bootstrap from DNS for etcd-server at " in lines and entry in lines


def test_members_and_proxy_from_https_records_speak_tls(out):
    # Two members bootstrapped from _etcd-server-ssl records, TLS between them with peer
    # certificates required, and a proxy that found them the same way: a write through the
    # proxy is read on the other member, and the members list the records' https URLs.
    lines = [line for line in out["https records"].splitlines() if line.strip()]
    assert json.loads(lines[0])["node"]["value"] == "secure"
    members = json.loads(lines[1])["members"]
    assert sorted(m["peerURLs"][0] for m in members) == [
        "https://infra0.example.com:42380", "https://infra1.example.com:43380"]


def test_proxy_finds_the_cluster_through_the_records(out):
    assert json.loads(out["write through the proxy"])["node"]["value"] == "found"
    assert json.loads(out["read from another member"])["node"]["value"] == "found"


@pytest.mark.parametrize("case, message", [
    # A member the records do not name.
    ("stranger", 'cannot find local etcd member "stranger" in SRV records'),
    # Neither record set exists: both lookups named.
    ("no records",
     "error setting up initial cluster: error querying DNS SRV records for _etcd-server-ssl "
     "lookup _etcd-server-ssl._tcp.nothere.example.com on 127.0.0.1:53: no such host; error "
     "querying DNS SRV records for _etcd-server lookup _etcd-server._tcp.nothere.example.com on "
     "127.0.0.1:53: no such host"),
    # This member's own address in the https records while it advertises http.
    ("scheme mismatch",
     "error querying DNS SRV records for _etcd-server-ssl bootstrap at "
     "https://infra0.example.com:44380 from DNS for etcd-server-ssl has scheme mismatch with "
     "expected peer http://127.0.0.1:44380"),
])
def test_member_that_cannot_use_the_records_exits_1(out, case, message):
    assert out[case].startswith("@@@ rc=1\n"), out[case]
    assert message in out[case]


def test_srv_name_suffix(out):
    body = json.loads(out["srv name"])
    assert [(m["name"], m["peerURLs"]) for m in body["members"]] == [
        ("blue0", ["http://infra0.example.com:52380"])]
