#!/usr/bin/env bash
# Runs every test: domain, storage (SQLite and a real PostgreSQL), and the REST API end to end.
# Installs PostgreSQL if missing, starts a throw-away server on loopback, and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

apt_install postgresql python3

PG_BIN="$(pg_bin)"
PG_PORT="$(free_port)"
PG_DIR="$(mktemp -d /tmp/chamber-pg.XXXXXX)"
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root: the cluster belongs to the postgres user.
    chown postgres:postgres "$PG_DIR"
    RUN_AS=(runuser -u postgres --)
fi

stop_postgres() {
    "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
trap stop_postgres EXIT

echo "==> starting PostgreSQL ($("$PG_BIN/postgres" --version)) on 127.0.0.1:$PG_PORT"
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c max_connections=400" start >/dev/null
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres chamber_test

export CHAMBER_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/chamber_test"
export CHAMBER_TEST_REQUIRE_POSTGRES=1

echo "==> swift test"
swift test "$@"
