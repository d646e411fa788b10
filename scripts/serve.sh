#!/usr/bin/env bash
# Builds and runs the server on the embedded default: SQLite under data/, in-process broker, demo chamber,
# load-test provisioning on for the platform admin (chamber-load).
# Extra arguments go to `chamberconnect serve` (e.g. --port 9090).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
apt_install libhiredis-dev libsqlite3-dev
swift build -c release --product chamberconnect
exec .build/release/chamberconnect serve --demo --load-test "$@"
