#!/usr/bin/env bash
# Runs every test: domain, storage (SQLite and a real PostgreSQL), and the REST API end to end.
# Installs PostgreSQL if missing, starts a throw-away server on loopback, and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

apt_install postgresql python3

trap stop_postgres EXIT
start_postgres -c fsync=off -c max_connections=400
echo "==> started PostgreSQL ($("$PG_BIN/postgres" --version)) on 127.0.0.1:$PG_PORT"
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres chamber_test

export CHAMBER_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/chamber_test"
export CHAMBER_TEST_REQUIRE_POSTGRES=1

echo "==> swift test"
swift test "$@"
