#!/usr/bin/env bash
# make bench: see bench/proxy_bench.py.
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/proxy_bench.py" --etcdpp "${1:-build/src/cmd/etcdpp}" "${@:2}"
