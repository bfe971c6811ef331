#!/usr/bin/env bash
# The demo behind `make run`: a 3-member etcdpp cluster (DEMO_MEMBERS=etcd gives a 3-member
# etcd 3.4 cluster instead), etcdpp's read-write proxy on 127.0.0.1:2379 and its read-only
# proxy on 127.0.0.1:2479. Ctrl-C stops exactly the processes started here.
set -euo pipefail

ETCDPP=${1:-build/src/cmd/etcdpp}
ETCDPPCTL=${ETCDPPCTL:-$(dirname "$ETCDPP")/../ctl/etcdppctl}
DATA=${DEMO_DATA:-$(pwd)/demo-data}
RW_PORT=${DEMO_PROXY_PORT:-2379}
RO_PORT=${DEMO_READONLY_PORT:-2479}
MEMBERS_KIND=${DEMO_MEMBERS:-etcdpp}
case "$MEMBERS_KIND" in
  etcdpp | etcd) MEMBER_COUNT=3 ;;
  *) echo "DEMO_MEMBERS must be etcdpp or etcd" >&2; exit 2 ;;
esac
MEMBER_CLIENT_PORTS=(22379 22479 22579)
MEMBER_PEER_PORTS=(22380 22480 22580)
MEMBER_INDEXES=$(seq 0 $((MEMBER_COUNT - 1)))

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "stopping demo (pids ${pids[*]:-none})"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped; data and logs kept in $DATA"
}
trap cleanup INT TERM EXIT

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$RW_PORT" "$RO_PORT" "${MEMBER_CLIENT_PORTS[@]}" "${MEMBER_PEER_PORTS[@]}"; do
  if port_busy "$p"; then
    echo "port 127.0.0.1:$p is already in use; stop what uses it (or set DEMO_PROXY_PORT /" \
         "DEMO_READONLY_PORT) and run again" >&2
    exit 1
  fi
done

rm -rf "$DATA"
mkdir -p "$DATA"
cluster=""
for i in $MEMBER_INDEXES; do
  cluster+="${cluster:+,}demo$i=http://127.0.0.1:${MEMBER_PEER_PORTS[$i]}"
done

for i in $MEMBER_INDEXES; do
  if [ "$MEMBERS_KIND" = etcdpp ]; then
    member_cmd=("$ETCDPP")
  else
    member_cmd=(etcd --enable-v2=true)
  fi
  "${member_cmd[@]}" --name "demo$i" --data-dir "$DATA/demo$i.etcd" \
    --listen-client-urls "http://127.0.0.1:${MEMBER_CLIENT_PORTS[$i]}" \
    --advertise-client-urls "http://127.0.0.1:${MEMBER_CLIENT_PORTS[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${MEMBER_PEER_PORTS[$i]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${MEMBER_PEER_PORTS[$i]}" \
    --initial-cluster "$cluster" --initial-cluster-token etcdpp-demo \
    >"$DATA/demo$i.log" 2>&1 &
  pids+=($!)
done

for i in $MEMBER_INDEXES; do
  for _ in $(seq 1 100); do
    curl -sf --max-time 1 "http://127.0.0.1:${MEMBER_CLIENT_PORTS[$i]}/health" >/dev/null && break
    sleep 0.2
  done
done

"$ETCDPP" --proxy on --data-dir "$DATA/proxy-rw" \
  --listen-client-urls "http://127.0.0.1:$RW_PORT" --initial-cluster "$cluster" \
  >"$DATA/proxy-rw.log" 2>&1 &
pids+=($!)
"$ETCDPP" --proxy readonly --data-dir "$DATA/proxy-ro" \
  --listen-client-urls "http://127.0.0.1:$RO_PORT" --initial-cluster "$cluster" \
  >"$DATA/proxy-ro.log" 2>&1 &
pids+=($!)

for port in "$RW_PORT" "$RO_PORT"; do
  for _ in $(seq 1 100); do
    curl -sf --max-time 1 "http://127.0.0.1:$port/proxy/health" >/dev/null && break
    sleep 0.1
  done
done

cat <<MSG

etcdpp demo is running.

  members ($MEMBERS_KIND):$(for i in $MEMBER_INDEXES; do printf ' http://127.0.0.1:%s' "${MEMBER_CLIENT_PORTS[$i]}"; done)
  read-write proxy (etcdpp):  http://127.0.0.1:$RW_PORT
  read-only proxy (etcdpp):   http://127.0.0.1:$RO_PORT
  logs and data:              $DATA

Try:
  curl -s http://127.0.0.1:$RW_PORT/v2/keys/hello -XPUT -d value=world
  curl -s http://127.0.0.1:$RW_PORT/v2/keys/hello
  curl -s 'http://127.0.0.1:$RW_PORT/v2/keys/hello?wait=true' &   # then set it again
  curl -si http://127.0.0.1:$RO_PORT/v2/keys/hello -XPUT -d value=no   # 501 Not Implemented
  curl -s http://127.0.0.1:$RW_PORT/v2/config/local/proxy          # endpoints in use
  curl -s http://127.0.0.1:$RW_PORT/proxy/health                   # the proxy's own health
  curl -s http://127.0.0.1:$RW_PORT/metrics | grep etcd_proxy
  curl -s http://127.0.0.1:${MEMBER_CLIENT_PORTS[0]}/v2/stats/store  # a member's counters
  ETCDCTL_API=2 etcdctl --endpoints http://127.0.0.1:$RW_PORT --no-sync set /a 1
  ETCDCTL_API=2 etcdctl --endpoints http://127.0.0.1:$RW_PORT --no-sync member list
  ETCDCTL_API=2 etcdctl --endpoints http://127.0.0.1:${MEMBER_CLIENT_PORTS[0]} cluster-health
  $ETCDPPCTL --endpoints http://127.0.0.1:${MEMBER_CLIENT_PORTS[0]} member list   # etcdppctl
  curl -s http://127.0.0.1:${MEMBER_CLIENT_PORTS[0]}/v2/stats/self   # which member leads
  curl -s 'http://127.0.0.1:$RW_PORT/new?size=3'   # a discovery token (etcdpp members only)

Press Ctrl-C to stop everything.
MSG

# Exit (and clean up) as soon as any process dies, or on Ctrl-C.
while true; do
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "process $pid exited; see the logs in $DATA" >&2
      exit 1
    fi
  done
  sleep 1
done
