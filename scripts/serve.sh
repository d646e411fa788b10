#!/usr/bin/env bash
# Builds and runs the server on the embedded default: SQLite under data/, in-process broker, demo chamber,
# load-test provisioning on for the platform admin (chamber-load).
# Extra arguments go to `chamberconnect serve` (e.g. --port 9090).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
apt_install libhiredis-dev libsqlite3-dev
swift build -c release --product chamberconnect
# chamber-load opens thousands of sockets from 127.0.0.1: one address's connection limit (2000 by default) is lifted.
export CHAMBER_SERVER_MAX_CONNECTIONS_PER_ADDRESS="${CHAMBER_SERVER_MAX_CONNECTIONS_PER_ADDRESS:-0}"
exec .build/release/chamberconnect serve --demo --load-test "$@"
