#!/usr/bin/env bash
# Runs chamber-load scenarios several times, each run against a freshly started release server, and prints the
# median of every figure (this machine is shared and noisy: one run proves little).
#
#   LoadTests/measure.sh [-n RUNS] [--postgres] [--nodes N] SPEC...
#
# A SPEC is a scenario name with optional overrides: `big-event`, `direct:message_rate=5000`,
# `idle:connections=18000,workers=2`. With --postgres the server stores in a throw-away PostgreSQL on loopback
# (fsync on, as in production) instead of the SQLite file. With --nodes N (implies --postgres) a cluster of N nodes
# shares that PostgreSQL and a throw-away redis-server, and chamber-load spreads its connections over them (the
# server's CPU per delivery is then not measured: it is spread over N processes). Results: load-results/measure-<spec>-<run>.json and a
# median table on stdout (also load-results/measure.md). Needs release builds:
#   swift build -c release --product chamberconnect && swift build -c release --product chamber-load
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

RUNS=3
DATABASE=sqlite
NODES=1
SPECS=()
while [ $# -gt 0 ]; do
    case "$1" in
        -n) RUNS=$2; shift 2 ;;
        --postgres) DATABASE=postgres; shift ;;
        --nodes) NODES=$2; DATABASE=postgres; shift 2 ;;
        *) SPECS+=("$1"); shift ;;
    esac
done
[ ${#SPECS[@]} -gt 0 ] || { echo "usage: $0 [-n RUNS] [--postgres] [--nodes N] SPEC..." >&2; exit 2; }
for binary in chamberconnect chamber-load; do
    [ -x ".build/release/$binary" ] || { echo "measure.sh: build first: swift build -c release --product $binary" >&2; exit 1; }
done

OUT=load-results
mkdir -p "$OUT"
PORT=${PORT:-18090}
WORK=$(mktemp -d /tmp/chamber-measure.XXXXXX)
SERVER_PIDS=()
REDIS_PORT=""

cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    stop_postgres
    [ -n "$REDIS_PORT" ] && redis-cli -p "$REDIS_PORT" shutdown nosave > /dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$DATABASE" = postgres ]; then
    apt_install postgresql
    start_postgres -c max_connections=200
fi
if [ "$NODES" -gt 1 ]; then
    apt_install redis-server
    REDIS_PORT=$(free_port)
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --logfile "$WORK/redis.log" --dir "$WORK"
fi

# Starts the node(s) on PORT, PORT+1, …: one database for all of them, the first one seeds the demo.
start_server() {
    local dir="$WORK/server"
    rm -rf "$dir" && mkdir -p "$dir"
    local url="sqlite://$dir/chamberconnect.sqlite"
    if [ "$DATABASE" = postgres ]; then
        local name="measure_$RANDOM$RANDOM"
        "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$name"
        url="postgres://postgres@127.0.0.1:$PG_PORT/$name"
    fi
    local secret="measure-only-secret-$RANDOM$RANDOM-0123456789abcdef0123456789"
    local broker=(CHAMBER_BROKER_KIND=in-process)
    [ "$NODES" -gt 1 ] && broker=(CHAMBER_BROKER_KIND=redis CHAMBER_BROKER_REDIS_URL="redis://127.0.0.1:$REDIS_PORT")
    URLS=()
    for node in $(seq 0 $((NODES - 1))); do
        local port=$((PORT + node)) demo=()
        [ "$node" -eq 0 ] && demo=(--demo)
        (cd "$dir" && exec env "${broker[@]}" CHAMBER_SERVER_MAX_CONNECTIONS_PER_ADDRESS=0 CHAMBER_AUTH_JWT_SECRET="$secret" CHAMBER_LOG_LEVEL=warning CHAMBER_CLUSTER_NODE_NAME="node-$node" \
            "$OLDPWD/.build/release/chamberconnect" serve "${demo[@]}" --load-test --port "$port" --database-url "$url" > "$dir/server-$node.log" 2>&1) &
        SERVER_PIDS+=($!)
        URLS+=(--url "http://127.0.0.1:$port")
        local ready=""
        for _ in $(seq 1 300); do curl -fs "127.0.0.1:$port/ready" > /dev/null && ready=1 && break; sleep 0.2; done
        [ -n "$ready" ] || { echo "measure.sh: node $node did not become ready:" >&2; tail -20 "$dir/server-$node.log" >&2; exit 1; }
    done
    # The nodes hear each other's heartbeats before the load starts.
    [ "$NODES" -gt 1 ] && sleep 2
    return 0
}

stop_server() {
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    # A graceful stop after an overload run can take long (it finishes what it accepted): 30 s, then SIGKILL.
    for pid in "${SERVER_PIDS[@]}"; do
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SERVER_PIDS=()
}

FILES=()
for spec in "${SPECS[@]}"; do
    scenario=${spec%%:*}
    sets=()
    if [ "$spec" != "$scenario" ]; then
        IFS=',' read -ra pairs <<< "${spec#*:}"
        for pair in "${pairs[@]}"; do sets+=(--set "$pair"); done
    fi
    label=$(echo "$DATABASE-$spec" | tr ':,=' '_+-')
    [ "$NODES" -gt 1 ] && label="$label-${NODES}nodes"
    for run in $(seq 1 "$RUNS"); do
        echo "== $spec on $DATABASE, run $run of $RUNS" >&2
        start_server
        json="$OUT/measure-$label-$run.json"
        pid=()
        [ "$NODES" -eq 1 ] && pid=(--server-pid "${SERVER_PIDS[0]}")
        .build/release/chamber-load run "$scenario" "${sets[@]}" "${URLS[@]}" "${pid[@]}" \
            --json "$json" --html "$OUT/measure-$label-$run.html" 2>&1 | tail -14 >&2 || echo "measure.sh: run failed" >&2
        stop_server
        [ -f "$json" ] && FILES+=("$label=$json")
    done
done

python3 - "${FILES[@]}" <<'EOF' | tee "$OUT/measure.md"
import json, statistics, sys
groups = {}
for arg in sys.argv[1:]:
    label, path = arg.split("=", 1)
    groups.setdefault(label, []).append(json.load(open(path)))
def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
def fmt(value, digits=1):
    return "—" if value is None else f"{value:,.{digits}f}"
print("| run | runs | connections up | sent/acked | delivered/s | delivery p50 / p99 / max ms | send→ack p50 / p99 ms | lost | gaps | server µs/delivery | server KiB/conn |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for label, runs in groups.items():
    row = [label, str(len(runs)),
           f"{fmt(med([r['connected'] for r in runs]), 0)}/{runs[0]['scenario']['connections']}",
           f"{fmt(med([r['sent'] for r in runs]), 0)}/{fmt(med([r['acked'] for r in runs]), 0)}",
           fmt(med([r['delivered_per_second'] for r in runs]), 0),
           " / ".join(fmt(med([r['delivery'][k] for r in runs]), 2) for k in ("p50", "p99", "max")),
           " / ".join(fmt(med([r['ack'][k] for r in runs]), 2) for k in ("p50", "p99")),
           str(max(r['lost'] for r in runs)), str(max(r['gaps'] for r in runs)),
           fmt(med([r.get('server_micros_per_delivery') for r in runs]), 2),
           fmt(med([r.get('server_ki_b_per_connection') for r in runs]), 2)]
    print("| " + " | ".join(row) + " |")
EOF
