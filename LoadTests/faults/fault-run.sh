#!/usr/bin/env bash
# One fault under load (RELIABILITY.md row 4), with chamber-load's loss counter:
#   LoadTests/faults/fault-run.sh FAULT [RUNS]
# FAULT:
#   postgres   three nodes on PostgreSQL and Redis; PostgreSQL stopped for 10 s, then started again
#   redis      three nodes; Redis stopped for 10 s, then started again on its port
#   kill-node  three nodes; one killed with SIGKILL (its members connect again to the next node and recover)
#   disk-full  one node on SQLite in a 64 MiB tmpfs folder, filled to the last byte for 10 s, then emptied
#   clock-skew three nodes; the wall clock of one (not its monotonic clock) jumps a minute ahead and stays there
#              (libfaketime, as an NTP step would)
#   clock-skew-push  the same skew under a load of pushes instead of chat: `chamber-load push` plays FCM for 1,000
#              offline members with a phone each and counts every push it receives for 40 announcements, one a
#              second, posted to node 0; every node sweeps for pushes due every 200 ms, so the skewed node would take
#              over other nodes' leases if it judged them by its own clock. It listens 35 s more once every phone has
#              the last announcement (a push sent again after a lease ran out comes 30 s late). Prints pushes,
#              duplicates, phones without the last announcement (lost), and latency.
#   freeze     one node on SQLite, pinging every 5 s; one of chamber-load's three worker processes (a third of the
#              members) stopped with SIGSTOP until the node has dropped its sockets, then continued: its members find
#              their sockets closed, connect again and recover
# Load: `chamber-load run direct` (pairs of members, every message stored before its ack) spread over the nodes,
# 300 members at 150 sends/s for 40 s, the fault at 12 s; a member whose socket closes connects again after 1 s, to
# the next node, and recovers with `since`, so the loss counter covers every member to the end. Prints, per run:
# acknowledged, lost, gaps, error frames and failures by kind, reconnections, and how long after the fault ended
# every node's /ready answered again.
# Binaries from BIN (default: the debug build), so `swift build` first.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh

FAULT=${1:?usage: $0 postgres|redis|kill-node|disk-full|freeze|clock-skew|clock-skew-push [RUNS]}
RUNS=${2:-1}
BIN=$(cd "${BIN:-$(swift build --show-bin-path)}" && pwd)
for binary in chamberconnect chamber-load; do
    [ -x "$BIN/$binary" ] || { echo "fault-run.sh: build first: swift build --product $binary" >&2; exit 1; }
done
OUT=load-results/faults
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/chamber-fault.XXXXXX)
BASE_PORT=${PORT:-18190}
SERVER_PIDS=()
REDIS_PORT=""
MOUNT=""
NODE_ENV=()
LOAD_SETS=()
NODES=3
case "$FAULT" in disk-full | freeze) NODES=1 ;; esac

# Signals a node: its process, and the server under it when a wrapper (faketime) forked it.
signal_node() {
    pkill "-$1" -P "$2" 2>/dev/null || true
    kill "-$1" "$2" 2>/dev/null || true
}

cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do signal_node KILL "$pid"; done
    stop_postgres
    [ -n "$REDIS_PORT" ] && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    [ -n "$MOUNT" ] && umount "$MOUNT" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

start_redis() {
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --logfile "$WORK/redis.log" --dir "$WORK"
    for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
}

# Waits until every node's /ready answers 200; prints the seconds it took.
wait_ready() {
    local start now
    start=$(date +%s.%N)
    for port in "${PORTS[@]}"; do
        for _ in $(seq 1 1200); do curl -fs -m 1 "127.0.0.1:$port/ready" >/dev/null && break; sleep 0.05; done
    done
    now=$(date +%s.%N)
    python3 -c "print(f'{$now - $start:.2f}')"
}

start_nodes() {
    local url=$1 broker=(CHAMBER_BROKER_KIND=in-process)
    [ "$NODES" -gt 1 ] && broker=(CHAMBER_BROKER_KIND=redis CHAMBER_BROKER_REDIS_URL="redis://127.0.0.1:$REDIS_PORT")
    local secret="fault-run-secret-$RANDOM$RANDOM-0123456789abcdef0123456789"
    URLS=()
    PORTS=()
    for node in $(seq 0 $((NODES - 1))); do
        local port=$((BASE_PORT + node)) demo=() skew=()
        [ "$node" -eq 0 ] && demo=(--demo)
        # The last node's wall clock steps a minute ahead 20 s after it starts (about 12 s into the load); its
        # monotonic clock, which timers use, runs on. (libfaketime's LD_PRELOAD set by hand loses the program's
        # arguments to Swift's CommandLine; its `faketime` wrapper does not.)
        [[ "$FAULT" == clock-skew* ]] && [ "$node" -eq $((NODES - 1)) ] &&
            skew=(FAKETIME_START_AFTER_SECONDS=20 FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f +60s)
        (cd "$DATA" && exec env "${broker[@]}" "${NODE_ENV[@]}" CHAMBER_SERVER_MAX_CONNECTIONS_PER_ADDRESS=0 CHAMBER_AUTH_JWT_SECRET="$secret" \
            CHAMBER_LOG_LEVEL=${LOG_LEVEL:-warning} CHAMBER_CLUSTER_NODE_NAME="node-$node" \
            "${skew[@]}" "$BIN/chamberconnect" serve "${demo[@]}" --load-test --port "$port" --database-url "$url" \
            >"$WORK/server-$node.log" 2>&1) &
        SERVER_PIDS+=($!)
        URLS+=(--url "http://127.0.0.1:$port")
        local wrapper=$!
        PORTS+=("$port")
        local ready=""
        for _ in $(seq 1 600); do curl -fs "127.0.0.1:$port/ready" >/dev/null && ready=1 && break; sleep 0.2; done
        [ -n "$ready" ] || { echo "fault-run.sh: node $node did not become ready:" >&2; tail -20 "$WORK/server-$node.log" >&2; exit 1; }
        # Under faketime (which forks and waits) the node is the wrapper's child: stop and wait for that one.
        if [ ${#skew[@]} -gt 0 ]; then
            local server
            server=$(pgrep -P "$wrapper" | head -1 || true)
            [ -n "$server" ] && SERVER_PIDS[-1]=$server
        fi
    done
}

# The fault, from 12 s into the load; prints how long the nodes took to be ready again after it ended.
inject() {
    sleep 12
    case "$FAULT" in
        postgres)
            "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
            sleep 10
            "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
                -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR" start >/dev/null
            ;;
        redis)
            redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
            sleep 10
            start_redis
            ;;
        kill-node)
            kill -9 "${SERVER_PIDS[2]}"
            PORTS=("${PORTS[@]:0:2}")
            ;;
        disk-full)
            # Every free byte taken, for 10 s: SQLite's writes (and its journal) fail with SQLITE_FULL.
            dd if=/dev/zero of="$MOUNT/filler" bs=1M status=none 2>/dev/null || true
            sleep 10
            rm -f "$MOUNT/filler"
            ;;
        clock-skew | clock-skew-push)
            # The step is the node's own (see start_nodes); recovery is timed from here.
            ;;
        freeze)
            # A third of the members stop reading, writing and answering pings, as a phone whose app the system
            # suspended. The node pings every 5 s, so it should drop them 10–15 s later.
            local worker before mine now frozen_at dropped_at=""
            worker=$(pgrep -P "$LOAD_PID" | head -1 || true)
            before=$(established)
            mine=$(ss -Htnp state established "( dport = :${PORTS[0]} )" | grep -c "pid=$worker," || true)
            if [ -z "$worker" ] || [ "${mine:-0}" -eq 0 ]; then
                echo "NO load worker with sockets to freeze (nothing frozen)" >"$WORK/frozen"
            else
                kill -STOP "$worker"
                frozen_at=$(date +%s.%N)
                # Until the node has dropped every socket of the frozen worker (a member whose socket is still open
                # when it wakes would send the sends it missed all at once).
                for _ in $(seq 1 240); do
                    sleep 0.25
                    if [ "$(established)" -le $((before - mine)) ]; then dropped_at=$(date +%s.%N); break; fi
                done
                sleep 2
                kill -CONT "$worker"
                now=$(date +%s.%N)
                python3 -c "print(f'{$before} sockets, {$mine} of them in the worker frozen for {$now - $frozen_at:.1f} s; ' + ('its sockets dropped by the node after {:.1f} s'.format(${dropped_at:-0} - $frozen_at) if '$dropped_at' else 'its sockets NOT dropped'))" \
                    >"$WORK/frozen"
            fi
            ;;
    esac
    local frozen=""
    [ -f "$WORK/frozen" ] && frozen="$(cat "$WORK/frozen"); "
    echo "${frozen}ready again after $(wait_ready) s" >"$WORK/recovery"
}

# The pushes' provider: FCM as `chamber-load push` plays it on FCM_PORT, with a service-account key of our own (the
# local FCM grants any assertion, but the node signs a real RS256 grant).
push_setup() {
    FCM_PORT=$(free_port)
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/key.pem" 2>/dev/null
    python3 - "$WORK/key.pem" "$FCM_PORT" >"$WORK/service-account.json" <<'PY'
import json, sys
print(json.dumps({"type": "service_account", "project_id": "fault", "private_key_id": "fault-key",
                  "private_key": open(sys.argv[1]).read(), "client_email": "fault@fault.iam.gserviceaccount.com",
                  "token_uri": "http://127.0.0.1:%s/token" % sys.argv[2]}))
PY
    chmod 600 "$WORK/service-account.json"
    NODE_ENV=(CHAMBER_PUSH_FCM_SERVICE_ACCOUNT_FILE="$WORK/service-account.json" CHAMBER_PUSH_FCM_ENDPOINT="http://127.0.0.1:$FCM_PORT"
        CHAMBER_PUSH_SWEEP_MS=200)
}

# The node's established sockets (its side of each connection).
established() {
    ss -Htn state established "( sport = :${PORTS[0]} )" | wc -l
}

# The chat load with the fault injected 12 s in; prints what the loss counter found and how the nodes recovered.
chat_load() {
    local json=$1
    "$BIN/chamber-load" run direct --set connections=300 --set message_rate=150 --set duration_seconds=40 \
        --set drain_seconds=5 --set reconnect_on_close=true --set reconnect_delay_seconds=1 "${LOAD_SETS[@]}" "${URLS[@]}" \
        --json "$json" >"$WORK/load.log" 2>&1 &
    LOAD_PID=$!
    inject &
    injector=$!
    wait "$LOAD_PID" || true
    wait "$injector" || true
    python3 - "$json" "$FAULT" "$run" "$(cat "$WORK/recovery" 2>/dev/null || echo 'not ready again')" <<'EOF'
import json, sys
path, fault, run, recovery = sys.argv[1:]
r = json.load(open(path))
errors = ", ".join(f"{k}: {v}" for k, v in sorted(r.get("errors", {}).items())) or "none"
failures = ", ".join(f"{k}: {v}" for k, v in sorted(r.get("failures", {}).items())) or "none"
again = r.get("reconnect") or {}
back = f" (drop → recovered p50 {again['p50']:.0f} ms, p99 {again['p99']:.0f} ms)" if again.get("count") else ""
print(f"{fault} run {run}: acked {r.get('acked')} of {r.get('sent')} sent, lost {r['lost']}, gaps {r['gaps']}, "
      f"error frames: {errors}; failures: {failures}; reconnected {r.get('reconnects', 0)}{back}; {recovery}")
EOF
}

# The push load (the skew is the node's own); prints the pushes FCM received, duplicates and latency.
push_load() {
    local json=$1
    "$BIN/chamber-load" push --url "http://127.0.0.1:$BASE_PORT" --fcm-port "$FCM_PORT" --members 1000 --announcements 40 \
        --interval 1 --drain 60 --linger 35 --json "$json" >"$WORK/load.log" 2>&1 || true
    echo "$FAULT run $run: $(tail -1 "$WORK/load.log")"
}

for run in $(seq 1 "$RUNS"); do
    rm -rf "${WORK:?}"/* && DATA="$WORK/data" && mkdir -p "$DATA"
    SERVER_PIDS=()
    case "$FAULT" in
        disk-full)
            MOUNT="$WORK/disk"
            mkdir -p "$MOUNT"
            mount -t tmpfs -o size=64m tmpfs "$MOUNT"
            start_nodes "sqlite://$MOUNT/chamberconnect.sqlite"
            ;;
        freeze)
            NODE_ENV=(CHAMBER_HUB_PING_INTERVAL_SECONDS=5)
            LOAD_SETS=(--set workers=3)
            start_nodes "sqlite://$DATA/chamberconnect.sqlite"
            ;;
        postgres | redis | kill-node | clock-skew | clock-skew-push)
            apt_install postgresql redis-server
            [[ "$FAULT" == clock-skew* ]] && apt_install faketime
            [ "$FAULT" = clock-skew-push ] && push_setup
            start_postgres -c max_connections=300
            REDIS_PORT=$(free_port)
            start_redis
            "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres fault
            start_nodes "postgres://postgres@127.0.0.1:$PG_PORT/fault"
            sleep 2
            ;;
        *) echo "fault-run.sh: unknown fault '$FAULT'" >&2; exit 2 ;;
    esac
    json="$OUT/$FAULT-$run.json"
    if [ "$FAULT" = clock-skew-push ]; then push_load "$json"; else chat_load "$json"; fi
    if [[ "$FAULT" == clock-skew* ]]; then
        # The node reads the database's clock every minute: its next reading finds the host a minute ahead.
        for _ in $(seq 1 90); do grep -q "clock is off" "$WORK/server-2.log" && break; sleep 1; done
        grep -h "clock is off" "$WORK/server-2.log" | head -1 | cut -c1-200 || echo "node 2 never noticed its clock"
    fi
    if [ -n "${HOLD:-}" ]; then
        echo "holding the nodes for $HOLD s (PG_PORT=${PG_PORT:-} PG_DIR=${PG_DIR:-}, ports ${PORTS[*]})"
        sleep "$HOLD"
    fi
    # A node must stop on SIGTERM within 15 s (it drains its sockets first); one that does not is named.
    for pid in "${SERVER_PIDS[@]}"; do signal_node TERM "$pid"; done
    for node in "${!SERVER_PIDS[@]}"; do
        pid=${SERVER_PIDS[$node]}
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "node $node did not stop within 15 s of SIGTERM: killed"
            signal_node KILL "$pid"
        fi
        wait "$pid" 2>/dev/null || true
    done
    for log in "$WORK"/server-*.log "$WORK/load.log"; do cp "$log" "$OUT/$FAULT-$run-$(basename "$log")"; done
    grep -h -i -E "error|critical" "$WORK"/server-*.log | cut -c1-300 | sort | uniq -c | sort -rn | head -5 || true
    stop_postgres
    [ -n "$REDIS_PORT" ] && { redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; REDIS_PORT=""; }
    if [ -n "$MOUNT" ]; then umount "$MOUNT"; MOUNT=""; fi
done
