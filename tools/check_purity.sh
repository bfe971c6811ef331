#!/usr/bin/env bash
# Fails when a pure module (src/raft, src/store) includes a project header outside base/ and its
# own folder, or reads a clock, sleeps, spawns threads or draws unseeded randomness.
# Those modules must stay deterministic so that they can be simulated (design.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
status=0
for module in raft store; do
  dir="$root/src/$module"
  [ -d "$dir" ] || continue
  while IFS= read -r line; do
    echo "purity: $line: src/$module may include only base/ and $module/ headers"
    status=1
  done < <(grep -HnE '^#include "' "$dir"/*.h "$dir"/*.cc 2>/dev/null \
             | grep -vE "#include \"(base|$module)/" || true)
  while IFS= read -r line; do
    echo "purity: $line: no clocks, sleeps, threads or unseeded randomness in src/$module"
    status=1
  done < <(grep -HnE '(::now\(|std::rand|[^_]rand\(|sleep_for|sleep_until|std::thread|std::async|<thread>|<future>|random_device|time\(nullptr\)|gettimeofday|clock_gettime)' \
             "$dir"/*.h "$dir"/*.cc 2>/dev/null || true)
done
[ $status -eq 0 ] && echo "purity: src/raft and src/store are pure"
exit $status
