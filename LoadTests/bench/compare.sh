#!/usr/bin/env bash
# Runs ../shared/bench against ChamberConnect (custom peer), nchan and limit in one sequence, so the three share
# the machine's conditions. Results go to load-results/bench-<peer>.json and the logs beside them.
#
#   LoadTests/bench/compare.sh [bench scenarios] [extra bench.py flags]
#
# Default scenarios are the issue's: idle:18000, fanout:1000:1000 at 100 msg/s, then fanout:1000:2000 and
# fanout:5000:500 as fast as possible. Needs release builds (swift build -c release) and, for nchan,
# `apt-get install -y nginx libnginx-mod-nchan`.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED_BENCH=${BENCH:-../shared/bench}
# Runs a copy of the bench with two changes to publish.py. First: the shared one drops the query string of its
# --ws URL (it sends `u.path` only), and our upgrade needs `?chamber_id=`.
BENCH=$(mktemp -d)
trap 'rm -rf "$BENCH"' EXIT
cp -r "$SHARED_BENCH"/. "$BENCH"/
# Second change: the publisher does not read its acks and closes right after its last write. Our server stores a
# message before it publishes it, one send at a time per socket, and sends still unanswered when their socket
# closes are not acknowledged, so not kept. PUBLISH_LINGER_S keeps the publisher connected that long after its last
# write (set for our server only), so "publishers that do not wait" measures the durable path instead of dropping it.
python3 - "$BENCH/publish.py" <<'PATCH'
import sys
path = sys.argv[1]
source = open(path).read()
upgrade = '(u.path or "/", u.netloc, extra)'
end = '"msgs_per_s": round(sent / span) if span else 0}))\n'
assert upgrade in source and end in source, "publish.py changed: update LoadTests/bench/compare.sh"
source = source.replace(upgrade, '((u.path or "/") + ("?" + u.query if u.query else ""), u.netloc, extra)')
source = source.replace(end, end + '    __import__("sys").stdout.flush()\n    time.sleep(float(os.environ.get("PUBLISH_LINGER_S", "0")))\n')
# Third, with PUBLISH_AWAIT_ACK=1 (`answered` below): the WebSocket publisher waits for each send's answer (its
# `ack`, or an `error`) before the next, as the HTTP publisher waits for each POST's response. Without it ours
# writes all its messages at once, and each frame's latency includes the whole fan-out queued ahead of it.
discard = '        try:  # discard whatever the server sends back (acks, echoes)\n'
assert discard in source, "publish.py changed: update LoadTests/bench/compare.sh"
source = source.replace(discard, '''        if os.environ.get("PUBLISH_AWAIT_ACK"):
            self.sock.settimeout(30)
            seen = getattr(self, "seen", b"")
            while seen.count(b'"type":"ack"') + seen.count(b'"type":"error"') == 0:
                d = self.sock.recv(65536)
                if not d:
                    raise ConnectionError("closed")
                seen += d
            answer = max(seen.rfind(b'"type":"ack"'), seen.rfind(b'"type":"error"'))
            self.seen = seen[answer + 12:]
            self.sock.setblocking(False)
            return True
''' + discard)
open(path, "w").write(source)
PATCH
OUT=${OUT:-load-results}
PORT=${PORT:-18080}
REPEAT=${REPEAT:-3}
PEERS=${PEERS:-"chamberconnect nchan-mem limit-batch"}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

run_ours() {
  local scenarios=$1; shift
  local dir; dir=$(mktemp -d)
  # Bench settings: publishers that do not wait need more than the 20 frames/s a member may send, and an
  # 8 MiB outbound bound per connection matches limit's --max-out.
  (cd "$dir" && CHAMBER_SERVER_MAX_CONNECTIONS_PER_ADDRESS=0 CHAMBER_HUB_INBOUND_FRAMES_PER_SECOND=10000 CHAMBER_HUB_OUTBOUND_QUEUE_BYTES=8388608 CHAMBER_LOG_LEVEL=warning \
     exec "$OLDPWD/.build/release/chamberconnect" serve --demo --load-test --port "$PORT" > "$OUT/chamberconnect.server.log" 2>&1) &
  local pid=$!
  for _ in $(seq 1 300); do curl -fs "127.0.0.1:$PORT/ready" > /dev/null && break; sleep 0.2; done
  curl -fs "127.0.0.1:$PORT/ready" > /dev/null || { echo "compare.sh: the server did not become ready (see $OUT/chamberconnect.server.log)" >&2; kill "$pid"; return 1; }
  eval "$(.build/release/chamber-load provision --url "http://127.0.0.1:$PORT" --members 18000 --tokens-file "$OUT/tokens.txt")"
  (cd "$BENCH" && PUBLISH_LINGER_S=${PUBLISH_LINGER_S:-15} python3 bench.py --peer custom --name chamberconnect --pid "$pid" \
     --sub "ws://127.0.0.1:$PORT/v1/ws?chamber_id=$CHAMBER_ID" --header 'Authorization: Bearer {token}' --tokens "$OUT/tokens.txt" \
     --send "{\"type\":\"subscribe\",\"channel_id\":\"$ROOM_ID\"}" \
     --pub-ws "ws://127.0.0.1:$PORT/v1/ws?chamber_id=$CHAMBER_ID" --pub-header "Authorization: Bearer $ADMIN_TOKEN" \
     --pub-template "{\"type\":\"send\",\"channel_id\":\"$ROOM_ID\",\"client_message_id\":\"b{run}-{seq}\",\"data\":{body}}" \
     --scenarios "$scenarios" --repeat "$REPEAT" "$@") || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}

run_peer() {
  local peer=$1 scenarios=$2; shift 2
  (cd "$BENCH" && python3 bench.py --peer "$peer" --scenarios "$scenarios" --repeat "$REPEAT" "$@") || true
}

each() {
  local label=$1 scenarios=$2; shift 2
  for peer in $PEERS; do
    echo "== $peer: $label ($scenarios)" >&2
    if [ "$peer" = chamberconnect ]; then
      run_ours "$scenarios" --out "$OUT/bench-$peer-$label.json" "$@" 2>&1 | tee "$OUT/bench-$peer-$label.log"
    else
      run_peer "$peer" "$scenarios" --out "$OUT/bench-$peer-$label.json" "$@" 2>&1 | tee "$OUT/bench-$peer-$label.log"
    fi
  done
}

case "${1:-all}" in
  idle) each idle idle:18000 ;;
  rate) each rate fanout:1000:1000 --rate 100 ;;
  saturation) each saturation fanout:1000:2000,fanout:5000:500 ;;
  # big-event's shape (5,000 in one room, 20 msg/s) without its reconnects and acks: the floor per delivery there.
  event) each event fanout:5000:400 --rate 20 ;;
  # The same rooms with every publisher waiting for each message's answer before the next (nchan's and limit's
  # HTTP publishers always do): the latency of one message's fan-out at the rate the server answers.
  answered) export PUBLISH_AWAIT_ACK=1; each answered fanout:1000:2000,fanout:5000:500 ;;
  all)
    each idle idle:18000
    each rate fanout:1000:1000 --rate 100
    each saturation fanout:1000:2000,fanout:5000:500 ;;
  *) echo "usage: $0 [idle|rate|saturation|answered|event|all]" >&2; exit 2 ;;
esac
