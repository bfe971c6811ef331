"""Randomised differential tests: random sequences of v2 keys requests (random keys, methods,
parameters — valid and invalid —, query or form bodies, content types) sent to etcd 3.4 and to
etcdpp; every answer must match after the normalisation of test_member_differential. Members
are compared directly, and proxies each in front of its own etcd member (etcd's proxy and
etcdpp's): the proxies' own answers (redirects, OPTIONS) and everything they relay.

Fixed seeds, so a failure reproduces; indexes the sequences write into their own requests
(prevIndex=<n>) or that appear in a Location or a compare-failed cause are absolute and differ
between the servers, so they are masked. No watches on future indexes (they would just wait).
"""
import random
import re
from urllib.parse import quote

import pytest

from conftest import ETCD_BIN, EtcdCluster, Proxy
from test_member_differential import http, normalise, store_index

SEEDS = range(1, 11)
SEQUENCES_PER_SEED = 100
FORM = "application/x-www-form-urlencoded"


class Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def key(self):
        rng = self.rng
        parts = [rng.choice(["a", "b", "_h", "c%2Fd", "e"]) for _ in range(rng.randint(0, 3))]
        path = "/".join(parts)
        if rng.random() < 0.1:
            path += "/"
        if rng.random() < 0.05:
            path = "/" + path  # a double slash: redirected
        return path

    def params(self, method):
        rng = self.rng
        p = []

        def maybe(probability, name, values):
            if rng.random() < probability:
                p.append((name, rng.choice(values)))
        maybe(0.4, "value", ["", "1", "x", "v v", "%E2%82%AC", "a%26b", "ünï"])
        maybe(0.2, "dir", ["true", "false", "1", "yes", ""])
        maybe(0.2, "recursive", ["true", "false", "1", "x"])
        maybe(0.15, "sorted", ["true", "false", "t"])
        maybe(0.2, "prevExist", ["true", "false", "x", ""])
        maybe(0.15, "prevValue", ["", "1", "x", "nope"])
        maybe(0.15, "prevIndex", ["0", "-1", "x", "", "+1", "+2", "+5", "99999999"])
        maybe(0.15, "ttl", ["", "100", "-1", "x", "1.5", "99999999999999999999"])
        maybe(0.08, "refresh", ["true", "false", "x"])
        maybe(0.05, "quorum", ["true", "x"])
        maybe(0.05, "waitIndex", ["x", "-1", "0"])
        return p

    def sequence(self):
        rng = self.rng
        steps = []
        for _ in range(rng.randint(1, 8)):
            method = rng.choice(["GET", "GET", "PUT", "PUT", "PUT", "POST", "DELETE", "HEAD",
                                 "PATCH", "OPTIONS"])
            in_body = method in ("PUT", "POST") and rng.random() < 0.6
            ctype = rng.choice([FORM] * 4 + ["", "text/plain", FORM + "; charset=utf-8",
                                             "application/json"])
            steps.append((method, self.key(), self.params(method), in_body, ctype))
        return steps


def encode(params, base):
    out = []
    for name, value in params:
        if value.startswith("+"):
            value = str(base + int(value[1:]))  # an index this sequence wrote
        out.append(f"{name}={value if '%' in value else quote(value, safe='')}")
    return "&".join(out)


def run(url, prefix, steps):
    base = store_index(url)
    results = []
    for method, key, params, in_body, ctype in steps:
        path = f"/v2/keys/{prefix}/{key}" if key else f"/v2/keys/{prefix}"
        query = encode(params, base)
        body = query if in_body else None
        if query and not in_body:
            path += "?" + query
        headers = {"Content-Type": ctype} if body is not None and ctype else {}
        status, h, text = http(method, url + path, body, headers=headers, timeout=10)
        results.append(normalise(base, status, h, text))
    return results


def masked(result):
    text = repr(result)
    text = re.sub(r"Index=\d+", "Index=N", text)          # absolute indexes in a Location
    text = re.sub(r"\[\d+ != ", "[N != ", text)           # and in a compare-failed cause
    return text.replace("'zero'", "'pre'")


def compare(seed, sequences, etcd_url, etcdpp_url):
    gen = Generator(seed)
    for i in range(sequences):
        steps = gen.sequence()
        prefix = f"rnd{seed}x{i}"
        want = run(etcd_url, prefix, steps)
        got = run(etcdpp_url, prefix, steps)
        for n, (w, g) in enumerate(zip(want, got)):
            assert masked(g) == masked(w), (
                f"sequence {i} step {n} {steps[n]}:\n etcd:   {w}\n etcdpp: {g}")


@pytest.mark.parametrize("seed", SEEDS)
def test_random_sequences_same_as_etcd(etcd1, etcdpp1, seed):
    compare(seed, SEQUENCES_PER_SEED, etcd1.client_url, etcdpp1.client_url)


@pytest.fixture(scope="module")
def proxies(tmp_path_factory):
    """etcd's proxy and etcdpp's, each in front of its own single etcd member."""
    tmp = tmp_path_factory.mktemp("proxies")
    things = []
    try:
        for name, binary in (("etcd-proxy", ETCD_BIN), ("etcdpp-proxy", None)):
            cluster = EtcdCluster(tmp, 1, prefix=f"{name}-m").start()
            things.append(cluster)
            proxy = Proxy(tmp, name=name, binary=binary, initial_cluster=cluster.initial_cluster)
            things.append(proxy)
            proxy.wait_listening()
        things[-1].wait_endpoints(1)
        yield things[1].url, things[3].url
    finally:
        for thing in reversed(things):
            thing.stop()


@pytest.mark.parametrize("seed", range(101, 104))
def test_random_sequences_through_proxies_same_as_etcd(proxies, seed):
    etcd_proxy, etcdpp_proxy = proxies
    compare(seed, SEQUENCES_PER_SEED, etcd_proxy, etcdpp_proxy)
