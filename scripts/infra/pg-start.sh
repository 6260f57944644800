#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 cluster on 127.0.0.1 for tests and the local stack (Debian's `postgresql`
# package: initdb + pg_ctl, no system service). Data in .tools/postgres-data, wiped at each start.
# PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` user (runuser) on a
# directory that user owns.
#
# Env:
#   PG_PORT            port, default 5432
#   PG_BIN             directory of initdb/pg_ctl, default the newest /usr/lib/postgresql/*/bin
#   PG_KEEP_DATA=1     keep .tools/postgres-data between starts
#   PG_START_TIMEOUT   seconds to wait for readiness, default 60
# Prints (stdout) the connection string: postgres://postgres@127.0.0.1:$PG_PORT/postgres
set -euo pipefail
# shellcheck source=scripts/infra/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

PG_PORT="${PG_PORT:-5432}"
PG_START_TIMEOUT="${PG_START_TIMEOUT:-60}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}"
[ -x "$PG_BIN/pg_ctl" ] || die "PostgreSQL binaries not found (apt-get install -y postgresql, or set PG_BIN)"

DATA="$TOOLS/postgres-data"
LOGFILE="$TOOLS/postgres.log"
URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ -f "$DATA/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  if port_open "$PG_PORT"; then
    log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
    echo "$URL"
    exit 0
  fi
  die "a PostgreSQL cluster runs on $DATA but 127.0.0.1:$PG_PORT is closed (started with another PG_PORT?). Run scripts/infra/pg-stop.sh first."
fi
port_open "$PG_PORT" && die "port 127.0.0.1:$PG_PORT is already in use by another process. Free it or set PG_PORT."

t0="$(now_ms)"
if [ "${PG_KEEP_DATA:-0}" != "1" ]; then rm -rf "$DATA"; fi
if [ ! -f "$DATA/PG_VERSION" ]; then
  mkdir -p "$DATA"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$DATA"
    # the postgres user must be able to reach the directory through the checkout's parents
    chmod o+x "$TOOLS"
  fi
  chmod 700 "$DATA"
  as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --no-instructions >"$TOOLS/postgres-initdb.log" 2>&1 ||
    { cat "$TOOLS/postgres-initdb.log" >&2; die "initdb failed"; }
fi
[ -f "$LOGFILE" ] && mv -f "$LOGFILE" "$LOGFILE.1"
touch "$LOGFILE"
[ "$(id -u)" -eq 0 ] && chown postgres: "$LOGFILE"
# fsync stays on: the tests measure a store that keeps what it acknowledges. Sockets in the data directory,
# TCP on loopback only.
as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t "$PG_START_TIMEOUT" \
  -o "-p $PG_PORT -k $DATA -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=64MB" start >/dev/null ||
  { tail -n 40 "$LOGFILE" >&2; die "pg_ctl start failed"; }
as_pg "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -t "$PG_START_TIMEOUT" >/dev/null || die "PostgreSQL not ready on 127.0.0.1:$PG_PORT"
t1="$(now_ms)"
log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$PG_PORT in $(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100))s, log: $LOGFILE"
echo "$URL"
