#!/usr/bin/env bash
# The push scenario (issue 15), several runs: a release server on a fresh SQLite file with FCM pointed at the local
# FCM that `chamber-load push` plays, announcements to members who are all offline with one phone each. Prints each
# run's figures (acceptance → FCM request, median and p99; pushes per second) and keeps them in
# load-results/push-<run>.json.
#
#   LoadTests/push-bench.sh [-n RUNS] [chamber-load push options: --members 1000 --announcements 10 --interval 2]
#
# Needs release builds: swift build -c release --product chamberconnect && swift build -c release --product chamber-load
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3
if [ "${1:-}" = "-n" ]; then RUNS=$2; shift 2; fi
for binary in chamberconnect chamber-load; do
    [ -x ".build/release/$binary" ] || { echo "push-bench.sh: build first: swift build -c release --product $binary" >&2; exit 1; }
done
PORT=${PORT:-18090}
FCM_PORT=${FCM_PORT:-18300}
WORK=$(mktemp -d /tmp/chamber-push.XXXXXX)
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
mkdir -p load-results
# A service-account key of our own: the local FCM grants any assertion, but the server signs a real RS256 grant.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/key.pem" 2>/dev/null
python3 - "$WORK/key.pem" "$FCM_PORT" >"$WORK/service-account.json" <<'PY'
import json, sys
print(json.dumps({"type": "service_account", "project_id": "bench", "private_key_id": "bench-key",
                  "private_key": open(sys.argv[1]).read(), "client_email": "bench@bench.iam.gserviceaccount.com",
                  "token_uri": "http://127.0.0.1:%s/token" % sys.argv[2]}))
PY
chmod 600 "$WORK/service-account.json"  # the node refuses a secret every user may read
for run in $(seq 1 "$RUNS"); do
    rm -f "$WORK"/db.sqlite*
    CHAMBER_DATABASE_URL="sqlite://$WORK/db.sqlite" CHAMBER_AUTH_JWT_SECRET_FILE="$WORK/jwt" CHAMBER_SERVER_PORT=$PORT \
    CHAMBER_LOG_LEVEL=warning CHAMBER_PUSH_FCM_SERVICE_ACCOUNT_FILE="$WORK/service-account.json" \
    CHAMBER_PUSH_FCM_ENDPOINT="http://127.0.0.1:$FCM_PORT" \
        .build/release/chamberconnect serve --demo --load-test >"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done
    .build/release/chamber-load push --url "http://127.0.0.1:$PORT" --fcm-port "$FCM_PORT" --json "load-results/push-$run.json" "$@"
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
    cp "$WORK/server.log" "load-results/push-server-$run.log"
done
