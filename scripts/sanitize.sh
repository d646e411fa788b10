#!/usr/bin/env bash
# Runs test suites under a sanitizer, in a build path of its own (.build-thread/ or .build-address/, about ten
# minutes from nothing), and counts its reports.
#   scripts/sanitize.sh thread|address [FILTER]
# FILTER is swift test's --filter (default: the suites that need no PostgreSQL or running services beyond the
# test's own). Prints every report to .build-<sanitizer>/reports.log and a count of them by the line they point at.
# A caution for `thread`: Synchronization.Mutex on Linux takes its lock with futex calls ThreadSanitizer does not
# see, so every access made inside Mutex.withLock from two threads is reported (RELIABILITY.md, row 2).
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer="${1:?thread or address}"
filter="${2:-ChamberRealtimeTests|ChamberDomainTests|ChamberStorageTests|ChamberRedisTests|ChamberHTTPTests|HubTests|PipelinedSendTests|SendRightsTests}"
path=".build-$sanitizer"
swift build --build-tests --build-path "$path" --sanitize="$sanitizer" 2>&1 | grep -E "error:" || true
export TSAN_OPTIONS="halt_on_error=0" ASAN_OPTIONS="halt_on_error=0:detect_leaks=0"
status=0
swift test --skip-build --build-path "$path" --filter "$filter" >"$path/reports.log" 2>&1 || status=$?
grep -E "Test run with" "$path/reports.log" || true
echo "reports: $(grep -c "WARNING: ThreadSanitizer\|ERROR: AddressSanitizer" "$path/reports.log" || true)"
grep -A3 "WARNING: ThreadSanitizer\|ERROR: AddressSanitizer" "$path/reports.log" | grep "#0 " | sed 's/ (.*//; s/.*\/\(Sources\|Tests\)\//\1\//' |
    sort | uniq -c | sort -rn | head -20 || true
exit $status
