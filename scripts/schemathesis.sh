#!/usr/bin/env bash
# Property-based REST testing: schemathesis (PyPI) generates requests from Protocol/openapi.yaml against a server
# with the demo chamber, signed in as the demo's admin, member and guest in turn (path parameters named
# `chamberId` are the demo chamber's, so the chamber's routes are reached, not only their 404s). Every answer must
# be documented: no 5xx, a documented status, content type and body schema. Exits non-zero on any failure.
# Usage: scripts/schemathesis.sh [BINARY]   (default: the debug build's chamberconnect)
#   CHAMBER_SCHEMATHESIS_SECONDS   time per role (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

BINARY="${1:-$(swift build --show-bin-path)/chamberconnect}"
SECONDS_PER_ROLE="${CHAMBER_SCHEMATHESIS_SECONDS:-30}"
VENV=.build/schemathesis
if [ ! -x "$VENV/bin/schemathesis" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet schemathesis==4.32.5
fi
WORK="$(mktemp -d /tmp/chamber-schemathesis.XXXXXX)"
trap 'kill "${SERVER_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

PORT="$(free_port)"
# Generated logins fail by the thousand from this one address: its limit is lifted so the roles' own still pass.
CHAMBER_AUTH_JWT_SECRET_FILE="$WORK/jwt" CHAMBER_LOG_LEVEL=warning CHAMBER_FILES_LOCAL_PATH="$WORK/files" \
    CHAMBER_AUTH_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 \
    "$BINARY" serve --demo --database-url "sqlite://$WORK/db.sqlite" --port "$PORT" >"$WORK/server.log" 2>&1 </dev/null &
SERVER_PID=$!
for _ in $(seq 1 150); do
    curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null || { echo "schemathesis: the server did not start; its log:" >&2; cat "$WORK/server.log" >&2; exit 1; }

# The value at a path in the JSON on stdin: `field access_token`, `field memberships 0 chamber id`.
field() {
    python3 -c 'import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1:]: value = value[int(key) if isinstance(value, list) else key]
print(value)' "$@"
}
login() {
    curl -sf "http://127.0.0.1:$PORT/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"email\":\"$1@demo.chamberconnect.test\",\"password\":\"chamber-demo-2026\"}" | field access_token ||
        { echo "schemathesis: the demo's $1 could not sign in" >&2; exit 1; }
}
ADMIN="$(login admin)"
CHAMBER_ID="$(curl -sf "http://127.0.0.1:$PORT/v1/me" -H "Authorization: Bearer $ADMIN" | field memberships 0 chamber id)"

# This server has no card processor: its card routes answer 503 payment_provider_unavailable, as documented (the
# other checks still hold them to the document).
cat >"$WORK/schemathesis.toml" <<TOML
[parameters]
"path.chamberId" = "$CHAMBER_ID"

[checks]
enabled = false
not_a_server_error.enabled = true
status_code_conformance.enabled = true
content_type_conformance.enabled = true
response_schema_conformance.enabled = true

[[operations]]
include-path-regex = "/billing/card|/webhooks/stripe|/refunds"
checks.not_a_server_error.enabled = false
TOML

declare -A tokens
for role in admin member guest; do tokens[$role]="$(login "$role")"; done

status=0
for role in admin member guest; do
    token="${tokens[$role]}"
    echo "==> schemathesis as the demo's $role (${SECONDS_PER_ROLE}s)"
    # Left out: what ends the session the run signs in with (logout, revoking sessions, erasure) and the chamber
    # itself (deleting it). Only one --exclude-path-regex counts, so the patterns are one.
    if ! "$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run Protocol/openapi.yaml \
        --url "http://127.0.0.1:$PORT" --header "Authorization: Bearer $token" \
        --exclude-path /v1/auth/logout --exclude-path /v1/me/erasure \
        --exclude-path-regex '^/v1/auth/sessions|^/v1/chambers/\{chamberId\}$' \
        --phases examples,coverage,fuzzing --max-time "$SECONDS_PER_ROLE" --workers 2 --seed 2026 \
        --no-color --output-truncate true >"$WORK/$role.log" 2>&1; then
        status=1
        cat "$WORK/$role.log"
    else
        tail -n 12 "$WORK/$role.log"
    fi
    # A run that lost its session would have checked little beyond 401s: the token must still work.
    if ! curl -sf "http://127.0.0.1:$PORT/v1/me" -H "Authorization: Bearer $token" >/dev/null; then
        echo "schemathesis: the $role's session ended during the run; most answers were 401s"
        status=1
    fi
done
grep -iE "error|fatal" "$WORK/server.log" | grep -v "level=warning" | head -20 || true
exit $status
