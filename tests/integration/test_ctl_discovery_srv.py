"""etcdppctl --discovery-srv against etcdctl (ETCDCTL_API=2) with real DNS SRV records, served
by dnsmasq in namespaces the test creates (netns.py). Needs root.
"""
import os
import re

import pytest

from conftest import ETCD_BIN, ETCDPPCTL_BIN
from netns import require_namespaces, run_in_namespaces
from tls_certs import Certs

# dnsmasq answers for example.com itself (NXDOMAIN for unknown names there) and refuses
# every other domain (other.com): the two failures etcdctl names differently.
RECORDS = [
    "--srv-host=_etcd-client._tcp.example.com,infra0.example.com,12379",
    "--srv-host=_etcd-client._tcp.both.example.com,infra0.example.com,12379",
    "--srv-host=_etcd-client-ssl._tcp.both.example.com,infra0.example.com,12399",
    "--host-record=infra0.example.com,127.0.0.1",
]

SCRIPT = r"""
"$ETCD" --enable-v2=true --name infra0 --data-dir "$TMP/m" \
  --listen-client-urls http://127.0.0.1:12379 --advertise-client-urls http://infra0.example.com:12379 \
  --listen-peer-urls http://127.0.0.1:12380 --initial-advertise-peer-urls http://127.0.0.1:12380 \
  --initial-cluster infra0=http://127.0.0.1:12380 > "$TMP/m.log" 2>&1 &
wait_http http://127.0.0.1:12379/health true
curl -s --max-time 2 -XPUT http://127.0.0.1:12379/v2/keys/a -d value=1 > /dev/null
# A member that speaks only https, with a certificate for the SRV domain (not the host).
"$ETCD" --enable-v2=true --name tls0 --data-dir "$TMP/t" \
  --listen-client-urls https://127.0.0.1:12399 --advertise-client-urls https://infra0.example.com:12399 \
  --listen-peer-urls http://127.0.0.1:12398 --initial-advertise-peer-urls http://127.0.0.1:12398 \
  --initial-cluster tls0=http://127.0.0.1:12398 --cert-file "$DOMAIN_CERT" --key-file "$DOMAIN_KEY" \
  > "$TMP/t.log" 2>&1 &
for i in $(seq 100); do
  curl -sk --max-time 1 -XPUT https://127.0.0.1:12399/v2/keys/a -d value=tls > /dev/null && break
  sleep 0.1
done
export ETCDCTL_API=2
run() {  # run <case> <command...>: both tools, output and exit code, one case each
  local name=$1; shift
  for tool in etcdctl "$CTL"; do
    echo "@@@ $name $(basename $tool)"
    "${@/TOOL/$tool}" 2>&1
    echo "@@@ rc=$?"
  done
}
run insecure_ignored TOOL --discovery-srv example.com get /a
run insecure_accepted TOOL --discovery-srv example.com --insecure-discovery get /a
run short_flag_debug TOOL --debug -D example.com --insecure-discovery get /a
run inline_value TOOL --discovery-srv=example.com --insecure-discovery member list
run no_such_host TOOL --discovery-srv nothere.example.com get /a
run server_misbehaving TOOL --discovery-srv other.com get /a
run environment env ETCDCTL_DISCOVERY_SRV=example.com ETCDCTL_INSECURE_DISCOVERY=1 TOOL get /a
run fallback_to_endpoints TOOL --discovery-srv example.com --endpoints http://127.0.0.1:12379 get /a
run secure_kept TOOL --discovery-srv both.example.com --no-sync --debug --ca-file "$CA" get /a
run secure_unknown_authority TOOL --discovery-srv both.example.com --no-sync get /a
run host_not_in_certificate TOOL --endpoints https://infra0.example.com:12399 --no-sync --ca-file "$CA" get /a
"""


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    require_namespaces()
    certs = Certs(str(tmp_path_factory.mktemp("certs")))
    domain_cert, domain_key = certs.server_for("both", "DNS:both.example.com")
    out = run_in_namespaces(SCRIPT, tmp_path_factory.mktemp("srv"), RECORDS,
                            env={"ETCD": ETCD_BIN, "CTL": os.path.abspath(ETCDPPCTL_BIN),
                                 "CA": certs.ca, "DOMAIN_CERT": domain_cert,
                                 "DOMAIN_KEY": domain_key})
    return {(name.split()[0], "etcdpp" if name.split()[1] == "etcdppctl" else "etcd"): text
            for name, text in out.items()}


@pytest.mark.parametrize("case", [
    "insecure_ignored", "insecure_accepted", "short_flag_debug", "inline_value", "no_such_host",
    "server_misbehaving", "environment", "fallback_to_endpoints", "secure_kept",
    "secure_unknown_authority", "host_not_in_certificate"])
def test_same_output_as_etcdctl(cases, case):
    assert same_order(cases[(case, "etcdpp")]) == same_order(cases[(case, "etcd")])


def same_order(text):
    """Both tools try their endpoints in a random order (the default pair, in the fallback
    case): their errors are compared as a set."""
    text = text.replace("misconfigured; ", "misconfigured\n")
    text = re.sub(r"error #\d+: ", "error #N: ", text)
    return sorted(line.lstrip("; ") for line in text.splitlines())


def test_what_the_cases_show(cases):
    # Guards against both tools failing the same way for an unrelated reason.
    assert 'ignoring discovered insecure endpoint "http://infra0.example.com.:12379"' in \
        cases[("insecure_ignored", "etcdpp")]
    assert cases[("insecure_accepted", "etcdpp")] == "1\n@@@ rc=0\n"
    assert "start to sync cluster using endpoints(http://infra0.example.com.:12379)" in \
        cases[("short_flag_debug", "etcdpp")]
    assert "name=infra0" in cases[("inline_value", "etcdpp")]
    assert cases[("no_such_host", "etcdpp")] == (
        "dns lookup errors: lookup _etcd-client-ssl._tcp.nothere.example.com on 127.0.0.1:53: "
        "no such host and lookup _etcd-client._tcp.nothere.example.com on 127.0.0.1:53: "
        "no such host\n@@@ rc=1\n")
    assert "server misbehaving" in cases[("server_misbehaving", "etcdpp")]
    assert cases[("environment", "etcdpp")] == "1\n@@@ rc=0\n"
    assert cases[("fallback_to_endpoints", "etcdpp")].endswith("1\n@@@ rc=0\n")


def test_secure_records_kept_without_insecure_discovery(cases):
    # The https record is kept and the http one dropped, as etcdctl does, and the https
    # member's certificate is checked for the SRV domain (it names no host).
    out = cases[("secure_kept", "etcdpp")]
    assert 'ignoring discovered insecure endpoint "http://infra0.example.com.:12379"' in out
    assert "Cluster-Endpoints: https://infra0.example.com.:12399" in out
    assert out.endswith("tls\n@@@ rc=0\n"), out
    assert "x509: certificate signed by unknown authority" in \
        cases[("secure_unknown_authority", "etcdpp")]
    assert "x509: certificate is valid for both.example.com, not infra0.example.com" in \
        cases[("host_not_in_certificate", "etcdpp")]
