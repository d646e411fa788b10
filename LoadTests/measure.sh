#!/usr/bin/env bash
# Runs chamber-load scenarios several times, each run against a freshly started release server, and prints the
# median of every figure (this machine is shared and noisy: one run proves little).
#
#   LoadTests/measure.sh [-n RUNS] [--postgres] SPEC...
#
# A SPEC is a scenario name with optional overrides: `big-event`, `direct:message_rate=5000`,
# `idle:connections=18000,workers=2`. With --postgres the server stores in a throw-away PostgreSQL on loopback
# (fsync on, as in production) instead of the SQLite file. Results: load-results/measure-<spec>-<run>.json and a
# median table on stdout (also load-results/measure.md). Needs release builds:
#   swift build -c release --product chamberconnect && swift build -c release --product chamber-load
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

RUNS=3
DATABASE=sqlite
SPECS=()
while [ $# -gt 0 ]; do
    case "$1" in
        -n) RUNS=$2; shift 2 ;;
        --postgres) DATABASE=postgres; shift ;;
        *) SPECS+=("$1"); shift ;;
    esac
done
[ ${#SPECS[@]} -gt 0 ] || { echo "usage: $0 [-n RUNS] [--postgres] SPEC..." >&2; exit 2; }
for binary in chamberconnect chamber-load; do
    [ -x ".build/release/$binary" ] || { echo "measure.sh: build first: swift build -c release --product $binary" >&2; exit 1; }
done

OUT=load-results
mkdir -p "$OUT"
PORT=${PORT:-18090}
WORK=$(mktemp -d /tmp/chamber-measure.XXXXXX)
SERVER_PID=""

cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    stop_postgres
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$DATABASE" = postgres ]; then
    apt_install postgresql
    start_postgres -c max_connections=200
fi

start_server() {
    local dir="$WORK/server"
    rm -rf "$dir" && mkdir -p "$dir"
    local url="sqlite://$dir/chamberconnect.sqlite"
    if [ "$DATABASE" = postgres ]; then
        local name="measure_$RANDOM$RANDOM"
        "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$name"
        url="postgres://postgres@127.0.0.1:$PG_PORT/$name"
    fi
    (cd "$dir" && CHAMBER_AUTH_JWT_SECRET="measure-only-secret-$RANDOM$RANDOM-0123456789abcdef0123456789" CHAMBER_LOG_LEVEL=warning exec "$OLDPWD/.build/release/chamberconnect" serve --demo --load-test \
        --port "$PORT" --database-url "$url" > "$dir/server.log" 2>&1) &
    SERVER_PID=$!
    for _ in $(seq 1 300); do curl -fs "127.0.0.1:$PORT/ready" > /dev/null && return 0; sleep 0.2; done
    echo "measure.sh: the server did not become ready:" >&2
    tail -20 "$dir/server.log" >&2
    exit 1
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    # A graceful stop after an overload run can take long (it finishes what it accepted): 30 s, then SIGKILL.
    for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
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
    for run in $(seq 1 "$RUNS"); do
        echo "== $spec on $DATABASE, run $run of $RUNS" >&2
        start_server
        json="$OUT/measure-$label-$run.json"
        .build/release/chamber-load run "$scenario" "${sets[@]}" --url "http://127.0.0.1:$PORT" --server-pid "$SERVER_PID" \
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
