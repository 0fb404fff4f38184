#!/usr/bin/env bash
# Brings a fresh Debian/Ubuntu machine (as root) to the state the tests and the demo need:
# system packages, a virtual environment, and a private PostgreSQL server on a spare loopback port.
# Safe to run again: every step checks before it acts.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$here/.venv}
RUN=${OPUS_RUN_DIR:-$here/.run}
export DEBIAN_FRONTEND=noninteractive

log() { printf '%s bootstrap: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# What apt-get and pip print goes to $RUN/bootstrap.log, not to the terminal: one summary line per step
# here, and the whole log when a step fails.
mkdir -p "$RUN"
LOG=$RUN/bootstrap.log
: > "$LOG"
quiet() {
    printf '\n$ %s\n' "$*" >> "$LOG"
    if ! "$@" >> "$LOG" 2>&1; then
        log "FAILED: $*; its output ($LOG):"
        cat "$LOG" >&2
        exit 1
    fi
}

# 1. Debian packages ----------------------------------------------------------------------------
need=()
for p in postgresql postgresql-contrib unixodbc odbc-postgresql tdsodbc libltdl7 chromium fonts-dejavu-core; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
    # chromium renders the HTML report in a test (tests/sender/test_html_report_browser.py)
    log "installing Debian packages: ${need[*]}"
    quiet apt-get update
    quiet apt-get install -y --no-install-recommends "${need[@]}"
fi
# Debian ships psqlODBC with CommLog=1, which leaves a log file per process in $TMPDIR.
if [ -w /etc/odbcinst.ini ] && grep -q '^CommLog=1' /etc/odbcinst.ini; then
    sed -i 's/^CommLog=1/CommLog=0/' /etc/odbcinst.ini
fi

# 2. Python virtual environment ----------------------------------------------------------------
stamp="$VENV/.installed-$(sha256sum "$here/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    log "creating virtual environment in $VENV"
    [ -x "$VENV/bin/python" ] || quiet python3 -m venv "$VENV"
    quiet "$VENV/bin/pip" install --upgrade pip
    quiet "$VENV/bin/pip" install -e "$here[dev]"
    log "installed: $("$VENV/bin/pip" list --format=freeze 2>/dev/null | grep -ciE '^[a-z]') Python packages ($("$VENV/bin/python" -V))"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
fi

# 3. Private PostgreSQL server -----------------------------------------------------------------
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGROOT=$RUN/pg
mkdir -p "$PGROOT"
chown postgres:postgres "$PGROOT"
# the server runs as postgres: a checkout in a directory postgres cannot enter (mktemp -d makes them
# 0700) keeps its cluster beside the system's instead, one per checkout; .run/pgroot says where
if ! runuser -u postgres -- test -x "$PGROOT"; then
    PGROOT=/var/lib/postgresql/opus-$(printf '%s' "$RUN" | sha256sum | cut -c1-12)
    mkdir -p "$PGROOT"
    chown postgres:postgres "$PGROOT"
fi
echo "$PGROOT" > "$RUN/pgroot"
if [ ! -f "$PGROOT/data/PG_VERSION" ]; then
    log "initialising a private PostgreSQL cluster in $PGROOT"
    quiet runuser -u postgres -- "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8
fi
if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" status >/dev/null 2>&1; then
    port=${OPUS_PGPORT:-55432}
    # a spare loopback port: the first one from $port up that nothing listens on
    while (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null; do port=$((port + 1)); done
    log "starting PostgreSQL on 127.0.0.1:$port"
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 \
        -o "-p $port -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
            -c full_page_writes=off -c timezone=UTC -c max_connections=200" start >/dev/null
    echo "$port" > "$RUN/pgport"
fi
port=$(cat "$RUN/pgport")
"$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname='opus'" \
    | grep -q 1 || "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres opus
log "ready: PostgreSQL on 127.0.0.1:$port, venv $VENV"
