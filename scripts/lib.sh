# Shared helpers for the scripts: install what is missing, find PostgreSQL.

# apt_install PKG... : installs the Debian packages that are not installed yet (needs root or sudo).
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# pg_bin: the folder of the newest installed PostgreSQL server binaries.
pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

# free_port: a free TCP port on loopback.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_postgres [SERVER OPTIONS...]: starts a throw-away PostgreSQL on a free loopback port and sets PG_BIN,
# PG_PORT and PG_DIR; stop it with stop_postgres. Extra arguments are server settings ("-c fsync=off").
start_postgres() {
    PG_BIN="$(pg_bin)"
    PG_PORT="$(free_port)"
    PG_DIR="$(mktemp -d /tmp/chamber-pg.XXXXXX)"
    PG_RUN_AS=()
    if [ "$(id -u)" -eq 0 ]; then
        # initdb refuses to run as root: the cluster belongs to the postgres user.
        chown postgres:postgres "$PG_DIR"
        PG_RUN_AS=(runuser -u postgres --)
    fi
    "${PG_RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
    "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR $*" start >/dev/null
}

# stop_postgres: stops the server start_postgres started, if any, and removes its files.
stop_postgres() {
    [ -n "${PG_DIR:-}" ] || return 0
    "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
}

# run_watched QUIET_SECONDS COMMAND...: runs COMMAND (a `swift test`), its output shown as it comes. If it prints
# nothing for QUIET_SECONDS, it is taken for hung: says which tests started and never ended, prints the threads of
# the test process (gdb), kills COMMAND with everything it started, and returns 124. Without this a hung test holds
# CI until its time runs out, and the log says nothing about which test it was.
run_watched() {
    local quiet=$1
    shift
    local log
    log="$(mktemp /tmp/chamber-test-output.XXXXXX)"
    # A session of its own, so the test process and the servers it started can be killed together.
    setsid "$@" > >(tee "$log") 2>&1 &
    local pid=$! size=-1 still=0 status=0
    while kill -0 "$pid" 2>/dev/null; do
        sleep 5
        local now
        now="$(stat -c %s "$log")"
        if [ "$now" != "$size" ]; then
            size="$now"
            still=0
            continue
        fi
        still=$((still + 5))
        [ "$still" -ge "$quiet" ] || continue
        echo "==> HUNG: no output for $quiet s. Tests started and never ended:"
        unfinished_tests "$log"
        local tests
        for tests in $(pgrep -s "$pid" -f 'PackageTests\.xctest' || true); do
            echo "==> the threads of the test process ($tests):"
            gdb -p "$tests" -batch -ex "thread apply all bt 25" 2>/dev/null | grep -E '^(Thread|#)' | head -600 || true
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        rm -f "$log"
        return 124
    done
    wait "$pid" || status=$?
    rm -f "$log"
    return "$status"
}

# unfinished_tests LOG: the Swift Testing tests LOG shows started and not ended (passed, failed or skipped).
unfinished_tests() {
    awk '
        /^◇ Test ".*" started\.$/ { name = $0; sub(/^◇ Test "/, "", name); sub(/" started\.$/, "", name); started[name]++ }
        /^(✔|✘|↷) Test ".*" (with [0-9]+ test cases? )?(passed|failed|skipped)/ {
            name = $0; sub(/^(✔|✘|↷) Test "/, "", name); sub(/" (with [0-9]+ test cases? )?(passed|failed|skipped).*$/, "", name); ended[name]++
        }
        END { for (name in started) if (started[name] > ended[name]) print "  - " name }
    ' "$1"
}
