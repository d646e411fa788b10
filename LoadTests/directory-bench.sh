#!/usr/bin/env bash
# The directory benchmark (issue 16), several runs: a release server on a fresh database (SQLite by default;
# `--postgres` starts a local PostgreSQL), a chamber seeded with businesses, then searches by a member at a steady
# rate. Prints each run's figures (latency from when each search was due: median, p99) and keeps them in
# load-results/directory-<database>-<run>.json.
#
#   LoadTests/directory-bench.sh [-n RUNS] [--postgres] [chamber-load directory options: --businesses 10000 --rate 1000 --duration 10]
#
# Needs release builds: swift build -c release --product chamberconnect && swift build -c release --product chamber-load
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3
DATABASE=sqlite
while [ $# -gt 0 ]; do
    case "$1" in
        -n) RUNS=$2; shift 2 ;;
        --postgres) DATABASE=postgres; shift ;;
        *) break ;;
    esac
done
for binary in chamberconnect chamber-load; do
    [ -x ".build/release/$binary" ] || { echo "directory-bench.sh: build first: swift build -c release --product $binary" >&2; exit 1; }
done
PORT=${PORT:-18091}
WORK=$(mktemp -d /tmp/chamber-directory.XXXXXX)
SERVER=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
    [ "$DATABASE" = postgres ] && stop_postgres
    rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p load-results
if [ "$DATABASE" = postgres ]; then
    source scripts/lib.sh
    start_postgres
    # Every node of a PostgreSQL deployment signs with one configured key.
    export CHAMBER_AUTH_JWT_SECRET="$(openssl rand -base64 48)"
fi
for run in $(seq 1 "$RUNS"); do
    if [ "$DATABASE" = postgres ]; then
        "$PG_BIN/dropdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres --if-exists directory_bench
        "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres directory_bench
        URL="postgres://postgres@127.0.0.1:$PG_PORT/directory_bench"
    else
        rm -f "$WORK"/db.sqlite*
        URL="sqlite://$WORK/db.sqlite"
    fi
    CHAMBER_DATABASE_URL="$URL" CHAMBER_AUTH_JWT_SECRET_FILE="$WORK/jwt" CHAMBER_SERVER_PORT=$PORT CHAMBER_LOG_LEVEL=warning \
        .build/release/chamberconnect serve --demo --load-test >"$WORK/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done
    .build/release/chamber-load directory --url "http://127.0.0.1:$PORT" --json "load-results/directory-$DATABASE-$run.json" "$@"
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
done
