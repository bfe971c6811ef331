#!/usr/bin/env bash
# Installs every Debian package etcdpp needs to build, test, benchmark and run its demo.
# Idempotent: packages already present are not fetched again, and apt-get update runs only
# when something is missing.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build make pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev libboost-url1.81-dev libssl-dev
  libspdlog-dev libfmt-dev prometheus-cpp-dev libprotobuf-dev protobuf-compiler libyaml-cpp-dev libcrypt-dev
  # tests
  libgtest-dev libgmock-dev libbenchmark-dev python3 python3-pytest python3-requests python3-etcd
  etcd-server etcd-client curl procps iproute2 util-linux dnsmasq-base openssl
  # fuzzing (libFuzzer comes with clang's runtime)
  clang libclang-rt-14-dev
  # benchmarks
  wrk
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
