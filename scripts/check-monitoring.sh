#!/usr/bin/env bash
# Checks the operations kit in Config/monitoring with promtool (from Debian's prometheus package, unpacked under
# .build/promtool: nothing is installed or started): the alert rules parse, their cases in alerts.test.yml pass, and
# every query of the Grafana dashboard parses. The metric names both use are checked against the code by
# MonitoringKitTests.
set -euo pipefail
cd "$(dirname "$0")/.."

promtool="$(command -v promtool || true)"
if [ -z "$promtool" ]; then
    promtool="$PWD/.build/promtool/usr/bin/promtool"
    if [ ! -x "$promtool" ]; then
        mkdir -p .build/promtool
        # A fresh machine may have no package lists yet: fetch them once and try again.
        (cd .build/promtool && { apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download prometheus; }; } \
            && dpkg -x prometheus_*.deb . && rm -f prometheus_*.deb)
    fi
fi

"$promtool" check rules Config/monitoring/alerts.yml
(cd Config/monitoring && "$promtool" test rules alerts.test.yml)

# The dashboard's queries, as recording rules, so promtool parses each one (Grafana's variables given values).
queries="$(mktemp --suffix=.yml)"
trap 'rm -f "$queries"' EXIT
python3 - Config/monitoring/grafana-dashboard.json > "$queries" <<'PY'
import json, sys
dashboard = json.load(open(sys.argv[1]))
print("groups:\n  - name: dashboard\n    rules:")
for panel in dashboard["panels"]:
    for target in panel["targets"]:
        expr = target["expr"].replace("$__rate_interval", "5m").replace("$instance", ".*")
        print(f"      - record: dashboard:panel{panel['id']}:{target['refId']}\n        expr: {json.dumps(expr)}")
PY
"$promtool" check rules "$queries"
