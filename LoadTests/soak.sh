#!/usr/bin/env bash
# A soak (RELIABILITY.md row 7): one release node on SQLite under `chamber-load run direct` for an hour, its resident
# memory, open descriptors and database size sampled every SAMPLE seconds; at the end the load's loss counter and
# whether memory and descriptors stayed flat.
#
#   LoadTests/soak.sh [SECONDS] [RATE]          # default: 3600 s at 1,000 sends/s, 1,000 members in pairs
#
# Flat means: after the first tenth of the run (caches warming, the database growing its first pages), resident
# memory grows by less than 10 % and descriptors by at most 10. Samples: load-results/soak-<time>.csv.
#
# Resident memory also counts what glibc keeps after peaks, so every HEAP_SAMPLE seconds (default 300; 0 turns it
# off) gdb asks the node's malloc for the bytes it has handed out and not had back (`malloc_stats`, all arenas and
# mmaps): load-results/soak-<time>-heap.csv. Each sample stops the node for about two seconds,
# and its sends wait (send→ack up to 4 s in RELIABILITY.md's run): read latencies from a soak with HEAP_SAMPLE=0.
# Needs release builds: swift build -c release --product chamberconnect && swift build -c release --product chamber-load
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TO_RUN=${1:-3600}
RATE=${2:-1000}
SAMPLE=${SAMPLE:-15}
HEAP_SAMPLE=${HEAP_SAMPLE:-300}
CONNECTIONS=${CONNECTIONS:-1000}
PORT=${PORT:-18290}
for binary in chamberconnect chamber-load; do
    [ -x ".build/release/$binary" ] || { echo "soak.sh: build first: swift build -c release --product $binary" >&2; exit 1; }
done
OUT=load-results
mkdir -p "$OUT"
STAMP=$(date +%Y%m%d-%H%M%S)
CSV="$OUT/soak-$STAMP.csv"
WORK=$(mktemp -d /tmp/chamber-soak.XXXXXX)
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
    rm -rf "$WORK"
}
trap cleanup EXIT

secret="soak-only-secret-$RANDOM$RANDOM-0123456789abcdef0123456789"
(cd "$WORK" && exec env CHAMBER_SERVER_MAX_CONNECTIONS_PER_ADDRESS=0 CHAMBER_AUTH_JWT_SECRET="$secret" CHAMBER_LOG_LEVEL=warning \
    "$OLDPWD/.build/release/chamberconnect" serve --demo --load-test --port "$PORT" \
    --database-url "sqlite://$WORK/chamberconnect.sqlite" >"$WORK/server.log" 2>&1) &
SERVER_PID=$!
for _ in $(seq 1 300); do curl -fs "127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done
curl -fs "127.0.0.1:$PORT/ready" >/dev/null || { echo "soak.sh: the server did not become ready" >&2; tail -20 "$WORK/server.log" >&2; exit 1; }

echo "seconds,rss_kib,fds,database_kib,threads" >"$CSV"
sample() {
    local start=$1
    while kill -0 "$SERVER_PID" 2>/dev/null; do
        local rss fds db threads
        rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
        threads=$(awk '/^Threads/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
        fds=$(ls "/proc/$SERVER_PID/fd" 2>/dev/null | wc -l)
        db=$(du -sk "$WORK" | cut -f1)
        echo "$(($(date +%s) - start)),$rss,$fds,$db,$threads" >>"$CSV"
        sleep "$SAMPLE"
    done
}
sample "$(date +%s)" &
SAMPLER=$!

HEAP_CSV="$OUT/soak-$STAMP-heap.csv"
echo "seconds,heap_in_use_kib,heap_system_kib" >"$HEAP_CSV"
sample_heap() {
    local start=$1
    while sleep "$HEAP_SAMPLE" && kill -0 "$SERVER_PID" 2>/dev/null; do
        # malloc_stats writes to the node's standard error, which is the server log; the last block is this call's,
        # if the call wrote one (gdb cannot attach where ptrace is restricted: its reasons go to gdb.log).
        local before
        before=$(grep -c '^Total (incl. mmap):' "$WORK/server.log" || true)
        gdb -p "$SERVER_PID" -batch -ex 'call (void)malloc_stats()' >>"$WORK/gdb.log" 2>&1 || continue
        [ "$(grep -c '^Total (incl. mmap):' "$WORK/server.log" || true)" -gt "$before" ] || continue
        awk -v seconds="$(($(date +%s) - start))" '
            /^Total \(incl. mmap\):/ { total = 1; next }
            total && /^system bytes/ { arena_bytes = $NF }
            total && /^in use bytes/ { in_use = $NF; total = 0 }
            END { if (in_use != "") printf "%d,%d,%d\n", seconds, in_use / 1024, arena_bytes / 1024 }
        ' "$WORK/server.log" >>"$HEAP_CSV"
    done
}
HEAP_SAMPLER=""
if [ "$HEAP_SAMPLE" -gt 0 ]; then
    if command -v gdb >/dev/null; then
        sample_heap "$(date +%s)" &
        HEAP_SAMPLER=$!
    else
        echo "soak.sh: no gdb, so no heap samples (apt-get install gdb)" >&2
    fi
fi

json="$OUT/soak-$STAMP.json"
.build/release/chamber-load run direct --set connections="$CONNECTIONS" --set message_rate="$RATE" \
    --set duration_seconds="$SECONDS_TO_RUN" --set drain_seconds=5 --url "http://127.0.0.1:$PORT" \
    --server-pid "$SERVER_PID" --json "$json" --html "$OUT/soak-$STAMP.html" 2>&1 | tail -14 || true
kill "$SAMPLER" 2>/dev/null || true
# The sampler and whatever it waits on (a sleep, or gdb attached to the node).
[ -n "$HEAP_SAMPLER" ] && { pkill -P "$HEAP_SAMPLER" 2>/dev/null || true; kill "$HEAP_SAMPLER" 2>/dev/null || true; }

python3 - "$CSV" "$json" "$HEAP_CSV" "$HEAP_SAMPLE" "$WORK/gdb.log" <<'EOF'
import csv, json, sys
rows = [{k: int(v) for k, v in row.items()} for row in csv.DictReader(open(sys.argv[1]))]
result = json.load(open(sys.argv[2]))
heap = [{k: int(v) for k, v in row.items()} for row in csv.DictReader(open(sys.argv[3]))]
end = rows[-1]["seconds"]
settled = [r for r in rows if r["seconds"] >= end / 10]
first, last = settled[0], settled[-1]
rss_max = max(r["rss_kib"] for r in settled)
growth = (last["rss_kib"] - first["rss_kib"]) / first["rss_kib"] * 100
fds = sorted({r["fds"] for r in settled})
print(f"load: sent {result['sent']}, acked {result['acked']}, lost {result['lost']}, gaps {result['gaps']}, "
      f"errors {result.get('errors') or 'none'}, failures {result.get('failures') or 'none'}")
print(f"memory after {first['seconds']} s: {first['rss_kib'] / 1024:.0f} MiB; at the end ({last['seconds']} s): "
      f"{last['rss_kib'] / 1024:.0f} MiB ({growth:+.1f} %); highest {rss_max / 1024:.0f} MiB")
print(f"descriptors after {first['seconds']} s: {first['fds']}; at the end: {last['fds']}; range {fds[0]}–{fds[-1]}")
print(f"threads: {first['threads']} → {last['threads']}; database folder: {last['database_kib'] / 1024:.0f} MiB")
if heap:
    print("heap in use (MiB, at seconds): " + ", ".join(f"{h['heap_in_use_kib'] / 1024:.1f} at {h['seconds']}" for h in heap))
elif int(sys.argv[4]) > 0 and end > int(sys.argv[4]):
    try:
        reason = open(sys.argv[5]).read().strip().splitlines()[-1:]
    except OSError:
        reason = ["gdb never ran"]
    print("heap in use: no sample (" + " / ".join(reason) + ")")
flat = growth < 10 and last["fds"] <= first["fds"] + 10 and result["lost"] == 0 and result["gaps"] == 0
print("flat: yes" if flat else "flat: NO")
sys.exit(0 if flat else 1)
EOF
