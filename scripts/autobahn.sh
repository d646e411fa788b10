#!/usr/bin/env bash
# Runs the Autobahn|Testsuite fuzzingclient (../shared/conformance/autobahn) against the server's WebSocket
# transport: a chamberconnect started with hub.conformance_echo, whose /v1/conformance/echo socket runs on the same
# handlers as the hub's. Every case must end OK, NON-STRICT or INFORMATIONAL; sections 12 and 13 (permessage-deflate,
# which the server does not offer) end UNIMPLEMENTED and count as skipped. Prints "N passed, N failed, N skipped".
# Usage: scripts/autobahn.sh [BINARY]   (default: the debug build's chamberconnect)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

SHARED="${CHAMBER_SHARED_DIR:-$(cd .. && pwd)/shared}/conformance/autobahn"
BINARY="${1:-$(swift build --show-bin-path)/chamberconnect}"
WORK="$(mktemp -d /tmp/chamber-autobahn.XXXXXX)"
SUITE="${AUTOBAHN_DIR:-/tmp/chamber-autobahn-suite}"
trap 'kill "${SERVER_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

if [ ! -x "$SUITE/venv/bin/python" ]; then
    echo "==> setting up Autobahn|Testsuite in $SUITE"
    bash "$SHARED/setup.sh" "$SUITE" >/dev/null
fi
# The shared Python 3 port computes case 10.1.1's expected frame count with true division (50.4 frames); the
# suite meant Python 2's integer division. Its check is of the frames the client sent, not of the server.
sed -i 's|frames_expected\[0\] = len(self.payload) / self.p.autoFragmentSize|frames_expected[0] = len(self.payload) // self.p.autoFragmentSize|' \
    "$SUITE/autobahntestsuite/case/case10_1_1.py"

PORT="$(free_port)"
CHAMBER_HUB_CONFORMANCE_ECHO=true CHAMBER_AUTH_JWT_SECRET_FILE="$WORK/jwt" CHAMBER_LOG_LEVEL=warning \
    "$BINARY" serve --database-url "sqlite://$WORK/db.sqlite" --port "$PORT" >"$WORK/server.log" 2>&1 </dev/null &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    sleep 0.2
done
if ! curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
    echo "autobahn: the echo server did not start on port $PORT; its log:" >&2
    cat "$WORK/server.log" >&2
    exit 1
fi

cat >"$WORK/spec.json" <<SPEC
{
    "outdir": "$WORK/reports",
    "servers": [{"agent": "chamberconnect", "url": "ws://127.0.0.1:$PORT/v1/conformance/echo"}],
    "cases": ["*"],
    "exclude-cases": [],
    "exclude-agent-cases": {}
}
SPEC
echo "==> Autobahn fuzzingclient against ws://127.0.0.1:$PORT/v1/conformance/echo"
(cd "$WORK" && "$SUITE/venv/bin/python" "$SUITE/run_wstest.py" -m fuzzingclient -s "$WORK/spec.json" >"$WORK/run.log" 2>&1)

python3 - "$WORK/reports/index.json" <<'PY'
import json, sys, collections
cases = json.load(open(sys.argv[1]))["chamberconnect"]
good = {"OK", "NON-STRICT", "INFORMATIONAL"}
skipped = {k for k, v in cases.items() if k.startswith(("12.", "13.")) and v["behavior"] == "UNIMPLEMENTED"}
bad = {k: v for k, v in cases.items() if k not in skipped
       and (v["behavior"] not in good or v["behaviorClose"] not in {"OK", "INFORMATIONAL"})}
counts = collections.Counter(v["behavior"] for v in cases.values())
print("cases by outcome:", dict(sorted(counts.items())))
for key in sorted(bad, key=lambda k: [int(x) for x in k.split(".")]):
    print(f"  {key}: {bad[key]['behavior']} (close: {bad[key]['behaviorClose']})")
print(f"autobahn: {len(cases) - len(bad) - len(skipped)} passed, {len(bad)} failed, {len(skipped)} skipped")
sys.exit(1 if bad else 0)
PY
